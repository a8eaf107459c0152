/**
 * Post-training weight quantization of Float32Arrays, as TensorFlow.js stores it (tfjs-converter's
 * --quantize_uint8 / --quantize_float16: per-tensor affine uint8, or float16): what the file shrinks to and
 * the rounding error the model then sees. The tfjs backends dequantize these weights to fp32 when the
 * model loads, so the arithmetic of an inference is unchanged (honest.ts).
 */

export interface QuantizedTensor {
  /** Quantized values (uint8, affine: w ~ min + q x scale). */
  values: Uint8Array;
  scale: number;
  min: number;
}

/** Affine per-tensor uint8 quantization (tfjs-converter's rule: scale = (max - min) / 255). */
export function quantizeUint8(weights: Float32Array): QuantizedTensor {
  let min = Infinity;
  let max = -Infinity;
  for (const w of weights) {
    if (!Number.isFinite(w)) throw new RangeError(`cannot quantize a non-finite weight (${w})`);
    if (w < min) min = w;
    if (w > max) max = w;
  }
  if (weights.length === 0) return { values: new Uint8Array(0), scale: 1, min: 0 };
  const scale = max > min ? (max - min) / 255 : 1;
  const values = Uint8Array.from(weights, (w) => Math.round((w - min) / scale));
  return { values, scale, min };
}

/** Back to fp32, as the backend does when it loads the model. */
export function dequantizeUint8(q: QuantizedTensor): Float32Array {
  return Float32Array.from(q.values, (v) => q.min + v * q.scale);
}

/** Round-trip through IEEE float16 (the value an fp16-stored weight has once loaded). */
export function roundFloat16(weights: Float32Array): Float32Array {
  return Float32Array.from(weights, toFloat16Value);
}

function toFloat16Value(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const step = 2 ** (e - 10);
  return Math.sign(x) * Math.round(a / step) * step;
}

/** Bytes of the weights stored as fp32, fp16 or uint8 (+ 8 bytes of scale and minimum per tensor). */
export function storedBytes(tensorSizes: readonly number[], as: 'fp32' | 'fp16' | 'uint8'): number {
  const per = { fp32: 4, fp16: 2, uint8: 1 }[as];
  return tensorSizes.reduce((s, n) => s + n * per + (as === 'uint8' ? 8 : 0), 0);
}

/** The largest |w - dequantized(w)|: at most scale / 2 for uint8. */
export function maxAbsError(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
