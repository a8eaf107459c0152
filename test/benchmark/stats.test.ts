/** Bootstrap intervals against cases with known answers, the warning rules, and the interleaved schedule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bootstrapMedianCI,
  bootstrapPairedMeanDiffCI,
  bootstrapRatioCI,
  intervalWarning,
  median,
  quantileSorted,
} from '../../src/benchmark/stats.js';
import { inferenceSchedule } from '../../src/benchmark/schedule.js';
import { aggregateInference, compareModels } from '../../src/benchmark/aggregate.js';
import { rng } from '../../src/core/random.js';
import type { InferenceRecord, ModelRecord } from '../../src/core/contract.js';

test('median and quantiles', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.equal(quantileSorted([0, 10], 0.25), 2.5);
});

test('bootstrap CI of a constant sample is the constant; fewer than 2 values give no interval', () => {
  assert.deepEqual(bootstrapMedianCI([5, 5, 5, 5], { seed: 1 }), [5, 5]);
  assert.ok(bootstrapMedianCI([5], { seed: 1 }).every(Number.isNaN));
  assert.deepEqual(bootstrapRatioCI([6, 6, 6], [2, 2, 2], { seed: 1 }), [3, 3]);
});

test('bootstrap CI of the median: seeded (same seed, same interval), inside the data range, covers the true median', () => {
  const r = rng(42);
  // Normal(100, 10) by Box-Muller: the true median is 100.
  const xs = Array.from({ length: 60 }, () => 100 + 10 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
  const a = bootstrapMedianCI(xs, { seed: 7 });
  assert.deepEqual(bootstrapMedianCI(xs, { seed: 7 }), a);
  assert.notDeepEqual(bootstrapMedianCI(xs, { seed: 8 }), a);
  assert.ok(a[0] < 100 && 100 < a[1], `interval ${a} should cover 100`);
  assert.ok(a[0] >= Math.min(...xs) && a[1] <= Math.max(...xs));
  // Standard error of the median ~ 1.2533 x 10 / sqrt(60) = 1.62: the 95 % interval is about 6.4 wide.
  assert.ok(a[1] - a[0] > 3 && a[1] - a[0] < 12, `width ${a[1] - a[0]}`);
});

test('ratio CI: a clear 10x difference excludes 1; identical distributions include 1 and warn', () => {
  const r = rng(3);
  const small = Array.from({ length: 8 }, () => 1 + 0.1 * r());
  const big = Array.from({ length: 8 }, () => 10 + r());
  const ci = bootstrapRatioCI(small, big, { seed: 11 });
  assert.ok(ci[0] > 0.08 && ci[1] < 0.12, `interval ${ci}`);
  assert.equal(intervalWarning(ci, median(small) / median(big), 1), undefined);
  const a = Array.from({ length: 8 }, () => 5 + r());
  const b = Array.from({ length: 8 }, () => 5 + r());
  const ci2 = bootstrapRatioCI(a, b, { seed: 11 });
  assert.ok(ci2[0] < 1 && ci2[1] > 1);
  assert.match(intervalWarning(ci2, median(a) / median(b), 1) ?? '', /includes 1/);
});

test('warnings: too wide, and missing intervals', () => {
  assert.match(intervalWarning([0.1, 0.5], 0.3, 1) ?? '', /133 % of the estimate wide/);
  assert.equal(intervalWarning([0.28, 0.32], 0.3, 1), undefined);
  assert.match(intervalWarning([NaN, NaN], 0.3, 1) ?? '', /fewer than 2/);
});

test('paired accuracy difference: all better by one example in ten', () => {
  const a = Array.from({ length: 100 }, () => 1);
  const b = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 0 : 1));
  const ci = bootstrapPairedMeanDiffCI(a, b, { seed: 5 });
  assert.ok(ci[0] > 0.03 && ci[0] < 0.1 && ci[1] > 0.1 && ci[1] < 0.17, `interval ${ci}`);
  assert.deepEqual(bootstrapPairedMeanDiffCI(b, b, { seed: 5 }), [0, 0]);
});

test('paired difference with clusters resamples whole clusters: correlated passages of one text widen the interval', () => {
  // 20 texts of 10 passages; the control gets every passage of 6 texts wrong, the student none.
  const a = Array.from({ length: 200 }, () => 1);
  const b = Array.from({ length: 200 }, (_, i) => (Math.floor(i / 10) < 6 ? 0 : 1));
  const texts = Array.from({ length: 200 }, (_, i) => `t${Math.floor(i / 10)}`);
  const flat = bootstrapPairedMeanDiffCI(a, b, { seed: 9 });
  const byText = bootstrapPairedMeanDiffCI(a, b, { seed: 9, clusters: texts });
  for (const ci of [flat, byText]) assert.ok(ci[0] < 0.3 && 0.3 < ci[1]);
  assert.ok(byText[1] - byText[0] > 2 * (flat[1] - flat[0]), `clustered ${byText} vs flat ${flat}`);
  assert.ok(bootstrapPairedMeanDiffCI(a, b, { seed: 9, clusters: texts.map(() => 'one') }).every(Number.isNaN));
});

test('schedule: N interleaved rounds over models x batch sizes, rotated, never all of one model first', () => {
  const s = inferenceSchedule(['t', 's'], [1, 32], 3);
  assert.equal(s.length, 12);
  assert.deepEqual(
    s.map((x) => x.phase),
    [
      'inference:t:b1:r1',
      'inference:t:b32:r1',
      'inference:s:b1:r1',
      'inference:s:b32:r1',
      'inference:t:b32:r2',
      'inference:s:b1:r2',
      'inference:s:b32:r2',
      'inference:t:b1:r2',
      'inference:s:b1:r3',
      'inference:s:b32:r3',
      'inference:t:b1:r3',
      'inference:t:b32:r3',
    ],
  );
  // Every slot appears once per round, and each round is complete before the next starts.
  for (let r = 1; r <= 3; r++)
    assert.equal(
      new Set(
        s
          .slice((r - 1) * 4, r * 4)
          .filter((x) => x.round === r)
          .map((x) => `${x.model}${x.batchSize}`),
      ).size,
      4,
    );
  assert.deepEqual(
    inferenceSchedule(['t'], [8], 1).map((x) => x.phase),
    ['inference:t:b8'],
  );
});

function rec(model: string, batchSize: number, round: number, energyJPer1000: number): InferenceRecord {
  return {
    model,
    batchSize,
    phase: `inference:${model}:b${batchSize}:r${round}`,
    inferences: 100,
    latencyMsP50: energyJPer1000,
    latencyMsP99: 1,
    latencyMsMean: energyJPer1000,
    throughputPerS: 1,
    energyJ: energyJPer1000 / 10,
    uncertaintyJ: 0.1,
    energyJPer1000,
    gCO2ePer1000: 0,
  };
}

test('aggregation: medians, totals and intervals per model and batch size; comparisons against the teacher and the control', () => {
  const recs = [1, 2, 3, 4, 5].flatMap((k) => [rec('t', 1, k, 100 + k), rec('s', 1, k, 10 + k / 10)]);
  const agg = aggregateInference(recs, 1);
  assert.equal(agg.length, 2);
  const t = agg.find((r) => r.model === 't')!;
  assert.equal(t.repeats, 5);
  assert.equal(t.energyJPer1000, 103);
  assert.equal(t.inferences, 500);
  assert.equal(t.phase, 'inference:t:b1');
  assert.deepEqual(t.perRepeat?.energyJPer1000, [101, 102, 103, 104, 105]);
  assert.ok(t.energyJPer1000CI95 && t.energyJPer1000CI95[0] >= 101 && t.energyJPer1000CI95[1] <= 105);
  const models = [
    { name: 't', role: 'teacher' },
    { name: 's', role: 'student', pairedWith: 't' },
    { name: 's-control', role: 'control', pairedWith: 's' },
  ] as ModelRecord[];
  const correct = new Map([
    ['s', Uint8Array.from({ length: 50 }, () => 1)],
    ['s-control', Uint8Array.from({ length: 50 }, (_, i) => (i < 25 ? 1 : 0))],
  ]);
  const cmp = compareModels(models, agg, correct, 1);
  const e = cmp.find((c) => c.metric === 'energyJPer1000')!;
  assert.equal(e.a, 's');
  assert.equal(e.b, 't');
  assert.ok(Math.abs(e.estimate - 10.3 / 103) < 1e-12);
  assert.ok(e.ci95 && e.ci95[0] < e.estimate && e.estimate < e.ci95[1] && e.ci95[1] < 0.11);
  assert.equal(e.warning, undefined);
  const acc = cmp.find((c) => c.metric === 'accuracy')!;
  assert.equal(acc.estimate, 0.5);
  assert.equal(acc.n, 50);
  assert.ok(acc.ci95 && acc.ci95[0] > 0.3);
  // One round only: the record passes through, and the ratio carries a warning instead of an interval.
  const single = aggregateInference([rec('t', 1, 1, 100), rec('s', 1, 1, 10)], 1);
  assert.equal(single[0].repeats, undefined);
  const c1 = compareModels(models, single, new Map(), 1)[0];
  assert.equal(c1.ci95, undefined);
  assert.match(c1.warning ?? '', /fewer than 2/);
});
