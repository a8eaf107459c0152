/**
 * Intervals that decide what a report may claim: the student-vs-control accuracy difference must
 * resample whole texts when the test set has them, and an energy ratio must resample both sides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareModels } from '../../src/benchmark/aggregate.js';
import { bootstrapRatioCI, median } from '../../src/benchmark/stats.js';
import type { InferenceRecord, ModelRecord } from '../../src/core/contract.js';

const models = [
  { name: 't', role: 'teacher' },
  { name: 's', role: 'student', pairedWith: 't' },
  { name: 's-control', role: 'control', pairedWith: 's' },
] as ModelRecord[];

// 20 texts x 10 passages: the student gets every passage right, the control every passage of 6 texts wrong.
const N = 200;
const texts = Array.from({ length: N }, (_, i) => `text${Math.floor(i / 10)}`);
const correct = new Map([
  ['s', Uint8Array.from({ length: N }, () => 1)],
  ['s-control', Uint8Array.from({ length: N }, (_, i) => (Math.floor(i / 10) < 6 ? 0 : 1))],
]);

test('compareModels with test groups resamples texts: the accuracy interval is as wide as 20 texts allow', () => {
  const [acc] = compareModels(models, [], correct, 1, texts);
  assert.equal(acc.metric, 'accuracy');
  assert.equal(acc.estimate, 0.3);
  const [lo, hi] = acc.ci95!;
  // By texts: 6 of 20 clusters differ, SE = sqrt(0.3 x 0.7 / 20) = 0.10, so about [0.10, 0.50].
  assert.ok(lo < 0.15 && lo > 0.05, `lower bound ${lo}`);
  assert.ok(hi > 0.45 && hi < 0.55, `upper bound ${hi}`);
  // Treating the 200 passages as independent would give about [0.24, 0.36]: far narrower.
  const [flat] = compareModels(models, [], correct, 1);
  assert.ok(flat.ci95![1] - flat.ci95![0] < 0.15, `flat ${flat.ci95}`);
  assert.ok(hi - lo > 2 * (flat.ci95![1] - flat.ci95![0]));
});

test('groups of the wrong length are not silently used as clusters of something else', () => {
  const [acc] = compareModels(models, [], correct, 1, texts.slice(1));
  const [flat] = compareModels(models, [], correct, 1);
  assert.deepEqual(acc.ci95, flat.ci95);
});

const inf = (model: string, perRepeat: number[]): InferenceRecord => ({
  model,
  batchSize: 8,
  phase: `inference:${model}:b8`,
  inferences: 1000,
  latencyMsP50: median(perRepeat),
  latencyMsP99: 1,
  latencyMsMean: 1,
  throughputPerS: 1,
  energyJ: median(perRepeat),
  uncertaintyJ: 0,
  energyJPer1000: median(perRepeat),
  gCO2ePer1000: 0,
  repeats: perRepeat.length,
  perRepeat: {
    energyJPer1000: perRepeat,
    gCO2ePer1000: perRepeat,
    latencyMsP50: perRepeat,
    latencyMsMean: perRepeat,
    throughputPerS: perRepeat,
  },
});

test('a ratio interval resamples the denominator too: a steady numerator over a noisy denominator is not certain', () => {
  const steady = [1, 1, 1, 1, 1];
  const noisy = [6, 8, 10, 12, 14];
  // median(resample(noisy)) ranges over 6..14, so the ratio's interval is about [1/13, 1/7].
  const ci = bootstrapRatioCI(steady, noisy, { seed: 3 });
  assert.ok(ci[0] < 0.085 && ci[1] > 0.125, `interval ${ci}`);
  const inv = bootstrapRatioCI(noisy, steady, { seed: 3 });
  assert.ok(inv[0] < 7.5 && inv[1] > 12.5, `interval ${inv}`);
  // The same through the comparison a report prints (student / teacher energy per 1,000).
  const cmp = compareModels(models, [inf('t', noisy), inf('s', steady)], new Map(), 1);
  const e = cmp.find((c) => c.metric === 'energyJPer1000')!;
  assert.equal(e.estimate, 0.1);
  assert.ok(e.ci95![0] < 0.085 && e.ci95![1] > 0.125, `interval ${e.ci95}`);
  assert.match(e.warning ?? '', /wide/);
});
