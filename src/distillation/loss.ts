import { tf } from './backend.js';

/**
 * Hinton, Vinyals & Dean (2015): L = softWeight x T^2 x CE(softmax(t/T), softmax(s/T))
 *                                  + hardWeight x CE(labels, softmax(s)).
 * With logitLoss "mse" (Tang et al. 2019, Ba & Caruana 2014) the soft term is instead
 * softWeight x mean squared error between the raw logits (no temperature, no T^2).
 * The weights are named explicitly (conventions differ between toolkits: see distillation.md).
 */
export interface DistillationLossConfig {
  temperature: number;
  softWeight: number;
  hardWeight: number;
  /** How the student matches the teacher's logits; default "soft-ce". */
  logitLoss?: 'soft-ce' | 'mse';
}

/** Mean cross-entropy between class labels (int32 [batch]) and the softmax of logits [batch, classes]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const classes = logits.shape[1];
  const oneHot = tf.oneHot(labels.toInt(), classes);
  return tf.neg(tf.mean(tf.sum(oneHot.mul(tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** Mean cross-entropy between the teacher's and the student's softened distributions. */
export function softCrossEntropy(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  const p = tf.softmax(teacherLogits.div(temperature));
  return tf.neg(tf.mean(tf.sum(p.mul(tf.logSoftmax(studentLogits.div(temperature))), 1))) as tf.Scalar;
}

/** Mean over examples and classes of (student - teacher)^2 on raw logits. */
export function logitMse(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D): tf.Scalar {
  return tf.mean(tf.squaredDifference(studentLogits, teacherLogits)) as tf.Scalar;
}

export function hintonLoss(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  cfg: DistillationLossConfig,
): tf.Scalar {
  const t = cfg.temperature;
  const soft =
    cfg.logitLoss === 'mse'
      ? logitMse(studentLogits, teacherLogits).mul(cfg.softWeight)
      : softCrossEntropy(studentLogits, teacherLogits, t).mul(cfg.softWeight * t * t);
  const hard = crossEntropy(studentLogits, labels).mul(cfg.hardWeight);
  return soft.add(hard) as tf.Scalar;
}
