/*
 * RLTune's machine probe: one core's float32 FMA peak and the memory bandwidth, printed as one JSON line.
 *
 *   probe CORE
 *
 * FMA peak: 24 independent vector accumulators (enough to cover the FMA latency times the FMA ports of
 * current cores) updated with fused multiply-adds in a loop the compiler unrolls, in the widest vector width
 * this file is compiled for (-march=native); the best of 7 timed runs of 2^27 vector FMAs... counted as
 * 2 * lanes flops each. Bandwidth: a STREAM-style triad a = b + s c over 3 x 128 MiB, best of 5, counting
 * 3 x 4 bytes per element (the write-allocate traffic is not counted, as STREAM does).
 * Cache bandwidths (for the analytic cost model, src/tune/cost/analytic.ts): a vector read loop (a sum into
 * 8 independent accumulators) over a buffer of 16 KiB (L1), 256 KiB (L2) and 4 MiB (L3), repeated until
 * 2^30 bytes were read, best of 5, in GB/s of bytes read.
 *
 *   probe CORE caches
 *   probe CORE read BYTES THREADS      (see read_bandwidth)
 *
 * Cache sweep, for machines that do not tell their cache sizes (no sysfs cache folder, no getconf): the same read
 * loop over buffers from 4 KiB to 64 MiB in steps of about 1.4x, 2^27 bytes read per size, best of 3, printed as
 * {"sweep":[[bytes,GB/s],...]}; where the bandwidth steps down is where a cache level ends (src/tune/measure/host.ts).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX__)
#define LANES 8
#else
#define LANES 4
#endif
typedef float vf __attribute__((vector_size(LANES * 4)));

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

__attribute__((noinline)) static float fma_loop(long iters, float x) {
  vf a[24], m = (vf){} + 0.999999f, c = (vf){} + 1e-7f;
  for (int i = 0; i < 24; i++) a[i] = (vf){} + (x + i);
  for (long n = 0; n < iters; n++) {
#pragma GCC unroll 24
    for (int i = 0; i < 24; i++) a[i] = a[i] * m + c;
  }
  vf s = (vf){};
  for (int i = 0; i < 24; i++) s += a[i];
  float r = 0;
  for (int l = 0; l < LANES; l++) r += s[l];
  return r;
}

__attribute__((noinline)) static float read_loop(const float *p, size_t n, long passes) {
  vf s[8];
  for (int i = 0; i < 8; i++) s[i] = (vf){};
  for (long r = 0; r < passes; r++) {
    for (size_t i = 0; i + 8 * LANES <= n; i += 8 * LANES) {
#pragma GCC unroll 8
      for (int j = 0; j < 8; j++) s[j] += *(const vf *)(p + i + j * LANES);
    }
    __asm__ volatile("" : : "r"(p) : "memory");
  }
  vf t = (vf){};
  for (int i = 0; i < 8; i++) t += s[i];
  float r = 0;
  for (int l = 0; l < LANES; l++) r += t[l];
  return r;
}

static int cache_sweep(void) {
  const size_t max = 64u << 20;
  float *b = aligned_alloc(64, max);
  for (size_t i = 0; i < max / 4; i++) b[i] = 1;
  volatile float sink = 0;
  printf("{\"sweep\":[");
  int first = 1;
  /* 4, 6, 8, 12, 16, 24, ... KiB: a 48 KiB L1 or a 1.25 MiB L2 falls between two powers of two. */
  for (size_t base = 4u << 10; base <= max; base *= 2) {
    for (int half = 0; half < 2; half++) {
      const size_t bytes = half ? base + base / 2 : base;
      if (bytes > max) break;
      const long passes = (long)((1u << 27) / bytes) + 1;
      double best = 0;
      for (int r = 0; r < 3; r++) {
        double t0 = now_s();
        sink += read_loop(b, bytes / 4, passes);
        double g = (double)passes * bytes / (now_s() - t0) / 1e9;
        if (g > best) best = g;
      }
      printf("%s[%zu,%.2f]", first ? "" : ",", bytes, best);
      first = 0;
    }
  }
  printf("]}\n");
  return sink == 12345.0f; /* keeps the loops from being optimised away; 0 in practice */
}

/* `probe CORE read BYTES THREADS`: the read bandwidth of THREADS threads, pinned to CORE, CORE + 1, ..., each reading
 * its slice of one BYTES buffer over and over (as a kernel re-reads its operand call after call: from the cache level
 * the buffer fits, or from memory), best of 5 runs of at least 2^28 bytes; the reference of memory-bound kernels. */
/* The threads time themselves (from their common start to their own end): the main thread may share a core with one of
 * them and would see the start late. */
struct reader { const float *p; size_t n; long passes; int core; pthread_barrier_t *go; float sink; double t0, t1; };

static void *read_slice(void *arg) {
  struct reader *r = arg;
  if (r->core >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(r->core, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  }
  r->sink += read_loop(r->p, r->n, 1); /* warm: the slice in the cache it fits, or not */
  pthread_barrier_wait(r->go);
  r->t0 = now_s();
  r->sink += read_loop(r->p, r->n, r->passes);
  r->t1 = now_s();
  return NULL;
}

static int read_bandwidth(int core, size_t bytes, int threads) {
  if (threads < 1 || threads > 256 || bytes < 4096) { fprintf(stderr, "probe read: bad size or threads\n"); return 2; }
  const size_t slice = (bytes / threads / (64 * 8)) * (64 * 8) / 4; /* floats, whole 8-vector groups */
  float *b = aligned_alloc(64, slice * 4 * threads + 64);
  if (!b) return 1;
  for (size_t i = 0; i < slice * threads; i++) b[i] = 1;
  const long passes = (long)((1u << 28) / (slice * 4 * threads)) + 1;
  double best = 0;
  float sink = 0;
  for (int rep = 0; rep < 5; rep++) {
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, threads);
    struct reader rs[256];
    pthread_t ts[256];
    for (int t = 0; t < threads; t++) {
      rs[t] = (struct reader){b + slice * t, slice, passes, core >= 0 ? core + t : -1, &go, 0, 0, 0};
      pthread_create(&ts[t], NULL, read_slice, &rs[t]);
    }
    double t0 = 1e300, t1 = 0;
    for (int t = 0; t < threads; t++) {
      pthread_join(ts[t], NULL);
      sink += rs[t].sink;
      if (rs[t].t0 < t0) t0 = rs[t].t0;
      if (rs[t].t1 > t1) t1 = rs[t].t1;
    }
    double g = (double)passes * slice * 4 * threads / (t1 - t0) / 1e9;
    pthread_barrier_destroy(&go);
    if (g > best) best = g;
  }
  printf("{\"bytes\":%zu,\"threads\":%d,\"read_bandwidth_gbs\":%.2f}\n", slice * 4 * threads, threads, best);
  return sink == 12345.0f;
}

int main(int argc, char **argv) {
  int core = argc > 1 ? atoi(argv[1]) : -1;
  if (core >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  if (argc > 2 && argv[2][0] == 'c') return cache_sweep();
  if (argc > 4 && argv[2][0] == 'r') return read_bandwidth(core, (size_t)atoll(argv[3]), atoi(argv[4]));
  const long iters = 1L << 22;
  volatile float sink = fma_loop(iters / 8, 1.0f);
  double best = 1e30;
  for (int r = 0; r < 7; r++) {
    double t0 = now_s();
    sink += fma_loop(iters, (float)r);
    double t = now_s() - t0;
    if (t < best) best = t;
  }
  const double peak = 2.0 * LANES * 24.0 * iters / best / 1e9;
  const size_t n = (128u << 20) / 4;
  float *a = aligned_alloc(64, n * 4), *b = aligned_alloc(64, n * 4), *c = aligned_alloc(64, n * 4);
  for (size_t i = 0; i < n; i++) { a[i] = 0; b[i] = 1; c[i] = 2; }
  double bw = 0;
  for (int r = 0; r < 5; r++) {
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) a[i] = b[i] + 1.5f * c[i];
    double t = now_s() - t0;
    double g = 3.0 * 4.0 * n / t / 1e9;
    if (g > bw) bw = g;
  }
  sink += a[n / 2];
  const size_t footprints[3] = {16u << 10, 256u << 10, 4u << 20};
  double cache_bw[3];
  for (int l = 0; l < 3; l++) {
    cache_bw[l] = 0;
    const size_t m = footprints[l] / 4;
    for (int r = 0; r < 5; r++) {
      const long passes = (long)((1u << 30) / footprints[l]);
      double t0 = now_s();
      sink += read_loop(b, m, passes);
      double t = now_s() - t0;
      double g = (double)passes * footprints[l] / t / 1e9;
      if (g > cache_bw[l]) cache_bw[l] = g;
    }
  }
  printf("{\"fma_peak_gflops\":%.2f,\"lanes\":%d,\"accumulators\":24,\"mem_bandwidth_gbs\":%.2f,\"l1_bandwidth_gbs\":%.1f,\"l2_bandwidth_gbs\":%.1f,\"l3_bandwidth_gbs\":%.1f}\n",
         peak, LANES, bw, cache_bw[0], cache_bw[1], cache_bw[2]);
  return 0;
}
