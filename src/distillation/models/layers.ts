import { tf } from '../backend.js';

/** Layer normalisation over the last axis, written with tf.moments (tf.layers' version is slow on wasm). */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).div(variance.add(eps).sqrt()).mul(gamma).add(beta);
}

/** x [..., in] times w [in, out] plus b. */
export function dense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const inDim = shape[shape.length - 1];
  const y = tf.matMul(x.reshape([-1, inDim]) as tf.Tensor2D, w as tf.Tensor2D).add(b);
  return y.reshape([...shape.slice(0, -1), w.shape[1]!]);
}

/** 1 for real tokens, 0 for padding: [batch, seqLen] float. */
export function tokenMask(ids: tf.Tensor2D): tf.Tensor2D {
  return tf.notEqual(ids, 0).toFloat() as tf.Tensor2D;
}

/** Mean of x [batch, seqLen, d] over the real tokens. */
export function maskedMean(x: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  const m = mask.expandDims(2);
  const sum = x.mul(m).sum(1);
  const count = mask.sum(1, true).maximum(1);
  return sum.div(count) as tf.Tensor2D;
}
