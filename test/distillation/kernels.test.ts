/**
 * Each WebAssembly kernel (src/distillation/kernels/kernels.c) against a reference: float64 loops for
 * gemm and exp, TensorFlow.js ops and their gradients (tf.grads) for the layers the transformer uses.
 * Tolerances are stated per test, relative to the largest magnitude of the reference output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, tf } from '../../src/distillation/backend.js';
import { kernels, FLOAT_ARGS, KERNEL_NAMES, type KernelMemory } from '../../src/distillation/kernels/module.js';
import { KERNELS_WASM_BASE64 } from '../../src/distillation/kernels/wasm-binary.js';
import { layerNorm } from '../../src/distillation/models/layers.js';
import { rng } from '../../src/core/random.js';

let mem: KernelMemory;
const blocks: [number, number][] = [];

test.before(async () => {
  await selectBackend('wasm');
  mem = kernels()!;
  assert.ok(mem, 'the kernels load here');
});

test.after(() => {
  for (const [p, b] of blocks) mem.release(p, b);
});

const random = rng(42);
function randn(n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (random() * 2 - 1) * scale;
  return a;
}

/** Copies values into the kernel memory; returns the byte offset. */
function put(values: Float32Array | Int32Array): number {
  const p = mem.alloc(values.length * 4);
  blocks.push([p, values.length * 4]);
  if (values instanceof Int32Array) mem.I32.set(values, p >> 2);
  else mem.F32.set(values, p >> 2);
  return p;
}
function zeros(n: number): number {
  return put(new Float32Array(n));
}
function get(p: number, n: number): Float32Array {
  return mem.F32.slice(p >> 2, (p >> 2) + n);
}

/** Largest |a - b| divided by the largest |b| (1 when b is all zeros). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / (m || 1);
}
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  const e = relErr(a, b);
  assert.ok(e <= tol, `${what}: relative error ${e.toExponential(2)} > ${tol}`);
}

test('FLOAT_ARGS names exactly the f32 parameters of every exported kernel (read from the module binary)', () => {
  const bytes = Buffer.from(KERNELS_WASM_BASE64, 'base64');
  const sig = wasmExportSignatures(bytes);
  assert.deepEqual(Object.keys(FLOAT_ARGS).sort(), KERNEL_NAMES.slice().sort());
  for (const name of KERNEL_NAMES) {
    const params = sig.get(name);
    assert.ok(params, `${name} is exported`);
    const floats = params.flatMap((t, i) => (t === 0x7d ? [i] : []));
    assert.deepEqual(floats, [...FLOAT_ARGS[name]], `${name}: f32 parameters`);
    assert.ok(
      params.every((t) => t === 0x7f || t === 0x7d),
      `${name}: only i32 and f32 parameters`,
    );
  }
});

test('gemm: every stride layout, bias, residual and tail (rows, columns) against float64 loops, within 1e-6', () => {
  const cases = [
    { M: 9, N: 13, K: 5 },
    { M: 4, N: 8, K: 1 },
    { M: 1, N: 3, K: 7 },
    { M: 33, N: 20, K: 17 },
    { M: 64, N: 64, K: 16 },
  ];
  for (const { M, N, K } of cases)
    for (const transA of [false, true])
      for (const withBias of [false, true])
        for (const residual of ['none', 'other', 'same'] as const) {
          const a = randn(M * K);
          const ldb = N + 3;
          const b = randn(K * ldb);
          const bias = randn(N);
          const ldc = N + 1;
          const r = randn(M * ldc);
          const A = put(a);
          const B = put(b);
          const Bias = put(bias);
          const C = residual === 'same' ? put(r) : zeros(M * ldc);
          const R = residual === 'other' ? put(r) : residual === 'same' ? C : 0;
          const [sai, sak] = transA ? [1, M] : [K, 1];
          mem.k.gemm(M, N, K, A, sai, sak, B, ldb, C, ldc, withBias ? Bias : 0, R, ldc);
          const got = get(C, M * ldc);
          const want = new Float64Array(M * ldc);
          for (let i = 0; i < M; i++)
            for (let j = 0; j < ldc; j++) {
              if (j >= N) {
                want[i * ldc + j] = residual === 'same' ? r[i * ldc + j] : 0;
                continue;
              }
              let s = withBias ? bias[j] : 0;
              for (let k = 0; k < K; k++) s += a[transA ? k * M + i : i * K + k] * b[k * ldb + j];
              want[i * ldc + j] = (residual === 'none' ? 0 : r[i * ldc + j]) + s;
            }
          close(got, want, 1e-6, `gemm M${M} N${N} K${K} transA=${transA} bias=${withBias} residual=${residual}`);
        }
});

test('transpose, colsum, add_into and fill', () => {
  const rows = 5;
  const cols = 7;
  const src = randn(rows * 9);
  const S = put(src);
  const D = zeros(cols * 6);
  mem.k.transpose(rows, cols, S, 9, D, 6);
  const t = get(D, cols * 6);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) assert.equal(t[j * 6 + i], src[i * 9 + j]);
  const out = zeros(cols);
  mem.k.colsum(rows, cols, S, 9, out);
  const cs = get(out, cols);
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = 0; i < rows; i++) s += src[i * 9 + j];
    assert.ok(Math.abs(cs[j] - s) < 1e-5, `colsum ${j}`);
  }
  const x = randn(11);
  const y = randn(11);
  const X = put(x);
  mem.k.add_into(11, X, put(y));
  assert.deepEqual(
    Array.from(get(X, 11)),
    Array.from(x, (v, i) => Math.fround(v + y[i])),
  );
  mem.k.fill(11, X, 2.5);
  assert.deepEqual(Array.from(get(X, 11)), new Array(11).fill(2.5));
});

test('exp: within 1.5 float32 ulps of Math.exp from -87 to 88; exactly 0 for a -1e9 mask bias and below -87.3', () => {
  const xs = new Float32Array(20001);
  for (let i = 0; i < xs.length; i++) xs[i] = -87 + (175 * i) / (xs.length - 1);
  const ys = zeros(xs.length);
  mem.k.vexp(xs.length, put(xs), ys);
  const got = get(ys, xs.length);
  let worst = 0;
  for (let i = 0; i < xs.length; i++) {
    const want = Math.exp(xs[i]);
    const ulp = Math.pow(2, Math.floor(Math.log2(want)) - 23);
    worst = Math.max(worst, Math.abs(got[i] - want) / ulp);
  }
  assert.ok(worst <= 1.5, `worst error ${worst.toFixed(2)} ulp`);
  const low = new Float32Array([-1e9, -88, -87.4, -1e30, 0, 1]);
  const lo = zeros(low.length);
  mem.k.vexp(low.length, put(low), lo);
  assert.deepEqual(Array.from(get(lo, low.length)).slice(0, 4), [0, 0, 0, 0]);
  assert.equal(get(lo, 6)[4], 1);
});

/** The model's GELU on TensorFlow.js ops (the tanh approximation, as in models/transformer.ts). */
function tfGelu(x: tf.Tensor): tf.Tensor {
  const c = Math.sqrt(2 / Math.PI);
  return x.mul(0.5).mul(tf.tanh(x.add(x.pow(3).mul(0.044715)).mul(c)).add(1));
}

test('gelu forward and backward against tfjs ops and tf.grad, within 2e-6', () => {
  const n = 4099;
  const u = randn(n, 6);
  const dy = randn(n);
  const y = zeros(n);
  const du = zeros(n);
  mem.k.gelu_fwd(n, put(u), y);
  mem.k.gelu_bwd(n, put(u), put(dy), du);
  const ref = tf.tidy(() => {
    const x = tf.tensor1d(u);
    const g = tf.grad((t: tf.Tensor) => tfGelu(t))(x, tf.tensor1d(dy));
    return [tfGelu(x).dataSync(), g.dataSync()];
  });
  close(get(y, n), ref[0], 2e-6, 'gelu');
  close(get(du, n), ref[1], 2e-6, 'gelu gradient');
});

test('layer norm forward and backward (with and without a residual gradient) against tfjs layerNorm and tf.grads, within 2e-6', () => {
  const T = 37;
  const D = 12;
  const x = randn(T * D, 3);
  const g = randn(D);
  const b = randn(D);
  const dy = randn(T * D);
  const res = randn(T * D);
  const X = put(x);
  const G = put(g);
  const Bp = put(b);
  const Y = zeros(T * D);
  const XH = zeros(T * D);
  const RS = zeros(T);
  mem.k.layernorm_fwd(T, D, X, G, Bp, 1e-5, Y, XH, RS);
  const ref = tf.tidy(() => {
    const [xt, gt, bt] = [tf.tensor2d(x, [T, D]), tf.tensor1d(g), tf.tensor1d(b)];
    const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, e: tf.Tensor) => layerNorm(a, c, e))([xt, gt, bt], tf.tensor2d(dy, [T, D]));
    return [layerNorm(xt, gt, bt).dataSync(), ...grads.map((t) => t.dataSync())];
  });
  close(get(Y, T * D), ref[0], 2e-6, 'layer norm');
  for (const residual of [false, true]) {
    const DX = residual ? put(res) : zeros(T * D);
    const DG = zeros(D);
    const DB = zeros(D);
    mem.k.layernorm_bwd(T, D, put(dy), XH, RS, G, DX, residual ? DX : 0, DG, DB);
    const want = residual ? Array.from(ref[1], (v, i) => v + res[i]) : ref[1];
    close(get(DX, T * D), want, 2e-6, `layer norm dx (residual ${residual})`);
    close(get(DG, D), ref[2], 2e-6, 'layer norm dgamma');
    close(get(DB, D), ref[3], 2e-6, 'layer norm dbeta');
  }
});

test('embedding lookup plus positions, and its gradient (repeated ids, padding id 0), against tf.gather and tf.grads', () => {
  const S = 3;
  const L = 5;
  const D = 8;
  const V = 10;
  const ids = new Int32Array([1, 2, 2, 0, 0, 9, 1, 1, 1, 3, 0, 0, 0, 0, 0]);
  const tok = randn(V * D);
  const pos = randn(L * D);
  const dx = randn(S * L * D);
  const X = zeros(S * L * D);
  const IDS = put(ids);
  mem.k.embed_fwd(S, L, D, IDS, put(tok), put(pos), X);
  const DT = zeros(V * D);
  const DP = zeros(L * D);
  mem.k.embed_bwd(S, L, D, IDS, put(dx), DT, DP);
  const ref = tf.tidy(() => {
    const idsT = tf.tensor2d(ids, [S, L], 'int32');
    const f = (t: tf.Tensor, p: tf.Tensor) => tf.gather(t, idsT).add(p);
    const grads = tf.grads(f)([tf.tensor2d(tok, [V, D]), tf.tensor2d(pos, [L, D])], tf.tensor3d(dx, [S, L, D]));
    return [f(tf.tensor2d(tok, [V, D]), tf.tensor2d(pos, [L, D])).dataSync(), ...grads.map((t) => t.dataSync())];
  });
  close(get(X, S * L * D), ref[0], 1e-7, 'embedding');
  close(get(DT, V * D), ref[1], 1e-6, 'token embedding gradient');
  close(get(DP, L * D), ref[2], 1e-6, 'position embedding gradient');
});

test('masked mean pooling and its gradient (a sequence of padding only gives 0) against the model maskedMean and tf.grad', async () => {
  const { maskedMean } = await import('../../src/distillation/models/layers.js');
  const S = 3;
  const L = 4;
  const D = 8;
  const mask = new Float32Array([1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
  const x = randn(S * L * D);
  const dout = randn(S * D);
  const O = zeros(S * D);
  const M = put(mask);
  mem.k.pool_fwd(S, L, D, put(x), M, O);
  const DX = zeros(S * L * D);
  mem.k.pool_bwd(S, L, D, put(dout), M, DX);
  const ref = tf.tidy(() => {
    const m = tf.tensor2d(mask, [S, L]);
    const f = (t: tf.Tensor) => maskedMean(t as tf.Tensor3D, m);
    return [
      f(tf.tensor3d(x, [S, L, D])).dataSync(),
      tf
        .grad(f)(tf.tensor3d(x, [S, L, D]), tf.tensor2d(dout, [S, D]))
        .dataSync(),
    ];
  });
  close(get(O, S * D), ref[0], 1e-6, 'pooling');
  close(get(DX, S * L * D), ref[1], 1e-6, 'pooling gradient');
  assert.deepEqual(Array.from(get(O, S * D)).slice(2 * D), new Array(D).fill(0));
});

test('attention forward and backward (padding keys masked, 3 heads, odd length) against tfjs ops and tf.grads, within 5e-6', () => {
  const S = 2;
  const H = 3;
  const L = 7;
  const dh = 4;
  const d = H * dh;
  const qkv = randn(S * L * 3 * d, 2);
  const dctx = randn(S * L * d);
  // sequence 0: 5 tokens then 2 padding positions; sequence 1: all tokens.
  const keyBias = new Float32Array(S * L);
  keyBias[5] = keyBias[6] = -1e9;
  const scale = 1 / Math.sqrt(dh);
  const QKV = put(qkv);
  const P = zeros(S * H * L * L);
  const CTX = zeros(S * L * d);
  const scratch = zeros(L * dh + L * L);
  const KB = put(keyBias);
  mem.k.attention_fwd(S, H, L, dh, QKV, KB, scale, P, CTX, scratch);
  const DQKV = zeros(S * L * 3 * d);
  mem.k.attention_bwd(S, H, L, dh, QKV, P, put(dctx), scale, DQKV, scratch);
  const ref = tf.tidy(() => {
    const bias = tf.tensor2d(keyBias, [S, L]).expandDims(1).expandDims(1);
    const split = (t: tf.Tensor) => t.reshape([S, L, H, dh]).transpose([0, 2, 1, 3]);
    const f = (x: tf.Tensor) => {
      const [q, k, v] = tf.split(x.reshape([S, L, 3 * d]), 3, 2).map(split);
      const scores = tf
        .matMul(q as tf.Tensor4D, k as tf.Tensor4D, false, true)
        .mul(scale)
        .add(bias);
      return tf
        .matMul(tf.softmax(scores) as tf.Tensor4D, v as tf.Tensor4D)
        .transpose([0, 2, 1, 3])
        .reshape([S * L, d]);
    };
    const x = tf.tensor2d(qkv, [S * L, 3 * d]);
    return [
      f(x).dataSync(),
      tf
        .grad(f)(x, tf.tensor2d(dctx, [S * L, d]))
        .dataSync(),
    ];
  });
  close(get(CTX, S * L * d), ref[0], 5e-6, 'attention');
  close(get(DQKV, S * L * 3 * d), ref[1], 5e-6, 'attention gradient');
  // Padding keys get probability exactly 0, so they have no gradient through the scores.
  const p = get(P, S * H * L * L);
  for (let h = 0; h < H; h++) for (let i = 0; i < L; i++) assert.deepEqual([p[(h * L + i) * L + 5], p[(h * L + i) * L + 6]], [0, 0]);
});

/** Parameter types (0x7f i32, 0x7d f32, ...) of each exported function, read from a WebAssembly binary. */
function wasmExportSignatures(b: Uint8Array): Map<string, number[]> {
  let o = 8;
  const u32 = () => {
    let r = 0;
    let shift = 0;
    for (;;) {
      const byte = b[o++];
      r |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) return r >>> 0;
      shift += 7;
    }
  };
  const types: number[][] = [];
  let imported = 0;
  const funcTypes: number[] = [];
  const exports = new Map<string, number>();
  while (o < b.length) {
    const id = b[o++];
    const size = u32();
    const end = o + size;
    if (id === 1) {
      const n = u32();
      for (let i = 0; i < n; i++) {
        o++; // 0x60
        const np = u32();
        types.push(Array.from(b.subarray(o, o + np)));
        o += np;
        const nr = u32();
        o += nr;
      }
    } else if (id === 2) {
      const n = u32();
      for (let i = 0; i < n; i++) {
        o += u32(); // module
        o += u32(); // name
        const kind = b[o++];
        if (kind === 0) {
          funcTypes.push(u32());
          imported++;
        } else if (kind === 2) {
          const flags = b[o++];
          u32();
          if (flags & 1) u32();
        } else if (kind === 3) o += 2;
        else if (kind === 1) {
          o++;
          const flags = b[o++];
          u32();
          if (flags & 1) u32();
        }
      }
    } else if (id === 3) {
      const n = u32();
      for (let i = 0; i < n; i++) funcTypes.push(u32());
    } else if (id === 7) {
      const n = u32();
      for (let i = 0; i < n; i++) {
        const len = u32();
        const name = Buffer.from(b.subarray(o, o + len)).toString('utf8');
        o += len;
        const kind = b[o++];
        const index = u32();
        if (kind === 0) exports.set(name, index);
      }
    }
    o = end;
  }
  assert.equal(imported, 0, 'the kernels import no functions');
  return new Map([...exports].map(([name, fi]) => [name, types[funcTypes[fi]]]));
}
