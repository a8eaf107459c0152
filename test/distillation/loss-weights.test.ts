/** The distillation loss term by term: each weight multiplies only its own term; MSE has no temperature and no T^2. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, hintonLoss, logitMse, softCrossEntropy } from '../../src/distillation/loss.js';

before(async () => {
  await tf.setBackend('cpu');
});

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);
const v = (x: tf.Scalar) => x.dataSync()[0];

const s = tf.tensor2d([
  [1, 2, 0],
  [0, 0, 3],
]);
const t = tf.tensor2d([
  [2, 0, 1],
  [1, 1, 1],
]);
const y = tf.tensor1d([0, 2], 'int32');

test('the loss is softWeight x T^2 x soft CE + hardWeight x hard CE, for any weights and temperature', () => {
  for (const [T, ws, wh] of [
    [3, 0.6, 0.4],
    [1, 1, 0],
    [5, 0, 1],
    [2, 0.25, 2],
  ] as const) {
    const soft = v(softCrossEntropy(s, t, T));
    const hard = v(crossEntropy(s, y));
    close(v(hintonLoss(s, t, y, { temperature: T, softWeight: ws, hardWeight: wh })), ws * T * T * soft + wh * hard, 1e-4);
  }
});

test('hard cross-entropy by hand for a batch of two: the mean of -log softmax at each label', () => {
  // row 1: logsumexp(1, 2, 0) = 2.4076059, label 0: 1.4076059; row 2: logsumexp(0, 0, 3) = 3.0948599, label 2: 0.0948599
  close(v(crossEntropy(s, y)), (1.4076059 + 0.0948599) / 2, 1e-4);
  // soft CE at T = 1 with the teacher's softmax as targets, by hand
  const p1 = [Math.exp(2), Math.exp(0), Math.exp(1)].map((e) => e / (Math.exp(2) + 1 + Math.exp(1)));
  const l1 = [1, 2, 0].map((x) => x - 2.4076059);
  const row1 = -p1.reduce((a, p, i) => a + p * l1[i], 0);
  const row2 = -[-3.0948599, -3.0948599, -0.0948599].reduce((a, l) => a + l / 3, 0);
  close(v(softCrossEntropy(s, t, 1)), (row1 + row2) / 2, 1e-4);
});

test('logitLoss "mse": softWeight x mean squared logit difference (no temperature, no T^2) + the hard term', () => {
  // differences: [-1, 2, -1], [-1, -1, 2]: squares sum 12 over 6 entries = 2
  close(v(logitMse(s, t)), 2);
  const hard = v(crossEntropy(s, y));
  close(v(hintonLoss(s, t, y, { temperature: 4, softWeight: 0.5, hardWeight: 0.25, logitLoss: 'mse' })), 0.5 * 2 + 0.25 * hard);
  close(v(hintonLoss(s, t, y, { temperature: 9, softWeight: 0.5, hardWeight: 0, logitLoss: 'mse' })), 1);
  // "soft-ce" (the default) named explicitly is the Hinton soft term.
  close(v(hintonLoss(s, t, y, { temperature: 2, softWeight: 1, hardWeight: 0, logitLoss: 'soft-ce' })), 4 * v(softCrossEntropy(s, t, 2)));
});
