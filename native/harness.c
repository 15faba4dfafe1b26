/*
 * RLTune's measurement harness: runs one generated kernel in its own process (src/tune/measure/runner.ts
 * starts one per candidate, so a crash or a hang costs only that process), checks its result and times it.
 *
 *   harness KERNEL.so DATA.bin FIRST_CORE THREADS NUMBER REPEAT MIN_REPEAT_MS FLUSH [REF.so]
 *
 * DATA.bin (written by src/tune/measure/data.ts): "RLTD", u32 version 1, u32 n_inputs, u64 out_len,
 * u64 len[n_inputs], then the inputs, the reference output and the per-element tolerance, all float32.
 *
 * Steps: pin to cores [FIRST_CORE, FIRST_CORE + THREADS); copy each input into its own buffer and fill the
 * output with NaN, every buffer between guard canaries; one warm-up call, then the checks:
 * canaries intact and inputs unchanged (else a wrong result: it wrote where it must not), then the output within tolerance
 * of the reference everywhere (a NaN never is). Timing: NUMBER
 * calls per repeat (0: as many as fill MIN_REPEAT_MS, from the warm-up's time), REPEAT repeats, each timed with
 * CLOCK_MONOTONIC around the calls only (FLUSH 1: a 64 MiB write before each repeat evicts the caches). The
 * checks run again after the timed calls.
 *
 * Paired timing (REF.so given: another kernel of the same workload, e.g. a reference config): the reference is
 * checked first (its failure is reported with a message that starts with "reference"), then each repeat times
 * the reference's calls and the kernel's calls back to back, and the line adds "ref_median_ms", "ref_number"
 * and "rel_median"/"rel_min"/"rel_max", the kernel's time over the reference's within each repeat. A slow
 * period of the machine (another tenant, a lower clock) that lasts longer than a repeat slows both alike, so the
 * ratio keeps what the raw time loses (bench/measure/noise measures how much).
 *
 * Prints one JSON line: {"ok":true,"median_ms","min_ms","max_ms","runs","number"} or
 * {"ok":false,"kind":"wrong-result"|"crash","message"}. A crash by signal is seen by the parent.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GUARD 64
static const uint32_t CANARY = 0x7fc0deadu;

typedef int (*kernel_fn)(const float *const *in, float *out);

static float *guarded(size_t n) {
  float *base = aligned_alloc(64, sizeof(float) * (n + 2 * GUARD) + 64);
  if (!base) return NULL;
  for (size_t i = 0; i < GUARD; i++) { memcpy(base + i, &CANARY, 4); memcpy(base + GUARD + n + i, &CANARY, 4); }
  return base + GUARD;
}

static int guards_ok(const float *p, size_t n) {
  for (size_t i = 0; i < GUARD; i++) {
    uint32_t a, b;
    memcpy(&a, p - GUARD + i, 4);
    memcpy(&b, p + n + i, 4);
    if (a != CANARY || b != CANARY) return 0;
  }
  return 1;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static void fail(const char *kind, const char *msg) {
  printf("{\"ok\":false,\"kind\":\"%s\",\"message\":\"%s\"}\n", kind, msg);
  fflush(stdout);
  exit(0);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The median of xs[0..n) (sorts xs in place). */
static double median_of(double *xs, int n) {
  qsort(xs, n, sizeof *xs, cmp_double);
  return n % 2 ? xs[n / 2] : 0.5 * (xs[n / 2 - 1] + xs[n / 2]);
}

/* Calls per repeat that fill min_repeat_ms, from one call's time. */
static long calls_for(double min_repeat_ms, double one_ms) {
  const long n = (long)ceil(min_repeat_ms / (one_ms > 1e-4 ? one_ms : 1e-4));
  return n < 1 ? 1 : n;
}

static kernel_fn load_kernel(const char *path) {
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) { fprintf(stderr, "harness: %s\n", dlerror()); exit(3); }
  kernel_fn k = (kernel_fn)dlsym(lib, "rltune_kernel");
  if (!k) { fprintf(stderr, "harness: no rltune_kernel in %s\n", path); exit(3); }
  return k;
}

static uint32_t n_in;
static uint64_t out_len;
static uint64_t *lens;
static float **inputs, **orig, *out, *ref, *tol;
/* While the reference kernel is checked: its failures are reported as the reference's. */
static int reference_check;

static void check(const char *when_) {
  char msg[512], when[96];
  snprintf(when, sizeof when, "%s%s", reference_check ? "reference kernel, " : "", when_);
  /* Memory errors first: a kernel that wrote outside its output (the canaries) or into an input computed a wrong result,
     whatever its numbers; the tuner records it as wrong-result. */
  if (!guards_ok(out, out_len)) { snprintf(msg, sizeof msg, "%s: the kernel wrote outside its output buffer", when); fail("wrong-result", msg); }
  for (uint32_t k = 0; k < n_in; k++) {
    if (!guards_ok(inputs[k], lens[k])) { snprintf(msg, sizeof msg, "%s: the kernel wrote outside input %u", when, k); fail("wrong-result", msg); }
    if (memcmp(inputs[k], orig[k], sizeof(float) * lens[k]) != 0) { snprintf(msg, sizeof msg, "%s: the kernel changed input %u", when, k); fail("wrong-result", msg); }
  }
  for (uint64_t i = 0; i < out_len; i++) {
    float d = fabsf(out[i] - ref[i]);
    if (!(d <= tol[i])) {
      snprintf(msg, sizeof msg, "%s: output[%llu] = %.9g, expected %.9g (tolerance %.3g)", when, (unsigned long long)i, out[i], ref[i], tol[i]);
      fail("wrong-result", msg);
    }
  }
}

int main(int argc, char **argv) {
  if (argc < 9) { fprintf(stderr, "usage: harness KERNEL.so DATA.bin FIRST_CORE THREADS NUMBER REPEAT MIN_REPEAT_MS FLUSH [REF.so]\n"); return 2; }
  const int core = atoi(argv[3]), threads = atoi(argv[4]);
  long number = atol(argv[5]);
  const int repeat = atoi(argv[6]);
  const double min_repeat_ms = atof(argv[7]);
  const int flush = atoi(argv[8]);
  if (core >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c = core; c < core + (threads > 0 ? threads : 1); c++) CPU_SET(c, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) { perror("harness: sched_setaffinity"); return 2; }
  }
  FILE *f = fopen(argv[2], "rb");
  if (!f) { perror("harness: data file"); return 2; }
  char magic[4];
  uint32_t version;
  if (fread(magic, 1, 4, f) != 4 || memcmp(magic, "RLTD", 4) != 0 || fread(&version, 4, 1, f) != 1 || version != 1 ||
      fread(&n_in, 4, 1, f) != 1 || fread(&out_len, 8, 1, f) != 1) { fprintf(stderr, "harness: %s is not an RLTune data file\n", argv[2]); return 2; }
  lens = calloc(n_in, sizeof *lens);
  inputs = calloc(n_in, sizeof *inputs);
  orig = calloc(n_in, sizeof *orig);
  if (fread(lens, 8, n_in, f) != n_in) { fprintf(stderr, "harness: truncated data file\n"); return 2; }
  for (uint32_t k = 0; k < n_in; k++) {
    inputs[k] = guarded(lens[k]);
    orig[k] = malloc(sizeof(float) * lens[k] + 4);
    if (!inputs[k] || !orig[k] || fread(orig[k], 4, lens[k], f) != lens[k]) { fprintf(stderr, "harness: cannot read input %u\n", k); return 2; }
    memcpy(inputs[k], orig[k], sizeof(float) * lens[k]);
  }
  out = guarded(out_len);
  ref = malloc(sizeof(float) * out_len + 4);
  tol = malloc(sizeof(float) * out_len + 4);
  if (!out || !ref || !tol || fread(ref, 4, out_len, f) != out_len || fread(tol, 4, out_len, f) != out_len) { fprintf(stderr, "harness: cannot read the reference\n"); return 2; }
  fclose(f);
  const float qnan = nanf("");
  for (uint64_t i = 0; i < out_len; i++) out[i] = qnan;

  kernel_fn kernel = load_kernel(argv[1]);
  kernel_fn refk = argc >= 10 ? load_kernel(argv[9]) : NULL;
  const float *const *in = (const float *const *)inputs;

  long ref_number = number;
  if (refk) {
    const double t = now_ms();
    if (refk(in, out) != 0) fail("crash", "reference kernel: it returned an error (workspace allocation failed)");
    const double ref_first_ms = now_ms() - t;
    reference_check = 1;
    check("first call");
    reference_check = 0;
    for (uint64_t i = 0; i < out_len; i++) out[i] = qnan;
    if (ref_number <= 0) ref_number = calls_for(min_repeat_ms, ref_first_ms);
  }
  double t0 = now_ms();
  if (kernel(in, out) != 0) fail("crash", "the kernel returned an error (workspace allocation failed)");
  const double first_ms = now_ms() - t0;
  check("first call");
  if (number <= 0) number = calls_for(min_repeat_ms, first_ms);
  char *flush_buf = flush ? malloc(64u << 20) : NULL;
  const int reps = repeat > 0 ? repeat : 1;
  double *times = calloc(reps, sizeof *times), *ref_times = calloc(reps, sizeof *ref_times), *rel = calloc(reps, sizeof *rel);
  for (int r = 0; r < repeat; r++) {
    if (refk) { /* the reference first, so that the kernel's output is the one checked after the timed calls */
      if (flush_buf) memset(flush_buf, r, 64u << 20);
      t0 = now_ms();
      for (long n = 0; n < ref_number; n++) refk(in, out);
      ref_times[r] = (now_ms() - t0) / ref_number;
    }
    if (flush_buf) memset(flush_buf, r, 64u << 20);
    t0 = now_ms();
    for (long n = 0; n < number; n++) kernel(in, out);
    times[r] = (now_ms() - t0) / number;
    if (refk) rel[r] = times[r] / ref_times[r];
  }
  check("after the timed calls");
  const double med = median_of(times, repeat); /* sorts: min and max are the ends */
  printf("{\"ok\":true,\"median_ms\":%.9g,\"min_ms\":%.9g,\"max_ms\":%.9g,\"runs\":%d,\"number\":%ld,\"first_ms\":%.9g",
         med, times[0], times[repeat - 1], repeat, number, first_ms);
  if (refk) {
    const double ref_med = median_of(ref_times, repeat), rel_med = median_of(rel, repeat);
    printf(",\"ref_median_ms\":%.9g,\"ref_number\":%ld,\"rel_median\":%.9g,\"rel_min\":%.9g,\"rel_max\":%.9g",
           ref_med, ref_number, rel_med, rel[0], rel[repeat - 1]);
  }
  printf("}\n");
  return 0;
}
