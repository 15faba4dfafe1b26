/**
 * Workloads of real models, by name: the operators one layer of the model runs, as specs (tokens = batch x
 * sequence length rows). `rltune workloads [name]` lists them; each spec tunes with `rltune tune op`.
 *   gpt2-small         GPT-2 small (d 768, 12 heads of 64, MLP 3072), 1 sequence of 128 tokens
 *   llama7b-prefill    a Llama-style 7B layer (d 4096, 32 heads of 128, SwiGLU MLP 11008, RMSNorm), 1 x 64 tokens
 *   llama7b-decode     the same layer at decode time: 16 sequences, one new token each (M = 16), a 256-token cache
 *   gpt2-decode        GPT-2 small decoding 8 sequences (M = 8) against a 128-token cache
 *   clip-text          CLIP's text encoder (d 512, 8 heads of 64, MLP 2048), 1 prompt of 77 tokens: shapes
 *                      that the tiles do not divide (77 rows; its GELU is the tanh form here, CLIP's is
 *                      x * sigmoid(1.702 x))
 */
export interface ModelPreset {
  doc: string;
  workloads: { name: string; spec: string }[];
}

export const MODEL_PRESETS: Record<string, ModelPreset> = {
  'gpt2-small': {
    doc: 'GPT-2 small, 1 sequence x 128 tokens',
    workloads: [
      { name: 'ln', spec: 'layernorm:rows=128,cols=768' },
      { name: 'qkv', spec: 'gemm:M=128,N=2304,K=768,epilogue=bias' },
      { name: 'scores', spec: 'bmm:B=12,M=128,N=128,K=64,transB=1' },
      { name: 'softmax', spec: 'softmax:rows=1536,cols=128' },
      { name: 'context', spec: 'bmm:B=12,M=128,N=64,K=128' },
      { name: 'proj', spec: 'gemm:M=128,N=768,K=768,epilogue=bias+residual' },
      { name: 'mlp_up', spec: 'gemm:M=128,N=3072,K=768,epilogue=bias+gelu' },
      { name: 'mlp_down', spec: 'gemm:M=128,N=768,K=3072,epilogue=bias+residual' },
    ],
  },
  'gpt2-decode': {
    doc: 'GPT-2 small decoding: 8 sequences, one token each, 128-token cache',
    workloads: [
      { name: 'qkv', spec: 'gemm:M=8,N=2304,K=768,epilogue=bias' },
      { name: 'scores', spec: 'bmm:B=96,M=1,N=128,K=64,transB=1' },
      { name: 'context', spec: 'bmm:B=96,M=1,N=64,K=128' },
      { name: 'mlp_up', spec: 'gemm:M=8,N=3072,K=768,epilogue=bias+gelu' },
      { name: 'mlp_down', spec: 'gemm:M=8,N=768,K=3072,epilogue=bias+residual' },
    ],
  },
  'clip-text': {
    doc: "CLIP's text encoder, 1 prompt x 77 tokens",
    workloads: [
      { name: 'ln', spec: 'layernorm:rows=77,cols=512' },
      { name: 'qkv', spec: 'gemm:M=77,N=1536,K=512,epilogue=bias' },
      { name: 'scores', spec: 'bmm:B=8,M=77,N=77,K=64,transB=1' },
      { name: 'softmax', spec: 'softmax:rows=616,cols=77' },
      { name: 'context', spec: 'bmm:B=8,M=77,N=64,K=77' },
      { name: 'proj', spec: 'gemm:M=77,N=512,K=512,epilogue=bias+residual' },
      { name: 'mlp_up', spec: 'gemm:M=77,N=2048,K=512,epilogue=bias+gelu' },
      { name: 'mlp_down', spec: 'gemm:M=77,N=512,K=2048,epilogue=bias+residual' },
    ],
  },
  'llama7b-prefill': {
    doc: 'a Llama-style 7B layer, 1 sequence x 64 tokens',
    workloads: [
      { name: 'norm', spec: 'rmsnorm:rows=64,cols=4096' },
      { name: 'qkv', spec: 'gemm:M=64,N=12288,K=4096' },
      { name: 'scores', spec: 'bmm:B=32,M=64,N=64,K=128,transB=1' },
      { name: 'softmax', spec: 'softmax:rows=2048,cols=64' },
      { name: 'context', spec: 'bmm:B=32,M=64,N=128,K=64' },
      { name: 'o_proj', spec: 'gemm:M=64,N=4096,K=4096,epilogue=residual' },
      { name: 'gate', spec: 'gemm:M=64,N=11008,K=4096,epilogue=silu' },
      { name: 'up', spec: 'gemm:M=64,N=11008,K=4096' },
      { name: 'down', spec: 'gemm:M=64,N=4096,K=11008,epilogue=residual' },
    ],
  },
  'llama7b-decode': {
    doc: 'the Llama-style 7B layer decoding 16 sequences (M = 16), 256-token cache',
    workloads: [
      { name: 'norm', spec: 'rmsnorm:rows=16,cols=4096' },
      { name: 'qkv', spec: 'gemm:M=16,N=12288,K=4096' },
      { name: 'scores', spec: 'bmm:B=512,M=1,N=256,K=128,transB=1' },
      { name: 'softmax', spec: 'softmax:rows=512,cols=256' },
      { name: 'context', spec: 'bmm:B=512,M=1,N=128,K=256' },
      { name: 'o_proj', spec: 'gemm:M=16,N=4096,K=4096,epilogue=residual' },
      { name: 'gate', spec: 'gemm:M=16,N=11008,K=4096,epilogue=silu' },
      { name: 'down', spec: 'gemm:M=16,N=4096,K=11008,epilogue=residual' },
    ],
  },
};
