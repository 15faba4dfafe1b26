/*
 * The native fast path of src/rl/nn: forward and backward passes of a dense MLP, and an Adam step, on
 * Float32Arrays owned by JavaScript (no copies). See src/rl/nn/mlp.ts for the contract and the flat layout:
 * layer after layer, W (in x out, row-major, W[i][o] at i*out + o) then b (out).
 *
 *   forward:   a_{l+1} = act(a_l W_l + b_l)        (act on hidden layers, identity on the last one)
 *   backward:  dz_{L-1} = dL/dy
 *              db_l += sum_n dz_l[n,:]
 *              dW_l += a_l^T dz_l
 *              dz_{l-1} = (dz_l W_l^T) * act'(a_l)   with tanh' = 1 - a^2 and relu' = [a > 0]
 *              dx = dz_0 W_0^T                        (only when the caller asks for dL/dx)
 *   The parameter-gradient accumulation (db, dW) can be switched off when only dL/dx is wanted.
 *
 * Every product is one register-blocked GEMM kernel, C = init + A B with B and C row-major and the vector
 * lanes along the columns of B and C, so that each output is a sum over k taken in order: no reassociation,
 * hence no -ffast-math. A is read through two strides, which gives A^T B (the weight gradient) without a
 * transpose; dz W^T goes through a transposed copy of W. Products with at most 4 output columns (the output
 * layer) would leave most lanes empty: they are dot products with lanes along k, whose VL partial sums are
 * added in a fixed tree. Either way an output row does not depend on the other rows of the batch, and the same
 * inputs give the same bits. Vectors are GCC/Clang vector extensions, lowered to whatever SIMD the build
 * machine has (-march=native): 16 lanes with AVX-512, 8 with AVX, 4 otherwise.
 */
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

#if defined(__AVX512F__)
#define VL 16
#elif defined(__AVX__)
#define VL 8
#else
#define VL 4
#endif

#if VL >= 8
#include <immintrin.h>
#endif

typedef float vf __attribute__((vector_size(VL * 4)));
typedef int32_t vi __attribute__((vector_size(VL * 4)));

#define INLINE static inline __attribute__((always_inline))
#define MAX_LAYERS 64
#define RLTUNE_NN_API 3

INLINE vf vload(const float *p) { vf v; memcpy(&v, p, sizeof v); return v; }
INLINE void vstore(float *p, vf v) { memcpy(p, &v, sizeof v); }
/* The first n (< VL) lanes; the others are 0. Masked loads and stores where the ISA has them. */
#if VL == 16
INLINE vf vload_part(const float *p, int n) { return (vf)_mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p); }
INLINE void vstore_part(float *p, vf v, int n) { _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), (__m512)v); }
#else
INLINE vf vload_part(const float *p, int n) { vf v = {0}; for (int j = 0; j < n; j++) v[j] = p[j]; return v; }
INLINE void vstore_part(float *p, vf v, int n) { for (int j = 0; j < n; j++) p[j] = v[j]; }
#endif
INLINE vf vsplat(float s) { return s - (vf){0}; }  /* s - 0 folds to a broadcast; 0 + s would not (-0) */
INLINE vf vselect(vi mask, vf a, vf b) { return (vf)((mask & (vi)a) | (~mask & (vi)b)); }
/* min/max: one instruction where the ISA has it (the generic select costs three). Both forms return b when
   either input is NaN, so callers pass the data as b: a NaN activation must stay NaN, not become a bound. */
#if VL == 16
INLINE vf vmin(vf a, vf b) { return (vf)_mm512_min_ps((__m512)a, (__m512)b); }
INLINE vf vmax(vf a, vf b) { return (vf)_mm512_max_ps((__m512)a, (__m512)b); }
#elif VL == 8
INLINE vf vmin(vf a, vf b) { return (vf)_mm256_min_ps((__m256)a, (__m256)b); }
INLINE vf vmax(vf a, vf b) { return (vf)_mm256_max_ps((__m256)a, (__m256)b); }
#else
INLINE vf vmin(vf a, vf b) { return vselect(a < b, a, b); }
INLINE vf vmax(vf a, vf b) { return vselect(a > b, a, b); }
#endif

/*
 * tanh(x) = x * P(x^2) / Q(x^2) for |x| <= 7.9053 (Eigen's float rational approximation, with x factored out of
 * the quotient so that tiny and subnormal x keep full relative precision); beyond that range tanh is +-1 in
 * float32. Over every float in [0, 10]: at most 5 ulp and 3e-7 absolute from tanh, and |result| <= 1.
 */
INLINE vf vtanh(vf x) {
  const float clampv = 7.90531110763549805f;
  vf xc = vmin(vsplat(clampv), vmax(vsplat(-clampv), x));
  vf x2 = xc * xc;
  vf p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
  p = x2 * p + -8.60467152213735e-11f;
  p = x2 * p + 5.12229709037114e-08f;
  p = x2 * p + 1.48572235717979e-05f;
  p = x2 * p + 6.37261928875436e-04f;
  p = x2 * p + 4.89352455891786e-03f;
  vf q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
  q = x2 * q + 2.26843463243900e-03f;
  q = x2 * q + 4.89352518554385e-03f;
  return xc * (p / q);
}

enum { INIT_ZERO = 0, INIT_BIAS = 1, INIT_C = 2 };
enum { EPI_NONE = 0, EPI_TANH = 1, EPI_RELU = 2, EPI_DTANH = 3, EPI_DRELU = 4 };
enum { ACT_TANH = 0, ACT_RELU = 1 };

typedef struct {
  int K;
  const float *A; ptrdiff_t ars, acs;  /* A(m,k) = A[m*ars + k*acs] */
  const float *B; ptrdiff_t ldb;       /* B(k,n) = B[k*ldb + n] */
  float *C; ptrdiff_t ldc;             /* C(m,n) = C[m*ldc + n] */
  int init; const float *bias;         /* INIT_BIAS: C(m,n) starts at bias[n] */
  int epi; const float *H; ptrdiff_t ldh; /* EPI_D*: C(m,n) *= act'(H(m,n)), H the activation a = act(z) */
} Gemm;

/*
 * Rows m0..m0+R-1, columns n0..n0+NV*VL-1 of C (or, with part > 0, the single partial vector of `part`
 * columns whose B columns were packed, zero padded, into B with ldb = VL). R and NV are constants at every
 * call site, so the accumulators live in registers.
 */
INLINE void block(const Gemm *g, int m0, int n0, const int R, const int NV, int part) {
  vf acc[8][4];
  const int K = g->K;
  for (int r = 0; r < R; r++) {
    float *c = g->C + (m0 + r) * g->ldc + n0;
    for (int v = 0; v < NV; v++) {
      if (g->init == INIT_ZERO) acc[r][v] = (vf){0};
      else if (g->init == INIT_BIAS) acc[r][v] = part ? vload_part(g->bias + n0, part) : vload(g->bias + n0 + v * VL);
      else acc[r][v] = part ? vload_part(c, part) : vload(c + v * VL);
    }
  }
  const float *a = g->A + m0 * g->ars;
  const float *b = part ? g->B : g->B + n0;
  const ptrdiff_t ars = g->ars, acs = g->acs, ldb = g->ldb;
  for (int k = 0; k < K; k++) {
    vf bv[4];
    for (int v = 0; v < NV; v++) bv[v] = vload(b + k * ldb + v * VL);
    for (int r = 0; r < R; r++) {
      vf av = vsplat(a[r * ars + k * acs]);
      for (int v = 0; v < NV; v++) acc[r][v] += av * bv[v];
    }
  }
  for (int r = 0; r < R; r++) {
    float *c = g->C + (m0 + r) * g->ldc + n0;
    const float *h = g->H ? g->H + (m0 + r) * g->ldh + n0 : 0;
    for (int v = 0; v < NV; v++) {
      vf x = acc[r][v];
      switch (g->epi) {
        case EPI_TANH: x = vtanh(x); break;
        case EPI_RELU: x = vmax((vf){0}, x); break;
        case EPI_DTANH: { vf hv = part ? vload_part(h, part) : vload(h + v * VL); x = x * (1.0f - hv * hv); break; }
        case EPI_DRELU: { vf hv = part ? vload_part(h, part) : vload(h + v * VL); x = vselect(hv > 0.0f, x, (vf){0}); break; }
        default: break;
      }
      if (part) vstore_part(c, x, part); else vstore(c + v * VL, x);
    }
  }
}

/* Rows per block for 4, 3, 2 and 1 column vectors: the accumulators fill most of the vector registers
   (32 with AVX-512, 16 with AVX and SSE) and leave room for the B vectors and the broadcast A value. */
#if VL == 16
#define RB4 6
#define RB3 8
#define RB2 8
#define RB1 8
#else
#define RB4 3
#define RB3 3
#define RB2 4
#define RB1 6
#endif

/* All rows for one column block: RMAIN rows at a time, then the leftover rows as one block (< RMAIN <= 8). */
#define ROWS(RMAIN, NV, PART)                                               \
  do {                                                                      \
    int m = 0;                                                              \
    for (; m + (RMAIN) <= M; m += (RMAIN)) block(g, m, n0, (RMAIN), (NV), (PART)); \
    switch (M - m) {                                                        \
      case 7: block(g, m, n0, 7, (NV), (PART)); break;                      \
      case 6: block(g, m, n0, 6, (NV), (PART)); break;                      \
      case 5: block(g, m, n0, 5, (NV), (PART)); break;                      \
      case 4: block(g, m, n0, 4, (NV), (PART)); break;                      \
      case 3: block(g, m, n0, 3, (NV), (PART)); break;                      \
      case 2: block(g, m, n0, 2, (NV), (PART)); break;                      \
      case 1: block(g, m, n0, 1, (NV), (PART)); break;                      \
      default: break;                                                       \
    }                                                                       \
  } while (0)

/* The sum of the lanes of v as a fixed tree (v + v rotated by half, by a quarter, ...): the same v always gives
   the same sum. */
#if defined(__clang__)
#define SHUF(v, ...) __builtin_shufflevector((v), (v), __VA_ARGS__)
#else
#define SHUF(v, ...) __builtin_shuffle((v), (vi){__VA_ARGS__})
#endif
INLINE float hsum(vf v) {
#if VL == 16
  v = v + SHUF(v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  v = v + SHUF(v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
  v = v + SHUF(v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  v = v + SHUF(v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
#elif VL == 8
  v = v + SHUF(v, 4, 5, 6, 7, 0, 1, 2, 3);
  v = v + SHUF(v, 2, 3, 0, 1, 6, 7, 4, 5);
  v = v + SHUF(v, 1, 0, 3, 2, 5, 4, 7, 6);
#else
  v = v + SHUF(v, 2, 3, 0, 1);
  v = v + SHUF(v, 1, 0, 3, 2);
#endif
  return v[0];
}

/* One row of the dot-product GEMM below, NC (constant) outputs. */
INLINE void dot_row(const Gemm *g, int m, const float *bt, int Kp, const int NC) {
  const int K = g->K, KV = K / VL, kt = K - KV * VL;
  const float *a = g->A + m * g->ars;
  vf acc[4];
  for (int o = 0; o < NC; o++) acc[o] = (vf){0};
  for (int kv = 0; kv < KV; kv++) {
    vf av = vload(a + kv * VL);
    for (int o = 0; o < NC; o++) acc[o] += av * vload(bt + o * Kp + kv * VL);
  }
  if (kt) {
    vf av = vload_part(a + KV * VL, kt);
    for (int o = 0; o < NC; o++) acc[o] += av * vload(bt + o * Kp + KV * VL);
  }
  float *c = g->C + m * g->ldc;
  for (int o = 0; o < NC; o++) {
    float sum = hsum(acc[o]);
    c[o] = g->init == INIT_ZERO ? sum : g->init == INIT_BIAS ? g->bias[o] + sum : c[o] + sum;
  }
}

/*
 * C(M x N) = init + A B for N <= 4 outputs and no epilogue (an output layer): each output is a dot product of
 * a row of A (contiguous, acs == 1) with a column of B, vector lanes along k, VL partial sums added as a fixed
 * tree. With so few columns the broadcast kernel would leave most lanes empty. pack: B^T (N x Kp), zero padded.
 */
static void gemm_dot(const Gemm *g, int M, int N, float *pack) {
  const int K = g->K, Kp = (K + VL - 1) / VL * VL;
  for (int o = 0; o < N; o++) {
    for (int k = 0; k < Kp; k++) pack[o * Kp + k] = k < K ? g->B[k * g->ldb + o] : 0.0f;
  }
  for (int m = 0; m < M; m++) {
    switch (N) {
      case 1: dot_row(g, m, pack, Kp, 1); break;
      case 2: dot_row(g, m, pack, Kp, 2); break;
      case 3: dot_row(g, m, pack, Kp, 3); break;
      default: dot_row(g, m, pack, Kp, 4); break;
    }
  }
}

/* C(M x N) = init + A B (+ epilogue). `pack` holds (max(K, ...) + 4) * VL floats. */
static void gemm(const Gemm *g0, int M, int N, float *pack) {
  if (N <= 4 && g0->K >= VL && g0->acs == 1 && g0->epi == EPI_NONE) {
    gemm_dot(g0, M, N, pack);
    return;
  }
  Gemm gg = *g0;
  Gemm *g = &gg;
  int n0 = 0;
  for (; n0 + 4 * VL <= N; n0 += 4 * VL) ROWS(RB4, 4, 0);
  switch ((N - n0) / VL) {
    case 3: ROWS(RB3, 3, 0); n0 += 3 * VL; break;
    case 2: ROWS(RB2, 2, 0); n0 += 2 * VL; break;
    case 1: ROWS(RB1, 1, 0); n0 += VL; break;
    default: break;
  }
  int part = N - n0;
  if (part > 0) {
    for (int k = 0; k < g->K; k++) {
      for (int j = 0; j < VL; j++) pack[k * VL + j] = j < part ? g0->B[k * g0->ldb + n0 + j] : 0.0f;
    }
    g->B = pack;
    g->ldb = VL;
    ROWS(RB1, 1, part);
  }
}

/* db[o] += sum_n dz[n*out + o], summed in order of n; four column vectors at a time so the adds overlap. */
static void colsum(const float *dz, int batch, int out, float *db) {
  int o = 0;
  for (; o + 4 * VL <= out; o += 4 * VL) {
    vf s0 = vload(db + o), s1 = vload(db + o + VL), s2 = vload(db + o + 2 * VL), s3 = vload(db + o + 3 * VL);
    for (int n = 0; n < batch; n++) {
      const float *d = dz + (size_t)n * out + o;
      s0 += vload(d); s1 += vload(d + VL); s2 += vload(d + 2 * VL); s3 += vload(d + 3 * VL);
    }
    vstore(db + o, s0); vstore(db + o + VL, s1); vstore(db + o + 2 * VL, s2); vstore(db + o + 3 * VL, s3);
  }
  for (; o + VL <= out; o += VL) {
    vf s0 = vload(db + o);
    for (int n = 0; n < batch; n++) s0 += vload(dz + (size_t)n * out + o);
    vstore(db + o, s0);
  }
  for (; o < out; o++) {
    float s0 = db[o];
    for (int n = 0; n < batch; n++) s0 += dz[(size_t)n * out + o];
    db[o] = s0;
  }
}

/* Offsets of each layer's activations in the acts buffer: a_0 (batch x s0) | a_1 | ... | a_L. */
static void act_offsets(const int32_t *sizes, int L, int batch, size_t *off) {
  off[0] = 0;
  for (int l = 0; l < L; l++) off[l + 1] = off[l] + (size_t)batch * sizes[l];
}

static void mlp_forward(const int32_t *sizes, int L, int act, const float *params, float *acts, int batch, float *pack) {
  size_t off[MAX_LAYERS + 1];
  act_offsets(sizes, L, batch, off);
  const float *w = params;
  for (int l = 0; l < L; l++) {
    int in = sizes[l], out = sizes[l + 1];
    Gemm g = {
      .K = in, .A = acts + off[l], .ars = in, .acs = 1, .B = w, .ldb = out, .C = acts + off[l + 1], .ldc = out,
      .init = INIT_BIAS, .bias = w + (size_t)in * out,
      .epi = l + 1 == L ? EPI_NONE : act == ACT_RELU ? EPI_RELU : EPI_TANH,
    };
    gemm(&g, batch, out, pack);
    w += (size_t)in * out + out;
  }
}

/* scratch: 2*batch*maxHidden (dz ping-pong) + maxW (W^T) + pack_len floats.
   accumulate: grads += dL/dparams (grads may be NULL when 0). dx: when not NULL, receives dL/dx (batch x sizes[0],
   overwritten); it must not overlap dy, acts or scratch. */
static void mlp_backward(const int32_t *sizes, int L, int act, const float *params, float *grads, const float *acts,
                         const float *dy, float *scratch, int batch, int maxHidden, int maxW, int accumulate, float *dx) {
  size_t off[MAX_LAYERS + 1], poff[MAX_LAYERS + 1];
  act_offsets(sizes, L, batch, off);
  poff[0] = 0;
  for (int l = 0; l < L; l++) poff[l + 1] = poff[l] + (size_t)sizes[l] * sizes[l + 1] + sizes[l + 1];
  float *dzbuf[2] = { scratch, scratch + (size_t)batch * maxHidden };
  float *wt = scratch + 2 * (size_t)batch * maxHidden;
  float *pack = wt + maxW;
  const float *dz = dy;
  for (int l = L - 1; l >= 0; l--) {
    int in = sizes[l], out = sizes[l + 1];
    const float *w = params + poff[l];
    if (accumulate) {
      float *dw = grads + poff[l], *db = dw + (size_t)in * out;
      colsum(dz, batch, out, db);
      if (out * ((in + VL - 1) / VL) < in * ((out + VL - 1) / VL)) {
        /* Few outputs (e.g. 64 -> 2): dW^T (out x in) += dz^T a_l, with the vector lanes along `in`. Starting from
           dW^T and adding over n in order, every element gets the same sum as the direct form below. */
        for (int i = 0; i < in; i++) for (int o = 0; o < out; o++) wt[(size_t)o * in + i] = dw[(size_t)i * out + o];
        Gemm gt = { .K = batch, .A = dz, .ars = 1, .acs = out, .B = acts + off[l], .ldb = in, .C = wt, .ldc = in, .init = INIT_C };
        gemm(&gt, out, in, pack);
        for (int i = 0; i < in; i++) for (int o = 0; o < out; o++) dw[(size_t)i * out + o] = wt[(size_t)o * in + i];
      } else {
        /* dW (in x out) += a_l^T dz: A(i,n) = a_l[n*in + i], K = batch */
        Gemm gw = { .K = batch, .A = acts + off[l], .ars = 1, .acs = in, .B = dz, .ldb = out, .C = dw, .ldc = out, .init = INIT_C };
        gemm(&gw, in, out, pack);
      }
    }
    if (l == 0 && !dx) break;
    /* W^T (out x in), so that dz W^T has its vector lanes along i */
    for (int i = 0; i < in; i++) {
      for (int o = 0; o < out; o++) wt[(size_t)o * in + i] = w[(size_t)i * out + o];
    }
    if (l == 0) {
      /* dL/dx = dz_0 W_0^T: the same product as below, without the activation derivative (the input has none) */
      Gemm gx = { .K = out, .A = dz, .ars = out, .acs = 1, .B = wt, .ldb = in, .C = dx, .ldc = in, .init = INIT_ZERO };
      gemm(&gx, batch, in, pack);
      break;
    }
    float *dznext = dzbuf[l & 1];
    Gemm gx = {
      .K = out, .A = dz, .ars = out, .acs = 1, .B = wt, .ldb = in, .C = dznext, .ldc = in, .init = INIT_ZERO,
      .epi = act == ACT_RELU ? EPI_DRELU : EPI_DTANH, .H = acts + off[l], .ldh = in,
    };
    gemm(&gx, batch, in, pack);
    dz = dznext;
  }
}

/* ---- N-API glue ---- */

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) { napi_throw_error(env, NULL, "rltune_nn: N-API call failed: " #call); return NULL; } \
  } while (0)
#define FAIL(msg) do { napi_throw_error(env, NULL, msg); return NULL; } while (0)

static int get_f32(napi_env env, napi_value v, float **data, size_t *len) {
  napi_typedarray_type t;
  void *p;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, len, &p, &ab, &off) != napi_ok || t != napi_float32_array) return 0;
  *data = (float *)p;
  return 1;
}

static int get_i32arr(napi_env env, napi_value v, int32_t **data, size_t *len) {
  napi_typedarray_type t;
  void *p;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, len, &p, &ab, &off) != napi_ok || t != napi_int32_array) return 0;
  *data = (int32_t *)p;
  return 1;
}

/* Checks the sizes array and returns the parameter count, the activation-buffer length, max hidden width and max in*out. */
static const char *check_sizes(const int32_t *sizes, size_t ns, int batch, size_t *nparams, size_t *nacts, int *maxHidden, int *maxW, int *maxIn) {
  if (ns < 2 || ns > MAX_LAYERS + 1) return "rltune_nn: sizes must hold 2 to 65 layer widths";
  if (batch < 1 || batch > (1 << 24)) return "rltune_nn: batch must be between 1 and 2^24";
  *nparams = 0; *nacts = 0; *maxHidden = 1; *maxW = 1; *maxIn = 1;
  for (size_t l = 0; l < ns; l++) {
    if (sizes[l] < 1) return "rltune_nn: every layer width must be at least 1";
    *nacts += (size_t)batch * sizes[l];
    if (l > 0 && l + 1 < ns && sizes[l] > *maxHidden) *maxHidden = sizes[l];
    if (l + 1 < ns) {
      if ((int64_t)sizes[l] * sizes[l + 1] > (1 << 28)) return "rltune_nn: a layer has more than 2^28 weights";
      *nparams += (size_t)sizes[l] * sizes[l + 1] + sizes[l + 1];
      if (sizes[l] * sizes[l + 1] > *maxW) *maxW = sizes[l] * sizes[l + 1];
      if (sizes[l] > *maxIn) *maxIn = sizes[l];
    }
  }
  /* The pack buffer of a GEMM holds K*VL floats; K is a layer's input width (forward), its output width (dx) or the batch (dW). */
  for (size_t l = 1; l < ns; l++) if (sizes[l] > *maxIn) *maxIn = sizes[l];
  if (batch > *maxIn) *maxIn = batch;
  return NULL;
}

/* Floats of the pack buffer of gemm (see gemm_dot for the + 4). */
static size_t pack_len(int maxIn) { return ((size_t)maxIn + 4) * VL; }

/* Floats of scratch that backward needs. */
static size_t scratch_len(int batch, int maxHidden, int maxW, int maxIn) {
  return 2 * (size_t)batch * maxHidden + (size_t)maxW + pack_len(maxIn);
}

/* forward(sizes: Int32Array, act: 0 tanh | 1 relu, params, acts, batch, pack): acts[0 : batch*s0] holds x on entry;
   on return every layer's activations follow it, the output last. pack: at least packLen(sizes, batch) floats. */
static napi_value js_forward(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) FAIL("rltune_nn.forward: expected 6 arguments");
  int32_t *sizes; float *params, *acts, *pack; size_t ns, np, na, nk; int32_t act, batch;
  if (!get_i32arr(env, argv[0], &sizes, &ns)) FAIL("rltune_nn.forward: sizes must be an Int32Array");
  CHECK(napi_get_value_int32(env, argv[1], &act));
  if (!get_f32(env, argv[2], &params, &np) || !get_f32(env, argv[3], &acts, &na) || !get_f32(env, argv[5], &pack, &nk))
    FAIL("rltune_nn.forward: params, acts and pack must be Float32Arrays");
  CHECK(napi_get_value_int32(env, argv[4], &batch));
  size_t nparams, nacts; int maxHidden, maxW, maxIn;
  const char *err = check_sizes(sizes, ns, batch, &nparams, &nacts, &maxHidden, &maxW, &maxIn);
  if (err) FAIL(err);
  if (np < nparams) FAIL("rltune_nn.forward: params is shorter than the network's parameter count");
  if (na < nacts) FAIL("rltune_nn.forward: acts is shorter than batch * sum(sizes)");
  if (nk < pack_len(maxIn)) FAIL("rltune_nn.forward: pack is too short");
  mlp_forward(sizes, (int)ns - 1, act, params, acts, batch, pack);
  return NULL;
}

/* Whether the byte ranges [a, a + na) and [b, b + nb) overlap. */
static int overlaps(const float *a, size_t na, const float *b, size_t nb) {
  return (const char *)a < (const char *)(b + nb) && (const char *)b < (const char *)(a + na);
}

/* backward(sizes, act, params, grads, acts, dy, scratch, batch[, dx, accumulate]): grads += dL/dparams for the
   activations in acts (from forward) and dy = dL/d(output) (batch x sizes[L]). scratch: scratchLen(sizes, batch)
   floats. dx (a Float32Array, or null/undefined for none): receives dL/dx (batch x sizes[0], overwritten).
   accumulate (default true): false skips the parameter gradients, grads is then left untouched. */
static napi_value js_backward(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8) FAIL("rltune_nn.backward: expected 8 to 10 arguments");
  int32_t *sizes; float *params, *grads, *acts, *dy, *scratch, *dx = NULL; size_t ns, np, ng, na, nd, nsc, ndx = 0; int32_t act, batch;
  if (!get_i32arr(env, argv[0], &sizes, &ns)) FAIL("rltune_nn.backward: sizes must be an Int32Array");
  CHECK(napi_get_value_int32(env, argv[1], &act));
  if (!get_f32(env, argv[2], &params, &np) || !get_f32(env, argv[3], &grads, &ng) || !get_f32(env, argv[4], &acts, &na)
      || !get_f32(env, argv[5], &dy, &nd) || !get_f32(env, argv[6], &scratch, &nsc))
    FAIL("rltune_nn.backward: params, grads, acts, dy and scratch must be Float32Arrays");
  CHECK(napi_get_value_int32(env, argv[7], &batch));
  if (argc > 8) {
    napi_valuetype t;
    CHECK(napi_typeof(env, argv[8], &t));
    if (t != napi_null && t != napi_undefined && !get_f32(env, argv[8], &dx, &ndx))
      FAIL("rltune_nn.backward: dx must be a Float32Array, null or undefined");
  }
  bool accumulate = true;
  if (argc > 9) {
    napi_valuetype t;
    CHECK(napi_typeof(env, argv[9], &t));
    if (t != napi_undefined) CHECK(napi_get_value_bool(env, argv[9], &accumulate));
  }
  size_t nparams, nacts; int maxHidden, maxW, maxIn;
  const char *err = check_sizes(sizes, ns, batch, &nparams, &nacts, &maxHidden, &maxW, &maxIn);
  if (err) FAIL(err);
  if (np < nparams || ng < nparams) FAIL("rltune_nn.backward: params or grads is shorter than the network's parameter count");
  if (na < nacts) FAIL("rltune_nn.backward: acts is shorter than batch * sum(sizes)");
  if (nd < (size_t)batch * sizes[ns - 1]) FAIL("rltune_nn.backward: dy is shorter than batch * output width");
  if (nsc < scratch_len(batch, maxHidden, maxW, maxIn)) FAIL("rltune_nn.backward: scratch is too short");
  if (dx) {
    size_t nx = (size_t)batch * sizes[0];
    if (ndx < nx) FAIL("rltune_nn.backward: dx is shorter than batch * input width");
    if (overlaps(dx, nx, dy, (size_t)batch * sizes[ns - 1]) || overlaps(dx, nx, acts, nacts) || overlaps(dx, nx, scratch, nsc)
        || overlaps(dx, nx, params, nparams) || (accumulate && overlaps(dx, nx, grads, nparams)))
      FAIL("rltune_nn.backward: dx must not share memory with dy, acts, scratch, params or grads");
  }
  if (!accumulate && !dx) return NULL;
  mlp_backward(sizes, (int)ns - 1, act, params, accumulate ? grads : NULL, acts, dy, scratch, batch, maxHidden, maxW, accumulate, dx);
  return NULL;
}

/* scratchLen(sizes, batch) -> floats of scratch that backward needs; packLen for forward. */
static napi_value js_lengths(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) FAIL("rltune_nn.lengths: expected (sizes, batch)");
  int32_t *sizes; size_t ns; int32_t batch;
  if (!get_i32arr(env, argv[0], &sizes, &ns)) FAIL("rltune_nn.lengths: sizes must be an Int32Array");
  CHECK(napi_get_value_int32(env, argv[1], &batch));
  size_t nparams, nacts; int maxHidden, maxW, maxIn;
  const char *err = check_sizes(sizes, ns, batch, &nparams, &nacts, &maxHidden, &maxW, &maxIn);
  if (err) FAIL(err);
  napi_value res, v;
  CHECK(napi_create_object(env, &res));
  CHECK(napi_create_double(env, (double)nacts, &v)); CHECK(napi_set_named_property(env, res, "acts", v));
  CHECK(napi_create_double(env, (double)pack_len(maxIn), &v)); CHECK(napi_set_named_property(env, res, "pack", v));
  CHECK(napi_create_double(env, (double)scratch_len(batch, maxHidden, maxW, maxIn), &v)); CHECK(napi_set_named_property(env, res, "scratch", v));
  CHECK(napi_create_double(env, (double)nparams, &v)); CHECK(napi_set_named_property(env, res, "params", v));
  return res;
}

/*
 * adamStep(params, grads, m, v, lr, beta1, beta2, eps, step, gradScale): Adam with bias correction at step t
 * (t >= 1) on the gradient g = gradScale * grads (gradScale carries global-norm clipping):
 *   m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;  p <- p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * Same operation order as src/rl/nn/adam.ts, in float32 arithmetic except for the step-size constants.
 */
static napi_value js_adam(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 10) FAIL("rltune_nn.adamStep: expected 10 arguments");
  float *p, *g, *m, *v; size_t np, ng, nm, nv;
  if (!get_f32(env, argv[0], &p, &np) || !get_f32(env, argv[1], &g, &ng) || !get_f32(env, argv[2], &m, &nm) || !get_f32(env, argv[3], &v, &nv))
    FAIL("rltune_nn.adamStep: params, grads, m and v must be Float32Arrays");
  if (ng != np || nm != np || nv != np) FAIL("rltune_nn.adamStep: params, grads, m and v must have the same length");
  double lr, b1, b2, eps, t, scale;
  CHECK(napi_get_value_double(env, argv[4], &lr));
  CHECK(napi_get_value_double(env, argv[5], &b1));
  CHECK(napi_get_value_double(env, argv[6], &b2));
  CHECK(napi_get_value_double(env, argv[7], &eps));
  CHECK(napi_get_value_double(env, argv[8], &t));
  CHECK(napi_get_value_double(env, argv[9], &scale));
  const float stepSize = (float)(lr / (1 - pow(b1, t)));
  const float invSqrtC2 = (float)(1 / sqrt(1 - pow(b2, t)));
  const float fb1 = (float)b1, fb2 = (float)b2, f1b1 = (float)(1 - b1), f1b2 = (float)(1 - b2), feps = (float)eps, fscale = (float)scale;
  for (size_t i = 0; i < np; i++) {
    float gi = g[i] * fscale;
    m[i] = fb1 * m[i] + f1b1 * gi;
    v[i] = fb2 * v[i] + f1b2 * gi * gi;
    p[i] -= stepSize * m[i] / (sqrtf(v[i]) * invSqrtC2 + feps);
  }
  return NULL;
}

/* polyak(target, source, tau): target <- tau source + (1 - tau) target (the target networks of DDPG/TD3/SAC). */
static napi_value js_polyak(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) FAIL("rltune_nn.polyak: expected 3 arguments");
  float *t, *s; size_t nt, ns;
  if (!get_f32(env, argv[0], &t, &nt) || !get_f32(env, argv[1], &s, &ns)) FAIL("rltune_nn.polyak: target and source must be Float32Arrays");
  if (nt != ns) FAIL("rltune_nn.polyak: target and source must have the same length");
  double tau;
  CHECK(napi_get_value_double(env, argv[2], &tau));
  const float ft = (float)tau, fk = (float)(1 - tau);
  for (size_t i = 0; i < nt; i++) t[i] = ft * s[i] + fk * t[i];
  return NULL;
}

static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value res, v;
  CHECK(napi_create_object(env, &res));
  CHECK(napi_create_int32(env, VL, &v)); CHECK(napi_set_named_property(env, res, "vectorLanes", v));
  /* The addon's interface revision, checked by src/rl/nn/native_mlp.ts (a stale build is refused, not misused).
     2: backward takes the optional dx and accumulate arguments. 3: polyak. */
  CHECK(napi_create_int32(env, RLTUNE_NN_API, &v)); CHECK(napi_set_named_property(env, res, "api", v));
#if defined(__AVX512F__)
  const char *isa = "avx512";
#elif defined(__AVX2__)
  const char *isa = "avx2";
#elif defined(__AVX__)
  const char *isa = "avx";
#elif defined(__ARM_NEON)
  const char *isa = "neon";
#else
  const char *isa = "generic";
#endif
  CHECK(napi_create_string_utf8(env, isa, NAPI_AUTO_LENGTH, &v)); CHECK(napi_set_named_property(env, res, "isa", v));
  return res;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    { "forward", NULL, js_forward, NULL, NULL, NULL, napi_enumerable, NULL },
    { "backward", NULL, js_backward, NULL, NULL, NULL, napi_enumerable, NULL },
    { "lengths", NULL, js_lengths, NULL, NULL, NULL, napi_enumerable, NULL },
    { "adamStep", NULL, js_adam, NULL, NULL, NULL, napi_enumerable, NULL },
    { "polyak", NULL, js_polyak, NULL, NULL, NULL, napi_enumerable, NULL },
    { "info", NULL, js_info, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
