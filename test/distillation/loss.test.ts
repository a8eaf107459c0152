import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, hintonLoss, softCrossEntropy } from '../../src/distillation/loss.js';

before(async () => {
  await tf.setBackend('cpu');
});

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);

// Hand computation, one example: student logits s = [1, 2], teacher logits t = [2, 0], label 0, T = 2.
//   teacher soft targets p = softmax([1, 0]) = [0.7310586, 0.2689414]
//   student log soft predictions = logsoftmax([0.5, 1]) = [-0.9740770, -0.4740770]
//   soft CE = 0.7310586 * 0.9740770 + 0.2689414 * 0.4740770 = 0.8396063
//   hard CE = -logsoftmax([1, 2])[0] = ln(e + e^2) - 1 = 1.3132617
//   loss (soft 0.7, hard 0.3) = 0.7 * 4 * 0.8396063 + 0.3 * 1.3132617 = 2.3508976 + 0.3939785 = 2.7448761
test('Hinton loss matches the hand-computed value for one example', () => {
  const s = tf.tensor2d([[1, 2]]);
  const t = tf.tensor2d([[2, 0]]);
  const y = tf.tensor1d([0], 'int32');
  close(softCrossEntropy(s, t, 2).dataSync()[0], 0.8396063);
  close(crossEntropy(s, y).dataSync()[0], 1.3132617);
  close(hintonLoss(s, t, y, { temperature: 2, softWeight: 0.7, hardWeight: 0.3 }).dataSync()[0], 2.7448761);
});

// Second example: s = [0, 0, 3], t = [1, 1, 1], label 2, T = 1.
//   p = [1/3, 1/3, 1/3]; logsoftmax(s) = [-3.0948599, -3.0948599, -0.0948599] (ln(2 + e^3) = 3.0948599)
//   soft CE = (3.0948599 * 2 + 0.0948599) / 3 = 2.0948599 ; hard CE = 0.0948599
// Batch mean of soft CE with example 1 at T = 1:
//   example 1 at T = 1: p = softmax([2, 0]) = [0.8807971, 0.1192029], logsoftmax([1, 2]) = [-1.3132617, -0.3132617]
//   soft CE = 0.8807971 * 1.3132617 + 0.1192029 * 0.3132617 = 1.1567190 + 0.0373417 = 1.1940607
test('losses are batch means; T = 1 and weights (1, 0) give the plain soft cross-entropy', () => {
  const s = tf.tensor2d([
    [1, 2, -1e9],
    [0, 0, 3],
  ]);
  const t = tf.tensor2d([
    [2, 0, -1e9],
    [1, 1, 1],
  ]);
  const y = tf.tensor1d([0, 2], 'int32');
  close(softCrossEntropy(s, t, 1).dataSync()[0], (1.1940607 + 2.0948599) / 2, 1e-4);
  close(crossEntropy(s, y).dataSync()[0], (1.3132617 + 0.0948599) / 2, 1e-4);
  close(hintonLoss(s, t, y, { temperature: 1, softWeight: 1, hardWeight: 0 }).dataSync()[0], (1.1940607 + 2.0948599) / 2, 1e-4);
  close(hintonLoss(s, t, y, { temperature: 1, softWeight: 0, hardWeight: 1 }).dataSync()[0], (1.3132617 + 0.0948599) / 2, 1e-4);
});

test('the T^2 factor keeps the soft-term gradient on the same scale as T changes', () => {
  // d/ds [T^2 CE(softmax(t/T), softmax(s/T))] = T (q - p), and for large T, q - p ~ (centred(s) - centred(t)) / (N T),
  // so the gradient tends to a limit independent of T (Hinton et al. 2015, section 2.1). Without the T^2 factor it
  // would fall as 1/T^2 (a ratio of 0.25 between T = 5 and T = 10).
  const s = tf.tensor2d([[0.3, -0.2, 0.5]]);
  const t = tf.tensor2d([[1.0, 0.1, -0.4]]);
  const y = tf.tensor1d([0], 'int32');
  const gradNorm = (T: number) => {
    const g = tf.grad((x: tf.Tensor) => hintonLoss(x as tf.Tensor2D, t, y, { temperature: T, softWeight: 1, hardWeight: 0 }))(s);
    return tf.norm(g).dataSync()[0];
  };
  const g5 = gradNorm(5);
  const g10 = gradNorm(10);
  assert.ok(g5 > 0 && g10 > 0);
  close(g10 / g5, 1, 0.02);
});
