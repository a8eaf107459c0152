/** The accuracy difference over training seeds: the estimate is the mean over seeds; the interval widens with seed-to-seed variance. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapPairedMeanDiffCI, bootstrapSeedsPairedDiffCI } from '../../src/benchmark/stats.js';
import { compareModels } from '../../src/benchmark/aggregate.js';
import type { ModelRecord } from '../../src/core/contract.js';

const n = 400;
/** Correct on the first `k` of n examples. */
const right = (k: number) => Array.from({ length: n }, (_, i) => (i < k ? 1 : 0));

test('with identical seeds the interval matches the single-seed paired bootstrap closely', () => {
  const a = right(360);
  const b = right(340);
  const one = bootstrapPairedMeanDiffCI(a, b, { seed: 3 });
  const three = bootstrapSeedsPairedDiffCI([a, a, a], [b, b, b], { seed: 3 });
  for (let j = 0; j < 2; j++) assert.ok(Math.abs(one[j] - three[j]) < 0.006, `${one} vs ${three}`);
  assert.ok(three[0] > 0);
});

test('seeds that disagree widen the interval so that it includes 0, where one lucky seed would not', () => {
  // Seed 1: +10 points; seeds 2 and 3: -5 and 0 points. Mean +1.7 points.
  const a = [right(380), right(340), right(360)];
  const b = [right(340), right(360), right(360)];
  const lucky = bootstrapPairedMeanDiffCI(a[0], b[0], { seed: 4 });
  assert.ok(lucky[0] > 0, 'one seed alone shows a difference');
  const ci = bootstrapSeedsPairedDiffCI(a, b, { seed: 4 });
  assert.ok(ci[0] < 0 && ci[1] > 0, `over seeds: [${ci}]`);
});

test('clusters are resampled whole; fewer than 2 clusters gives no interval; unequal rows are refused', () => {
  const a = [right(200), right(200)];
  const b = [right(100), right(100)];
  assert.deepEqual(bootstrapSeedsPairedDiffCI(a, b, { seed: 1, clusters: new Array(n).fill('x') }).map(Number.isNaN), [true, true]);
  const clusters = Array.from({ length: n }, (_, i) => `t${Math.floor(i / 40)}`);
  const ci = bootstrapSeedsPairedDiffCI(a, b, { seed: 1, clusters });
  const flat = bootstrapSeedsPairedDiffCI(a, b, { seed: 1 });
  assert.ok(ci[1] - ci[0] > flat[1] - flat[0], 'correlated examples in one text widen the interval');
  assert.throws(() => bootstrapSeedsPairedDiffCI([right(1)], [right(1), right(1)], { seed: 1 }));
  assert.throws(() => bootstrapSeedsPairedDiffCI([[1, 0]], [[1]], { seed: 1 }));
});

test('compareModels uses every seed where both models have several, and says how many', () => {
  const rec = (name: string, role: ModelRecord['role'], pairedWith?: string): ModelRecord => ({
    name,
    role,
    kind: 'embedding-bag',
    params: 1,
    accuracy: 0.9,
    macroF1: 0.9,
    ...(pairedWith ? { pairedWith } : {}),
    architecture: {},
    training: { epochs: 1, steps: 1, phase: 'x', finalLoss: 0 },
  });
  const models = [rec('t', 'teacher'), rec('s', 'student', 't'), rec('s-control', 'control', 's')];
  const u8 = (xs: number[]) => Uint8Array.from(xs);
  const correct = new Map([
    ['s', u8(right(380))],
    ['s-control', u8(right(340))],
  ]);
  const seeds = new Map([
    ['s', [u8(right(380)), u8(right(340)), u8(right(360))]],
    ['s-control', [u8(right(340)), u8(right(360)), u8(right(360))]],
  ]);
  const single = compareModels(models, [], correct, 5).find((c) => c.metric === 'accuracy')!;
  assert.equal(single.seeds, undefined);
  assert.ok(Math.abs(single.estimate - 0.1) < 1e-12);
  const multi = compareModels(models, [], correct, 5, undefined, seeds).find((c) => c.metric === 'accuracy')!;
  assert.equal(multi.seeds, 3);
  assert.ok(Math.abs(multi.estimate - (0.1 - 0.05 + 0) / 3) < 1e-12);
  assert.ok(multi.ci95 && multi.ci95[0] < 0 && multi.warning);
});
