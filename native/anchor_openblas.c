/*
 * OpenBLAS anchor: times cblas_sgemm (row-major, no transposes, alpha 1, beta 0) on the same random inputs and
 * with the same statistic as native/harness.c, in its own process pinned to the runner core(s).
 *
 *   anchor_openblas M N K FIRST_CORE THREADS NUMBER REPEAT MIN_REPEAT_MS
 *
 * libopenblas.so.0 is opened at run time (Debian's libopenblas0 / libopenblas-dev); its kernel choice follows
 * OPENBLAS_CORETYPE as the caller sets it (unset: OpenBLAS auto-selects). Prints one JSON line
 * {"ok":true,"median_ms","min_ms","max_ms","runs","number","corename"} or {"ok":false,"message"}.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef char *(*corename_fn)(void);
typedef void (*threads_fn)(int);

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 9) { fprintf(stderr, "usage: anchor_openblas M N K FIRST_CORE THREADS NUMBER REPEAT MIN_REPEAT_MS\n"); return 2; }
  const int M = atoi(argv[1]), N = atoi(argv[2]), K = atoi(argv[3]), core = atoi(argv[4]), threads = atoi(argv[5]);
  long number = atol(argv[6]);
  const int repeat = atoi(argv[7]);
  const double min_ms = atof(argv[8]);
  if (core >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c = core; c < core + threads; c++) CPU_SET(c, &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  void *lib = dlopen("libopenblas.so.0", RTLD_NOW);
  if (!lib) lib = dlopen("libopenblas.so", RTLD_NOW);
  if (!lib) { printf("{\"ok\":false,\"message\":\"libopenblas.so.0 not found (Debian: apt-get install libopenblas-dev)\"}\n"); return 0; }
  sgemm_fn sgemm = (sgemm_fn)dlsym(lib, "cblas_sgemm");
  corename_fn corename = (corename_fn)dlsym(lib, "openblas_get_corename");
  threads_fn set_threads = (threads_fn)dlsym(lib, "openblas_set_num_threads");
  if (!sgemm) { printf("{\"ok\":false,\"message\":\"no cblas_sgemm in libopenblas\"}\n"); return 0; }
  if (set_threads) set_threads(threads);
  float *A = aligned_alloc(64, sizeof(float) * (size_t)M * K + 64), *B = aligned_alloc(64, sizeof(float) * (size_t)K * N + 64), *C = aligned_alloc(64, sizeof(float) * (size_t)M * N + 64);
  unsigned s = 12345;
  for (size_t i = 0; i < (size_t)M * K; i++) { s = s * 1664525u + 1013904223u; A[i] = (s >> 8) * (2.0f / 16777216.0f) - 1.0f; }
  for (size_t i = 0; i < (size_t)K * N; i++) { s = s * 1664525u + 1013904223u; B[i] = (s >> 8) * (2.0f / 16777216.0f) - 1.0f; }
  double t0 = now_ms();
  sgemm(101, 111, 111, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
  const double first = now_ms() - t0;
  if (number <= 0) { number = (long)ceil(min_ms / (first > 1e-4 ? first : 1e-4)); if (number < 1) number = 1; }
  double *times = calloc(repeat, sizeof *times);
  for (int r = 0; r < repeat; r++) {
    t0 = now_ms();
    for (long n = 0; n < number; n++) sgemm(101, 111, 111, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
    times[r] = (now_ms() - t0) / number;
  }
  qsort(times, repeat, sizeof *times, cmp);
  const double med = repeat % 2 ? times[repeat / 2] : 0.5 * (times[repeat / 2 - 1] + times[repeat / 2]);
  printf("{\"ok\":true,\"median_ms\":%.9g,\"min_ms\":%.9g,\"max_ms\":%.9g,\"runs\":%d,\"number\":%ld,\"corename\":\"%s\",\"check\":%.6g}\n",
         med, times[0], times[repeat - 1], repeat, number, corename ? corename() : "unknown", (double)C[(size_t)M * N / 2]);
  return 0;
}
