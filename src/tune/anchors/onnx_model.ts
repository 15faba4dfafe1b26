/**
 * A minimal ONNX model writer (protobuf wire format by hand, the fields of onnx.proto that the anchors need),
 * so that ONNX Runtime can run the same computation as a tuned kernel as one optimized graph:
 *   gemm workloads: Y_c = epilogue(MatMul(A, W)) for c < copies, W (and the bias) as initializers, the
 *   epilogue as Add (bias), Relu, Gelu (opset 20, approximate="tanh"), Sigmoid+Mul (SiLU), Add (residual).
 * `copies` independent copies of the op in one graph amortize the per-run overhead of the runtime.
 */
import type { GemmWorkload } from '../task/spec.js';

class Writer {
  private readonly parts: Buffer[] = [];

  private varint(v: number | bigint): void {
    let x = BigInt(v);
    const bytes: number[] = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      bytes.push(b);
    } while (x > 0n);
    this.parts.push(Buffer.from(bytes));
  }

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number): this {
    this.key(field, 0);
    this.varint(v);
    return this;
  }

  bytes(field: number, b: Buffer | Uint8Array): this {
    this.key(field, 2);
    this.varint(b.length);
    this.parts.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    return this;
  }

  str(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  msg(field: number, w: Writer): this {
    return this.bytes(field, w.done());
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const FLOAT = 1;

function tensor(name: string, dims: number[], data: Float32Array): Writer {
  const t = new Writer();
  for (const d of dims) t.int(1, d);
  t.int(2, FLOAT)
    .str(8, name)
    .bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return t;
}

function valueInfo(name: string, dims: number[]): Writer {
  const shape = new Writer();
  for (const d of dims) shape.msg(1, new Writer().int(1, d));
  const tensorType = new Writer().int(1, FLOAT).msg(2, shape);
  return new Writer().str(1, name).msg(2, new Writer().msg(1, tensorType));
}

function node(op: string, inputs: string[], outputs: string[], attrs: Writer[] = []): Writer {
  const n = new Writer();
  for (const i of inputs) n.str(1, i);
  for (const o of outputs) n.str(2, o);
  n.str(3, `${op}_${outputs[0]}`).str(4, op);
  for (const a of attrs) n.msg(5, a);
  return n;
}

/**
 * An ONNX model of the workload: inputs A0..A{copies-1} [M,K] (and R [M,N] with a residual), outputs Y0..Y{copies-1}.
 */
export function gemmModel(w: GemmWorkload, weights: Float32Array, bias: Float32Array | null, copies: number): Buffer {
  const g = new Writer();
  for (let c = 0; c < copies; c++) {
    let cur = w.epilogue.length === 0 ? `Y${c}` : `mm${c}`;
    g.msg(1, node('MatMul', [`A${c}`, 'W'], [cur]));
    w.epilogue.forEach((e, k) => {
      const next = k === w.epilogue.length - 1 ? `Y${c}` : `e${c}_${k}`;
      if (e === 'bias') g.msg(1, node('Add', [cur, 'bias'], [next]));
      else if (e === 'relu') g.msg(1, node('Relu', [cur], [next]));
      else if (e === 'gelu')
        g.msg(1, node('Gelu', [cur], [next], [new Writer().str(1, 'approximate').int(20, 3).str(4, 'tanh')]));
      else if (e === 'silu') {
        g.msg(1, node('Sigmoid', [cur], [`${next}_sig`]));
        g.msg(1, node('Mul', [cur, `${next}_sig`], [next]));
      } else g.msg(1, node('Add', [cur, 'R'], [next]));
      cur = next;
    });
  }
  g.str(2, 'rltune_anchor');
  g.msg(5, tensor('W', [w.K, w.N], weights));
  if (bias) g.msg(5, tensor('bias', [w.N], bias));
  // One input per copy: identical copies of one expression would be merged by the optimizer (CSE).
  for (let c = 0; c < copies; c++) g.msg(11, valueInfo(`A${c}`, [w.M, w.K]));
  if (w.epilogue.includes('residual')) g.msg(11, valueInfo('R', [w.M, w.N]));
  for (let c = 0; c < copies; c++) g.msg(12, valueInfo(`Y${c}`, [w.M, w.N]));
  return new Writer().int(1, 9).str(2, 'rltune').msg(7, g).msg(8, new Writer().str(1, '').int(2, 20)).done();
}
