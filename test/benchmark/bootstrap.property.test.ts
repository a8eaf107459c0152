/** Properties every bootstrap interval in a report relies on, for any data (fast-check). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bootstrapMedianCI, bootstrapPairedMeanDiffCI, bootstrapRatioCI, median } from '../../src/benchmark/stats.js';

const RUNS = { numRuns: 60, seed: 20260115 };
const EPS = 1e-9;
const value = fc.double({ min: 0.01, max: 1000, noNaN: true, noDefaultInfinity: true });
const sample = fc.array(value, { minLength: 2, maxLength: 30 });
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const contains = ([lo, hi]: [number, number], x: number) => lo - EPS * Math.abs(x) <= x && x <= hi + EPS * Math.abs(x);
const repeat = <T>(xs: readonly T[], k: number): T[] => Array.from({ length: k }, () => xs).flat();

test('the median interval contains the sample median and lies inside the data', () => {
  fc.assert(
    fc.property(sample, seed, (xs, s) => {
      const ci = bootstrapMedianCI(xs, { seed: s, resamples: 400 });
      assert.ok(contains(ci, median(xs)), `${ci} vs ${median(xs)}`);
      assert.ok(ci[0] >= Math.min(...xs) && ci[1] <= Math.max(...xs));
    }),
    RUNS,
  );
});

test('the ratio interval contains median(a) / median(b)', () => {
  fc.assert(
    fc.property(sample, sample, seed, (a, b, s) => {
      const ci = bootstrapRatioCI(a, b, { seed: s, resamples: 400 });
      assert.ok(contains(ci, median(a) / median(b)), `${ci} vs ${median(a) / median(b)}`);
      assert.ok(ci[0] <= ci[1]);
    }),
    RUNS,
  );
});

const outcomes = fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })), { minLength: 4, maxLength: 60 });

test('the paired difference interval contains the observed difference, with or without clusters', () => {
  fc.assert(
    fc.property(outcomes, fc.integer({ min: 2, max: 8 }), seed, (pairs, groups, s) => {
      const a = pairs.map((p) => p[0]);
      const b = pairs.map((p) => p[1]);
      const diff = a.reduce((x, v, i) => x + v - b[i], 0) / a.length;
      assert.ok(contains(bootstrapPairedMeanDiffCI(a, b, { seed: s, resamples: 400 }), diff));
      const clusters = a.map((_, i) => `g${i % groups}`);
      assert.ok(contains(bootstrapPairedMeanDiffCI(a, b, { seed: s, resamples: 400, clusters }), diff));
    }),
    RUNS,
  );
});

test('intervals widen as data shrink: the same data four times over give an interval no wider', () => {
  fc.assert(
    fc.property(outcomes, seed, (pairs, s) => {
      const a = pairs.map((p) => p[0]);
      const b = pairs.map((p) => p[1]);
      const small = bootstrapPairedMeanDiffCI(a, b, { seed: s });
      const big = bootstrapPairedMeanDiffCI(repeat(a, 4), repeat(b, 4), { seed: s });
      assert.ok(big[1] - big[0] <= small[1] - small[0] + 1e-12, `n=${a.length}: ${small} vs x4 ${big}`);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(fc.array(value, { minLength: 8, maxLength: 30 }), seed, (xs, s) => {
      fc.pre(new Set(xs).size >= 4);
      const small = bootstrapMedianCI(xs, { seed: s });
      const big = bootstrapMedianCI(repeat(xs, 9), { seed: s });
      assert.ok(big[1] - big[0] <= small[1] - small[0] + 1e-9, `${small} vs x9 ${big}`);
    }),
    RUNS,
  );
});

test('a difference that exists everywhere is shown; none at all gives a point at 0', () => {
  fc.assert(
    fc.property(fc.integer({ min: 5, max: 80 }), seed, (n, s) => {
      const ones = Array.from({ length: n }, () => 1);
      const zeros = Array.from({ length: n }, () => 0);
      assert.deepEqual(bootstrapPairedMeanDiffCI(ones, zeros, { seed: s, resamples: 200 }), [1, 1]);
      assert.deepEqual(bootstrapPairedMeanDiffCI(zeros, zeros, { seed: s, resamples: 200 }), [0, 0]);
    }),
    RUNS,
  );
});
