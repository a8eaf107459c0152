/** Every figure an aggregated inference record and a comparison carries, checked against hand-computed values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateInference, basePhase, compareModels } from '../../src/benchmark/aggregate.js';
import { bootstrapMedianCI, bootstrapRatioCI, intervalWarning, median, quantileSorted, relativeWidth } from '../../src/benchmark/stats.js';
import { deriveSeed } from '../../src/core/random.js';
import type { InferenceRecord, ModelRecord } from '../../src/core/contract.js';

function round(model: string, batchSize: number, r: number, base: number): InferenceRecord {
  return {
    model,
    batchSize,
    phase: `inference:${model}:b${batchSize}:r${r}`,
    inferences: 100 * r,
    latencyMsP50: base + r,
    latencyMsP99: 2 * base + r,
    latencyMsMean: base + 0.5 * r,
    throughputPerS: 1000 - r,
    energyJ: r,
    uncertaintyJ: 0.1 * r,
    energyJPer1000: 10 * base + r,
    gCO2ePer1000: base / 100 + r / 1000,
  };
}

test('a round suffix is removed from phase names, nothing else', () => {
  assert.equal(basePhase('inference:t:b1:r3'), 'inference:t:b1');
  assert.equal(basePhase('inference:t:b1:r12'), 'inference:t:b1');
  assert.equal(basePhase('inference:t:b1'), 'inference:t:b1');
  assert.equal(basePhase('inference:r2d2:b1'), 'inference:r2d2:b1');
});

test('aggregation: medians of every per-round figure, sums of counts and energy, intervals seeded per model, batch and figure', () => {
  const recs = [1, 2, 3, 4].flatMap((r) => [round('t', 8, r, 10), round('t', 1, r, 20), round('s', 8, r, 1)]);
  const agg = aggregateInference(recs, 5);
  assert.deepEqual(
    agg.map((a) => `${a.model}:${a.batchSize}`),
    ['t:8', 't:1', 's:8'],
  );
  const t8 = agg[0];
  assert.equal(t8.phase, 'inference:t:b8');
  assert.equal(t8.repeats, 4);
  assert.equal(t8.inferences, 1000);
  assert.equal(t8.energyJ, 10);
  assert.ok(Math.abs(t8.uncertaintyJ - 1) < 1e-12);
  assert.equal(t8.latencyMsP50, 12.5);
  assert.equal(t8.latencyMsP99, 22.5);
  assert.equal(t8.latencyMsMean, 11.25);
  assert.equal(t8.throughputPerS, 997.5);
  assert.equal(t8.energyJPer1000, 102.5);
  assert.ok(Math.abs(t8.gCO2ePer1000 - 0.1025) < 1e-12);
  assert.deepEqual(t8.perRepeat, {
    energyJPer1000: [101, 102, 103, 104],
    gCO2ePer1000: [1, 2, 3, 4].map((r) => 10 / 100 + r / 1000),
    latencyMsP50: [11, 12, 13, 14],
    latencyMsMean: [10.5, 11, 11.5, 12],
    throughputPerS: [999, 998, 997, 996],
  });
  // Each interval is the seeded bootstrap of its own figure, with a seed of its own.
  const seed = (what: string) => ({ seed: deriveSeed(5, `ci:t:8:${what}`) });
  assert.deepEqual(t8.energyJPer1000CI95, bootstrapMedianCI([101, 102, 103, 104], seed('energy')));
  assert.deepEqual(t8.gCO2ePer1000CI95, bootstrapMedianCI(t8.perRepeat!.gCO2ePer1000, seed('co2')));
  assert.deepEqual(t8.latencyMsP50CI95, bootstrapMedianCI([11, 12, 13, 14], seed('latency')));
  assert.notDeepEqual(seed('energy'), seed('latency'));
  // Rounds of one model at another batch size are a record of their own.
  assert.equal(agg[1].latencyMsP50, 22.5);
  assert.equal(agg[1].inferences, 1000);
});

test('comparisons: every non-teacher model against the teacher at each shared batch size, energy and latency', () => {
  const recs = [1, 2, 3, 4, 5].flatMap((r) => [
    round('t', 8, r, 10),
    round('t', 1, r, 20),
    round('s', 8, r, 1),
    round('s', 1, r, 2),
    round('c', 8, r, 2),
  ]);
  const agg = aggregateInference(recs, 5);
  const models = [
    { name: 't', role: 'teacher' },
    { name: 's', role: 'student', pairedWith: 't' },
    { name: 'c', role: 'control', pairedWith: 's' },
  ] as ModelRecord[];
  const cmp = compareModels(models, agg, new Map(), 5);
  assert.deepEqual(
    cmp.map((c) => `${c.metric}:${c.a}/${c.b}@${c.batchSize}`),
    [
      'energyJPer1000:s/t@8',
      'latencyMsP50:s/t@8',
      'energyJPer1000:s/t@1',
      'latencyMsP50:s/t@1',
      'energyJPer1000:c/t@8',
      'latencyMsP50:c/t@8',
    ],
  );
  const e = cmp[0];
  assert.equal(e.kind, 'ratio');
  assert.ok(Math.abs(e.estimate - 13 / 103) < 1e-12);
  assert.equal(e.n, 5);
  assert.ok(e.ci95![0] <= e.estimate && e.estimate <= e.ci95![1]);
  const l = cmp[1];
  assert.ok(Math.abs(l.estimate - 4 / 13) < 1e-12);
  // Without a teacher there is nothing to compare against; a control without its student's correctness neither.
  assert.deepEqual(compareModels(models.slice(1), agg, new Map(), 5), []);
});

test('accuracy comparison: the difference and its interval from per-example correctness, paired', () => {
  const models = [
    { name: 's', role: 'student', pairedWith: 't' },
    { name: 'c', role: 'control', pairedWith: 's' },
    { name: 'lonely', role: 'control' },
  ] as ModelRecord[];
  const s = Uint8Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 0 : 1)); // 75 %
  const c = Uint8Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 0 : 1)); // 50 %
  const [acc, ...rest] = compareModels(
    models,
    [],
    new Map([
      ['s', s],
      ['c', c],
    ]),
    9,
  );
  assert.deepEqual(rest, []);
  assert.equal(acc.metric, 'accuracy');
  assert.equal(acc.kind, 'difference');
  assert.equal(acc.a, 's');
  assert.equal(acc.b, 'c');
  assert.equal(acc.n, 40);
  assert.equal(acc.estimate, 0.25);
  assert.ok(acc.ci95![0] > 0.05 && acc.ci95![0] < 0.25 && acc.ci95![1] > 0.25 && acc.ci95![1] < 0.45, `${acc.ci95}`);
  assert.equal(acc.warning, undefined);
  // Swapped roles give the opposite sign; unequal lengths are not compared.
  assert.deepEqual(
    compareModels(
      models.slice(0, 2),
      [],
      new Map([
        ['s', c],
        ['c', s],
      ]),
      9,
    )[0].estimate,
    -0.25,
  );
  assert.deepEqual(
    compareModels(
      models,
      [],
      new Map([
        ['s', s],
        ['c', c.subarray(1)],
      ]),
      9,
    ),
    [],
  );
});

test('interval warnings quote the interval and the width in the words a report prints', () => {
  assert.equal(intervalWarning([-0.02, 0.05], 0.015, 0), 'the 95 % interval [-0.0200, 0.0500] includes 0: no difference is shown');
  assert.equal(intervalWarning([0.02, 0.05], 0.035, 0), undefined, 'a difference is not judged by its relative width');
  assert.equal(intervalWarning([0.9, 1.2], 1.05, 1), 'the 95 % interval [0.900, 1.20] includes 1: no difference is shown');
  assert.equal(intervalWarning([120, 480], 300, 1), 'the 95 % interval is 120 % of the estimate wide (over 50 %): too noisy to quote');
  assert.equal(
    intervalWarning([0.5, 2], 1, 1),
    'the 95 % interval [0.500, 2.00] includes 1: no difference is shown; the 95 % interval is 150 % of the estimate wide (over 50 %): too noisy to quote',
  );
  assert.equal(intervalWarning([0.1, 0.15], 0.125, 1, 0.5), undefined);
  assert.match(intervalWarning([0.1, 0.15], 0.125, 1, 0.3) ?? '', /40 % of the estimate wide \(over 30 %\)/);
  // Exactly at the neutral value counts as including it; exactly at the width limit does not warn.
  assert.match(intervalWarning([1, 1.1], 1.05, 1) ?? '', /includes 1/);
  assert.equal(intervalWarning([0.75, 1.25].map((x) => x / 2) as [number, number], 0.5, 1), undefined);
  assert.match(intervalWarning([0.3, NaN], 0.3, 1) ?? '', /fewer than 2 repeats/);
  assert.match(intervalWarning([NaN, 0.3], 0.3, 1) ?? '', /fewer than 2 repeats/);
});

test('relative width, quantiles and medians on small cases', () => {
  assert.equal(relativeWidth([1, 3], -2), 1);
  assert.equal(relativeWidth([1, 3], 4), 0.5);
  assert.equal(quantileSorted([1, 2, 3, 4, 5], 0), 1);
  assert.equal(quantileSorted([1, 2, 3, 4, 5], 1), 5);
  assert.equal(quantileSorted([1, 2, 3, 4, 5], 0.5), 3);
  assert.equal(quantileSorted([1, 2, 3, 4, 5], 0.1), 1.4);
  assert.equal(quantileSorted([7], 0.3), 7);
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
  assert.equal(median([5]), 5);
  assert.equal(median([9, 1]), 5);
  assert.equal(median([3, -1, 2, 10]), 2.5);
  const xs = [4, 1, 3];
  median(xs);
  assert.deepEqual(xs, [4, 1, 3], 'median must not sort its input in place');
});

test('bootstrap options: the level and the number of resamples are honoured; the interval ignores non-finite statistics', () => {
  const xs = Array.from({ length: 30 }, (_, i) => i);
  const ci95 = bootstrapMedianCI(xs, { seed: 1 });
  const ci50 = bootstrapMedianCI(xs, { seed: 1, level: 0.5 });
  assert.ok(ci50[1] - ci50[0] < 0.6 * (ci95[1] - ci95[0]), `${ci50} vs ${ci95}`);
  assert.ok(ci50[0] > ci95[0] && ci50[1] < ci95[1]);
  const few = bootstrapMedianCI(xs, { seed: 1, resamples: 3 });
  const many = bootstrapMedianCI(xs, { seed: 1, resamples: 3000 });
  assert.notDeepEqual(few, many);
  assert.ok(ci95[0] >= 8 && ci95[0] <= 11 && ci95[1] >= 18 && ci95[1] <= 21, `${ci95}`);
  // A denominator that resamples to a median of 0 gives infinite ratios: they are left out, not an infinite bound.
  assert.deepEqual(bootstrapRatioCI([1, 1, 1, 1], [0, 0, 0, 4, 4], { seed: 2 }), [0.25, 0.25]);
});
