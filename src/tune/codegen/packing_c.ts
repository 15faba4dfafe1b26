/**
 * The packing routines of the generated GEMM (gemm_c.ts): an A block (mc x kc) into MR-row panels, k-major inside a
 * panel, and one B panel (kc x NR), both zero-padded past the matrix edge; transA / transB (bmm) read the stored
 * transposes. The packed buffers are 64-byte aligned (allocated so) and a panel's size is a multiple of the vector.
 */
export function packingFunctions(transA: number, transB: number): string {
  return `static void pack_a(const float *restrict A, int ic, int pc, int mc, int kc, float *restrict ap) {
  for (int p = 0; p < mc; p += MR) {
    const int rows = mc - p < MR ? mc - p : MR;
${
  transA
    ? `    for (int k = 0; k < kc; k++) {
      const float *a = A + (size_t)(pc + k) * M_ + ic + p;   /* A stored K x M */
      for (int i = 0; i < rows; i++) ap[k * MR + i] = a[i];
    }`
    : `    for (int i = 0; i < rows; i++) {
      const float *a = A + (size_t)(ic + p + i) * K_ + pc;
      for (int k = 0; k < kc; k++) ap[k * MR + i] = a[k];
    }`
}
    for (int i = rows; i < MR; i++) for (int k = 0; k < kc; k++) ap[k * MR + i] = 0.f;
    ap += MR * kc;
  }
}
static void pack_b_rows(const float *restrict B, int pc, int jc, int kc, int p0, int p1, float *restrict bp) {
  for (int k = 0; k < kc; k++) {
    const float *b = B + (size_t)(pc + k) * N_ + jc;
    for (int p = p0; p < p1; p++) {
      const int col = jc + p * NR;
      const int cols = N_ - col < NR ? N_ - col : NR;
      if (PACKB != 0 && cols == NR) continue;
      float *restrict d = bp + (size_t)p * NR * kc + (size_t)k * NR;
      const float *s = b + p * NR;
      if (cols == NR) { for (int j = 0; j < NR; j++) d[j] = s[j]; }
      else { for (int j = 0; j < cols; j++) d[j] = s[j]; for (int j = cols; j < NR; j++) d[j] = 0.f; }
    }
  }
}
static void pack_b_panel(const float *restrict B, int pc, int col, int kc, float *restrict bp) {
  const int cols = N_ - col < NR ? N_ - col : NR;
${
  transB
    ? `  for (int j = 0; j < cols; j++) {
    const float *b = B + (size_t)(col + j) * K_ + pc;   /* B stored N x K */
    for (int k = 0; k < kc; k++) bp[k * NR + j] = b[k];
  }
  for (int j = cols; j < NR; j++) for (int k = 0; k < kc; k++) bp[k * NR + j] = 0.f;`
    : `  for (int k = 0; k < kc; k++) {
    const float *b = B + (size_t)(pc + k) * N_ + col;
    float *d = bp + k * NR;
    if (cols == NR) { for (int j = 0; j < NR; j++) d[j] = b[j]; }
    else { for (int j = 0; j < cols; j++) d[j] = b[j]; for (int j = cols; j < NR; j++) d[j] = 0.f; }
  }`
}
}`;
}
