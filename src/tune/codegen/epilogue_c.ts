/**
 * C for the fused GEMM epilogues, applied to each finished output tile in the order the spec lists them:
 *   bias      x += bias[n]
 *   relu      x = max(x, 0)
 *   gelu      x = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))          (the tanh form, as ONNX's
 *   approximate="tanh")
 *   silu      x = x / (1 + exp(-x))
 *   residual  x += R[m, n]
 * tanh(u) = 1 - 2 / (exp(2u) + 1) and exp use rl_expf: a branch-free Cephes-style expf (range reduction by ln 2
 * in two parts, degree-6 polynomial, 2^n built in the exponent bits; relative error about 2e-7 on
 * [-87, 88], clamped outside), so the loops vectorize without libm.
 */
import type { Epilogue } from '../task/spec.js';

/** exp(x) = 2^n e^r, n = round(x / ln 2), r = x - n ln 2 (ln 2 in two parts); e^r by this polynomial (Cephes expf). */
const EXP_POLY = [
  '1.9875691500e-4f',
  '1.3981999507e-3f',
  '8.3334519073e-3f',
  '4.1665795894e-2f',
  '1.6666665459e-1f',
  '5.0000001201e-1f',
];

/** The body of rl_expf / rl_expv for x already clamped to [-87, 88]; `init` starts p from the first coefficient. */
export function expBody(init: string, toBits: string): string {
  const t = init.startsWith('SPLAT') ? 'vf' : 'float';
  return `  const ${t} n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  ${t} r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  ${t} p = ${init.replace('C0', EXP_POLY[0])};
${EXP_POLY.slice(1)
  .map((c) => `  p = p * r + ${c};`)
  .join('\n')}
  p = p * r * r + r + 1.0f;
${toBits}`;
}

export const EXPF_C = `static inline float rl_expf(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
${expBody(
  'C0',
  `  int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, 4);
  return p * scale;`,
)}
}`;

const STEP: Record<Epilogue, string> = {
  bias: 'x += bias[j];',
  relu: 'x = x > 0.f ? x : 0.f;',
  gelu: '{ const float u = 0.7978845608028654f * (x + 0.044715f * x * x * x); x = 0.5f * x * (2.0f - 2.0f / (rl_expf(2.0f * u) + 1.0f)); }',
  silu: 'x = x / (1.0f + rl_expf(-x));',
  residual: 'x += r[j];',
};

/**
 * rl_expf (when needed) and apply_epilogue(c, rows, cols, ldc, bias, res): bias points at the tile's first column, res
 * at its first element.
 */
export function epilogueFunctions(steps: Epilogue[]): string {
  const needsExp = steps.includes('gelu') || steps.includes('silu');
  const body =
    steps.length === 0
      ? '  (void)c; (void)rows; (void)cols; (void)ldc; (void)bias; (void)res;'
      : `  for (int i = 0; i < rows; i++) {
    float *ci = c + (size_t)i * ldc;
    const float *r = res ? res + (size_t)i * ldc : 0;
    (void)r; (void)bias;
    for (int j = 0; j < cols; j++) { float x = ci[j]; ${steps.map((s) => STEP[s]).join(' ')} ci[j] = x; }
  }`;
  return `${needsExp ? EXPF_C + '\n' : ''}static inline void apply_epilogue(float *restrict c, int rows, int cols, int ldc, const float *restrict bias, const float *restrict res) {
${body}
}`;
}
