/**
 * Statistics that a published interval depends on, pinned where the earlier tests could not tell a mistake apart:
 * the seeds (an interval must be reproducible from the seed recorded in run.json), single-round records, a teacher
 * benchmarked at several batch sizes, which models get an accuracy comparison, the minimum sizes of every bootstrap,
 * and the cluster bootstrap checked against an independent reference implementation.
 */
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
import { aggregateInference, compareModels } from '../../src/benchmark/aggregate.js';
import { deriveSeed, rng } from '../../src/core/random.js';
import type { InferenceRecord, ModelRecord } from '../../src/core/contract.js';

/** One round of a model at a batch size, with independent figures for energy, CO2 and latency. */
function round(model: string, batchSize: number, r: number, energy: number, co2: number, latency: number): InferenceRecord {
  return {
    model,
    batchSize,
    phase: `inference:${model}:b${batchSize}:r${r}`,
    inferences: 200,
    latencyMsP50: latency,
    latencyMsP99: latency * 2,
    latencyMsMean: latency * 1.1,
    throughputPerS: 1000 / latency,
    energyJ: energy / 5,
    uncertaintyJ: 0.5,
    energyJPer1000: energy,
    gCO2ePer1000: co2,
  };
}

function model(name: string, role: ModelRecord['role'], pairedWith?: string): ModelRecord {
  return {
    name,
    role,
    kind: 'mlp',
    params: 1000,
    accuracy: 0.8,
    macroF1: 0.8,
    ...(pairedWith ? { pairedWith } : {}),
    architecture: {},
    training: { epochs: 1, steps: 10, phase: `training:${name}`, finalLoss: 0.5 },
  };
}

/**
 * 24 rounds (the median bootstrap of a few rounds lands on the same order statistics under any seed, so small
 * samples cannot show which seed was used); for these values the intervals under the right seed differ from those
 * under the seeds a mistake would use, which the test checks first.
 */
const ROUNDS = [
  115.1, 107.7, 112, 105.7, 108.5, 103.8, 114.6, 117.2, 108.3, 119.2, 104.9, 103.3, 105.6, 111.2, 104.3, 104.2, 119.4, 106.2, 102.9, 106.5,
  102, 106.2, 107.5, 118.3,
];

test('aggregated intervals are the bootstraps seeded from the run seed, the model, the batch size and the metric', () => {
  const energy = ROUNDS;
  const co2 = ROUNDS.map((x) => x / 4000);
  const latency = ROUNDS.map((x) => x / 8);
  const recs = energy.map((e, i) => round('s', 8, i + 1, e, co2[i], latency[i]));
  const [agg] = aggregateInference(recs, 1234);
  const seed = (what: string) => deriveSeed(1234, `ci:s:8:${what}`);
  const wrongSeeds = (what: string) => [0, deriveSeed(1234, ''), deriveSeed(1234, 'ci:s:8:'), deriveSeed(99, `ci:s:8:${what}`)];
  for (const [what, xs, got] of [
    ['energy', energy, agg.energyJPer1000CI95],
    ['co2', co2, agg.gCO2ePer1000CI95],
    ['latency', latency, agg.latencyMsP50CI95],
  ] as const) {
    const expected = bootstrapMedianCI(xs, { seed: seed(what) });
    for (const w of wrongSeeds(what)) assert.notDeepEqual(bootstrapMedianCI(xs, { seed: w }), expected, `${what}: seed ${w}`);
    assert.deepEqual(got, expected, what);
  }
  assert.notDeepEqual(aggregateInference(recs, 99)[0].energyJPer1000CI95, agg.energyJPer1000CI95);
  // The medians are the published figures.
  assert.equal(agg.energyJPer1000, 107);
  assert.equal(agg.latencyMsP50, 107 / 8);
  assert.equal(agg.repeats, 24);
});

/** Twelve rounds of each, chosen (as above) so that the ratio interval depends on its seed. */
const S12 = [11.9, 10, 11.6, 12.9, 12.9, 10.8, 11.8, 12.2, 11.3, 13, 11.4, 11.5];
const T12 = [102.8, 105.3, 102.2, 106.7, 113.1, 119.5, 112, 117.1, 113.5, 107, 103.1, 101.9];

test('ratios to the teacher are seeded from the run seed, the metric, both models and the batch size', () => {
  const recs = [...S12.map((x, i) => round('s', 4, i + 1, x, 0.01, x)), ...T12.map((x, i) => round('t', 4, i + 1, x, 0.1, x))];
  const cmp = compareModels([model('t', 'teacher'), model('s', 'student', 't')], aggregateInference(recs, 7), new Map(), 7);
  for (const metric of ['energyJPer1000', 'latencyMsP50'] as const) {
    const c = cmp.find((x) => x.metric === metric)!;
    const expected = bootstrapRatioCI(S12, T12, { seed: deriveSeed(7, `ratio:${metric}:s:t:4`) });
    for (const w of [0, deriveSeed(7, ''), deriveSeed(8, `ratio:${metric}:s:t:4`)])
      assert.notDeepEqual(bootstrapRatioCI(S12, T12, { seed: w }), expected, `${metric}: seed ${w}`);
    assert.deepEqual(c.ci95, expected, metric);
    assert.equal(c.estimate, median(S12) / median(T12));
    assert.equal(c.n, 12);
    assert.equal(c.batchSize, 4);
  }
});

test('n of a ratio is the number of rounds of the side with fewer rounds', () => {
  const s = [1, 2, 3].map((k) => round('s', 1, k, 10 + k, 0.01, 5 + k));
  const t = [1, 2, 3, 4, 5, 6].map((k) => round('t', 1, k, 100 + 3 * k, 0.1, 50 + k));
  const cmp = compareModels([model('t', 'teacher'), model('s', 'student', 't')], aggregateInference([...s, ...t], 3), new Map(), 3);
  assert.deepEqual(
    cmp.map((c) => [c.metric, c.n]),
    [
      ['energyJPer1000', 3],
      ['latencyMsP50', 3],
    ],
  );
});

test('single-round records: the ratio is the quotient of the two figures, with no interval and the warning that says why', () => {
  const inf = aggregateInference([round('s', 1, 1, 12, 0.01, 4), round('t', 1, 1, 96, 0.08, 16)], 5);
  assert.equal(inf.length, 2);
  assert.equal(inf[0].perRepeat, undefined, 'a single round is returned unchanged');
  const cmp = compareModels([model('t', 'teacher'), model('s', 'student', 't')], inf, new Map(), 5);
  const energy = cmp.find((c) => c.metric === 'energyJPer1000')!;
  const latency = cmp.find((c) => c.metric === 'latencyMsP50')!;
  assert.equal(energy.estimate, 0.125);
  assert.equal(latency.estimate, 0.25);
  assert.equal(energy.ci95, undefined);
  assert.equal(energy.n, 1);
  assert.equal(energy.warning, 'no confidence interval: fewer than 2 repeats (use --repeats 5 or more)');
});

test('a teacher benchmarked at several batch sizes: each student row is compared with the teacher at its own batch size', () => {
  const inf: InferenceRecord[] = [
    round('t', 1, 1, 200, 0.2, 40),
    round('t', 8, 1, 80, 0.08, 10),
    round('s', 8, 1, 20, 0.02, 5),
    // The teacher was not run at 32: no comparison there (and no crash).
    round('s', 32, 1, 10, 0.01, 2),
  ];
  const cmp = compareModels([model('t', 'teacher'), model('s', 'student', 't')], inf, new Map(), 1);
  assert.deepEqual(
    cmp.map((c) => [c.metric, c.a, c.b, c.batchSize, c.estimate]),
    [
      ['energyJPer1000', 's', 't', 8, 0.25],
      ['latencyMsP50', 's', 't', 8, 0.5],
    ],
  );
});

test('only controls get an accuracy comparison, against the student they mirror, and only when both have correctness', () => {
  // 60 test examples drawn once (seeded); for them the interval depends on its seed.
  const r = rng(1);
  const n = 60;
  const studentC = Uint8Array.from({ length: n }, () => (r() < 0.8 ? 1 : 0));
  const controlC = Uint8Array.from({ length: n }, () => (r() < 0.6 ? 1 : 0));
  const teacherC = Uint8Array.from({ length: n }, () => 1);
  const models = [model('t', 'teacher'), model('s', 'student', 't'), model('c', 'control', 's')];
  const correct = new Map([
    ['t', teacherC],
    ['s', studentC],
    ['c', controlC],
  ]);
  const acc = compareModels(models, [], correct, 11).filter((c) => c.metric === 'accuracy');
  assert.equal(acc.length, 1, 'the student, which names its teacher in pairedWith, is not a control');
  assert.equal(acc[0].a, 's');
  assert.equal(acc[0].b, 'c');
  const sum = (u: Uint8Array) => u.reduce((x, v) => x + v, 0);
  assert.equal(acc[0].estimate, (sum(studentC) - sum(controlC)) / n);
  assert.equal(acc[0].n, n);
  const diff = (seed: number) => bootstrapPairedMeanDiffCI(Array.from(studentC), Array.from(controlC), { seed });
  const expected = diff(deriveSeed(11, 'acc:c'));
  for (const w of [0, deriveSeed(11, ''), deriveSeed(12, 'acc:c')]) assert.notDeepEqual(diff(w), expected, `seed ${w}`);
  assert.deepEqual(acc[0].ci95, expected);
  // The student's or the control's correctness is missing: no comparison, no crash.
  for (const only of ['c', 's'])
    assert.deepEqual(
      compareModels(models, [], new Map([[only, correct.get(only)!]]), 11).filter((c) => c.metric === 'accuracy'),
      [],
    );
});

test('an accuracy difference whose interval includes 0 carries the warning', () => {
  const a = Uint8Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 0 : 1));
  const b = Uint8Array.from({ length: 30 }, (_, i) => (i % 3 === 1 ? 0 : 1));
  const [acc] = compareModels(
    [model('s', 'student'), model('c', 'control', 's')],
    [],
    new Map([
      ['s', a],
      ['c', b],
    ]),
    2,
  );
  assert.equal(acc.estimate, 0);
  assert.ok(acc.ci95 && acc.ci95[0] < 0 && acc.ci95[1] > 0, `${acc.ci95}`);
  assert.match(acc.warning ?? '', /^the 95 % interval \[-0\.\d+, 0\.\d+\] includes 0: no difference is shown$/);
});

test('minimum sizes: two values give an interval, one value gives [NaN, NaN] on either side of a ratio', () => {
  const two = bootstrapMedianCI([3, 7], { seed: 4 });
  assert.ok(two.every(Number.isFinite), `${two}`);
  assert.ok(two[0] >= 3 && two[1] <= 7 && two[0] < two[1], `${two}`);
  const one = bootstrapMedianCI([3], { seed: 4 });
  assert.equal(one.length, 2);
  assert.ok(Number.isNaN(one[0]) && Number.isNaN(one[1]));
  const r2 = bootstrapRatioCI([2, 4], [1, 2], { seed: 4 });
  assert.ok(r2.every(Number.isFinite) && r2[0] >= 1 && r2[1] <= 4 && r2[0] < r2[1], `${r2}`);
  for (const [a, b] of [
    [[1], [2, 3, 4]],
    [[5, 5, 5], [1]],
    [[1], [2]],
  ]) {
    const ci = bootstrapRatioCI(a, b, { seed: 4 });
    assert.equal(ci.length, 2);
    assert.ok(Number.isNaN(ci[0]) && Number.isNaN(ci[1]), `${a} / ${b}: ${ci}`);
  }
});

test('paired samples: mismatched lengths and labels are refused', () => {
  assert.throws(() => bootstrapPairedMeanDiffCI([1, 0, 1], [1, 1], { seed: 1 }), /^Error: paired samples must have the same length$/);
  assert.throws(
    () => bootstrapPairedMeanDiffCI([1, 0, 1], [1, 1, 0], { seed: 1, clusters: ['x', 'y'] }),
    /^Error: one cluster label per observation$/,
  );
});

/**
 * Reference cluster bootstrap, written from the definition: draw m clusters with replacement (one uniform draw
 * per cluster, from the same mulberry32 stream), pool every observation of the drawn clusters, take the mean
 * difference; the interval is the 2.5 % and 97.5 % quantiles of the finite means.
 */
function referenceClusterCI(a: number[], b: number[], labels: string[], seed: number, resamples = 2000): [number, number] {
  const names = [...new Set(labels)];
  const members = names.map((n) => labels.flatMap((l, i) => (l === n ? [i] : [])));
  if (names.length < 2) return [NaN, NaN];
  const rand = rng(seed);
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const pooled: number[] = [];
    for (let j = 0; j < names.length; j++) pooled.push(...members[Math.floor(rand() * names.length)]);
    means.push(pooled.reduce((s, i) => s + a[i] - b[i], 0) / pooled.length);
  }
  const sorted = means.filter(Number.isFinite).sort((x, y) => x - y);
  return [quantileSorted(sorted, 0.025), quantileSorted(sorted, 0.975)];
}

test('the cluster bootstrap matches a reference implementation, for unequal clusters and for two clusters', () => {
  // Five texts of 1, 2, 3, 4 and 6 passages with different error rates.
  const sizes = [1, 2, 3, 4, 6];
  const labels = sizes.flatMap((k, t) => Array.from({ length: k }, () => `text${t}`));
  const r = rng(17);
  const a = labels.map(() => (r() < 0.8 ? 1 : 0));
  const b = labels.map(() => (r() < 0.6 ? 1 : 0));
  for (const seed of [1, 2, 3]) {
    const got = bootstrapPairedMeanDiffCI(a, b, { seed, clusters: labels });
    assert.deepEqual(got, referenceClusterCI(a, b, labels, seed));
  }
  // Without labels every observation is its own cluster.
  const own = labels.map((_, i) => String(i));
  assert.deepEqual(bootstrapPairedMeanDiffCI(a, b, { seed: 5 }), referenceClusterCI(a, b, own, 5));
  // Two clusters are enough: one of 3 passages all right vs wrong, one of 1 passage with no difference.
  const two = bootstrapPairedMeanDiffCI([1, 1, 1, 1], [0, 0, 0, 1], { seed: 8, clusters: ['p', 'p', 'p', 'q'] });
  assert.deepEqual(two, referenceClusterCI([1, 1, 1, 1], [0, 0, 0, 1], ['p', 'p', 'p', 'q'], 8));
  assert.deepEqual(two, [0, 1]);
  const one = bootstrapPairedMeanDiffCI([1, 1], [0, 1], { seed: 8, clusters: ['p', 'p'] });
  assert.equal(one.length, 2);
  assert.ok(Number.isNaN(one[0]) && Number.isNaN(one[1]));
});

test('an interval that ends exactly at the neutral value includes it; large bounds are printed without decimals', () => {
  assert.equal(intervalWarning([-0.2, 0], -0.1, 0), 'the 95 % interval [-0.200, 0.00] includes 0: no difference is shown');
  assert.match(intervalWarning([0.5, 1], 0.8, 1) ?? '', /^the 95 % interval \[0\.500, 1\.00\] includes 1/);
  assert.match(intervalWarning([0.5, 1234.5], 600, 1) ?? '', /^the 95 % interval \[0\.500, 1235\] includes 1/);
  assert.match(intervalWarning([-1234.5, 10], 0, 0) ?? '', /^the 95 % interval \[-1235, 10\.0\] includes 0/);
});

test('an accuracy difference on a single test example has no interval and says why', () => {
  const [acc] = compareModels(
    [model('s', 'student'), model('c', 'control', 's')],
    [],
    new Map([
      ['s', Uint8Array.of(1)],
      ['c', Uint8Array.of(0)],
    ]),
    2,
  );
  assert.equal(acc.estimate, 1);
  assert.equal(acc.ci95, undefined);
  assert.equal(acc.n, 1);
  assert.equal(acc.warning, 'no confidence interval: fewer than 2 repeats (use --repeats 5 or more)');
});
