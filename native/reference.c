/*
 * The inputs and the plain products of a big GEMM or bmm workload for src/tune/measure/data.ts, where its float64
 * loop in JavaScript is too slow (7 s at 1024^3, hours at 8192^3). For each batch: A and B uniform in [-1, 1) from
 * SEED (splitmix64), C = op(A) op(B) and MAG = |op(A)| |op(B)| in float32, by OpenBLAS's cblas_sgemm where
 * libopenblas is installed (opened at run time, as the anchor does), else by a blocked loop that the compiler
 * vectorizes, on THREADS threads over the cores in CORES (the caller's cores, the runner's included: nothing is
 * timed while the data is made). data.ts checks a sample of C and MAG against exact float64 dot products.
 *
 *   reference OUT NB M N K TRANSA TRANSB SEED THREADS CORES LABEL
 *
 * OUT gets A (NB*M*K floats, per batch M x K, or K x M with TRANSA), B (NB*K*N floats, K x N or N x K with
 * TRANSB), C and MAG (NB*M*N floats each, row-major M x N per batch). Prints the routine used on stdout
 * ("openblas CORENAME" or "blocked"), and "rltune: LABEL: reference result P% (S s)" on stderr every 5 s after
 * the first 3 s, so that a long one is seen to move.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef char *(*corename_fn)(void);
typedef void (*threads_fn)(int);

/* Rows of C per unit of work: small enough for progress, large enough for OpenBLAS to run at full speed. */
#define PANEL 256
#define KB 256
#define NB_COLS 512

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void fill(float *x, size_t n, uint64_t *s) {
  for (size_t i = 0; i < n; i++) x[i] = (float)(splitmix(s) >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

static long M, N, K, NBATCH;
static int TA, TB;
static float *A, *B, *AA, *BA, *C, *MAG;
static long total, units, next_unit, done_units;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static double t0, last_report = -2; /* the first line at 3 s */
static const char *label;

static void report(void) {
  double t = now_s() - t0;
  if (t < 3 || t - last_report < 5) return;
  last_report = t;
  fprintf(stderr, "rltune: %s: reference result %d%% (%.0f s)\n", label, (int)(100.0 * done_units / total), t);
}

/* Reports every second whether or not a panel finished, so that a slow first panel (a loaded machine) still shows. */
static void *reporter(void *arg) {
  (void)arg;
  for (;;) {
    struct timespec one = {1, 0};
    nanosleep(&one, NULL);
    pthread_mutex_lock(&lock);
    report();
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

/* op(A)[m][k] of batch b as a row-major M x K view: A itself, or A transposed into a scratch copy. */
static const float *rowmajor(const float *x, long rows, long cols, int trans, float *scratch) {
  if (!trans) return x;
  for (long r = 0; r < rows; r++)
    for (long c = 0; c < cols; c++) scratch[r * cols + c] = x[c * rows + r];
  return scratch;
}

/* Rows [m0, m1) of C and MAG of batch b, blocked over k and n so that a block of B stays in the cache. */
static void blocked(const float *a, const float *b, float *c, float *g, long m0, long m1) {
  for (long n0 = 0; n0 < N; n0 += NB_COLS) {
    const long n1 = n0 + NB_COLS < N ? n0 + NB_COLS : N;
    for (long k0 = 0; k0 < K; k0 += KB) {
      const long k1 = k0 + KB < K ? k0 + KB : K;
      for (long m = m0; m < m1; m++) {
        float *restrict cr = c + m * N, *restrict gr = g + m * N;
        for (long k = k0; k < k1; k++) {
          const float x = a[m * K + k], ax = fabsf(x);
          const float *restrict br = b + k * N;
          for (long n = n0; n < n1; n++) {
            cr[n] += x * br[n];
            gr[n] += ax * fabsf(br[n]);
          }
        }
      }
    }
  }
}

static const float *OPA, *OPB; /* the current batch's row-major operands (blocked path) */

static void *worker(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&lock);
    const long u = next_unit < units ? next_unit++ : -1;
    pthread_mutex_unlock(&lock);
    if (u < 0) return NULL;
    const long per = (M + PANEL - 1) / PANEL, m0 = (u % per) * PANEL, m1 = m0 + PANEL < M ? m0 + PANEL : M;
    blocked(OPA, OPB, C + (u / per) * M * N, MAG + (u / per) * M * N, m0, m1);
    pthread_mutex_lock(&lock);
    done_units++;
    report();
    pthread_mutex_unlock(&lock);
  }
}

int main(int argc, char **argv) {
  if (argc < 12) {
    fprintf(stderr, "usage: reference OUT NB M N K TRANSA TRANSB SEED THREADS CORES LABEL\n");
    return 2;
  }
  NBATCH = atol(argv[2]), M = atol(argv[3]), N = atol(argv[4]), K = atol(argv[5]);
  TA = atoi(argv[6]), TB = atoi(argv[7]);
  uint64_t seed = strtoull(argv[8], NULL, 10);
  int threads = atoi(argv[9]);
  label = argv[11];
  if (threads < 1) threads = 1;
#ifdef __linux__
  cpu_set_t set;
  CPU_ZERO(&set);
  for (char *p = argv[10]; *p;) {
    const int c = (int)strtol(p, &p, 10);
    if (c >= 0 && c < CPU_SETSIZE) CPU_SET(c, &set);
    if (*p == ',') p++;
    else break;
  }
  if (CPU_COUNT(&set) > 0) sched_setaffinity(0, sizeof set, &set);
#endif
  const size_t na = (size_t)NBATCH * M * K, nb = (size_t)NBATCH * K * N, nc = (size_t)NBATCH * M * N;
  A = malloc(na * 4), B = malloc(nb * 4), AA = malloc(na * 4), BA = malloc(nb * 4);
  C = calloc(nc, 4), MAG = calloc(nc, 4);
  if (!A || !B || !AA || !BA || !C || !MAG) {
    fprintf(stderr, "reference: out of memory for %zu floats\n", na * 2 + nb * 2 + nc * 2);
    return 1;
  }
  const long per = (M + PANEL - 1) / PANEL;
  total = units = NBATCH * per;
  /* From here on: making the inputs of a big workload takes seconds too. */
  t0 = now_s();
  pthread_t rep;
  pthread_create(&rep, NULL, reporter, NULL);
  fill(A, na, &seed);
  fill(B, nb, &seed);
  for (size_t i = 0; i < na; i++) AA[i] = fabsf(A[i]);
  for (size_t i = 0; i < nb; i++) BA[i] = fabsf(B[i]);
  /* RLTUNE_REFERENCE_BLOCKED=1: the blocked loop even where OpenBLAS is installed (how its test reaches it). */
  const char *blocked_only = getenv("RLTUNE_REFERENCE_BLOCKED");
  void *lib = blocked_only && *blocked_only == '1' ? NULL : dlopen("libopenblas.so.0", RTLD_NOW);
  if (!lib && !(blocked_only && *blocked_only == '1')) lib = dlopen("libopenblas.so", RTLD_NOW);
  sgemm_fn sgemm = lib ? (sgemm_fn)dlsym(lib, "cblas_sgemm") : NULL;
  if (sgemm) {
    corename_fn corename = (corename_fn)dlsym(lib, "openblas_get_corename");
    threads_fn set_threads = (threads_fn)dlsym(lib, "openblas_set_num_threads");
    if (set_threads) set_threads(threads);
    printf("openblas %s\n", corename ? corename() : "unknown");
    const int ta = TA ? 112 : 111, tb = TB ? 112 : 111;
    const int lda = TA ? (int)M : (int)K, ldb = TB ? (int)K : (int)N;
    for (long u = 0; u < units; u++) {
      const long b = u / per, m0 = (u % per) * PANEL, mb = m0 + PANEL < M ? PANEL : M - m0;
      /* Rows m0.. of op(A): row offset m0 * K without a transpose, column offset m0 with one. */
      const size_t ao = (size_t)b * M * K + (TA ? (size_t)m0 : (size_t)m0 * K), bo = (size_t)b * K * N;
      float *c = C + (size_t)b * M * N + (size_t)m0 * N, *g = MAG + (size_t)b * M * N + (size_t)m0 * N;
      sgemm(101, ta, tb, (int)mb, (int)N, (int)K, 1.0f, A + ao, lda, B + bo, ldb, 0.0f, c, (int)N);
      sgemm(101, ta, tb, (int)mb, (int)N, (int)K, 1.0f, AA + ao, lda, BA + bo, ldb, 0.0f, g, (int)N);
      pthread_mutex_lock(&lock);
      done_units++;
      report();
      pthread_mutex_unlock(&lock);
    }
  } else {
    printf("blocked\n");
    float *sa = TA ? malloc((size_t)M * K * 4) : NULL, *sb = TB ? malloc((size_t)K * N * 4) : NULL;
    pthread_t *tid = malloc(sizeof *tid * threads);
    for (long b = 0; b < NBATCH; b++) {
      OPA = rowmajor(A + (size_t)b * M * K, M, K, TA, sa);
      OPB = rowmajor(B + (size_t)b * K * N, K, N, TB, sb);
      next_unit = b * per;
      units = (b + 1) * per;
      for (int t = 0; t < threads; t++) pthread_create(&tid[t], NULL, worker, NULL);
      for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
    }
  }
  FILE *f = fopen(argv[1], "wb");
  if (!f || fwrite(A, 4, na, f) != na || fwrite(B, 4, nb, f) != nb || fwrite(C, 4, nc, f) != nc ||
      fwrite(MAG, 4, nc, f) != nc || fclose(f) != 0) {
    fprintf(stderr, "reference: cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
