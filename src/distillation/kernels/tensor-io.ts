/**
 * Moving float32 values between TensorFlow.js tensors and the kernels' memory without allocating.
 * dataSync() allocates a fresh array per call, and fresh arrays of a few hundred kB cost 1-4 ms each
 * here (the pages are mapped and zeroed anew): more than the kernels spend on a training step.
 * On the wasm backend the tensor's values are read in place in the backend's heap (its public
 * typedArrayFromHeap), and a new tensor copies its values straight into that heap.
 */
import { tf } from '../backend.js';

interface HeapBackend {
  typedArrayFromHeap?(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** A float32 view of t's values: valid until the next TensorFlow.js call; do not write to it. */
export function valuesOf(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  if (tf.getBackend() === 'wasm') {
    const b = tf.backend() as unknown as HeapBackend;
    if (b.typedArrayFromHeap) return b.typedArrayFromHeap(t) as Float32Array;
  }
  return t.dataSync() as Float32Array;
}

/** A new float32 tensor holding a copy of `values` (which may be a view into the kernels' memory). */
export function tensorFrom(values: Float32Array, shape: number[]): tf.Tensor {
  // The wasm backend copies the values into its heap; the cpu backend keeps the array it is given.
  return tf.tensor(tf.getBackend() === 'wasm' ? values : values.slice(), shape, 'float32');
}
