/** The split is stratified, disjoint and complete for any label distribution, with or without groups (fast-check). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stratifiedSample, stratifiedSplit } from '../../src/distillation/data/split.js';
import type { Example } from '../../src/distillation/data/types.js';

const RUNS = { numRuns: 120, seed: 20260115 };
const labels = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 300 });
const fraction = fc.double({ min: 0.05, max: 0.95, noNaN: true });
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const examples = (ls: number[]): Example[] => ls.map((label, i) => ({ id: `e${i}`, text: `text ${i}`, label }));
const count = (xs: Example[], label: number) => xs.filter((e) => e.label === label).length;

test('ungrouped: disjoint, complete, and round(n x fraction) of every class in test', () => {
  fc.assert(
    fc.property(labels, fraction, seed, (ls, f, s) => {
      const all = examples(ls);
      const { train, test: held } = stratifiedSplit(all, f, s);
      const ids = new Set(train.map((e) => e.id));
      for (const e of held) assert.ok(!ids.has(e.id), `${e.id} on both sides`);
      assert.deepEqual([...train, ...held].map((e) => e.id).sort(), all.map((e) => e.id).sort());
      for (const label of new Set(ls)) assert.equal(count(held, label), Math.round(count(all, label) * f), `class ${label}`);
      // Deterministic and independent of input order.
      assert.deepEqual(
        stratifiedSplit([...all].reverse(), f, s).test.map((e) => e.id),
        held.map((e) => e.id),
      );
    }),
    RUNS,
  );
});

test('grouped: no group on both sides, complete, and every class with 2+ groups on both sides', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 6 })), { minLength: 1, maxLength: 60 }),
      fraction,
      seed,
      (groups, f, s) => {
        // Group g has label groups[g][0] and groups[g][1] examples.
        const all: Example[] = groups.flatMap(([label, n], g) =>
          Array.from({ length: n }, (_, k) => ({ id: `g${g}/${k}`, text: '', label, group: `g${g}` })),
        );
        const { train, test: held } = stratifiedSplit(all, f, s);
        const trainGroups = new Set(train.map((e) => e.group));
        for (const e of held) assert.ok(!trainGroups.has(e.group), `group ${e.group} on both sides`);
        assert.equal(train.length + held.length, all.length);
        assert.equal(new Set([...train, ...held].map((e) => e.id)).size, all.length);
        for (const label of new Set(groups.map((g) => g[0]))) {
          const nGroups = groups.filter((g) => g[0] === label).length;
          const inTest = new Set(held.filter((e) => e.label === label).map((e) => e.group)).size;
          if (nGroups >= 2) assert.ok(inTest >= 1 && inTest <= nGroups - 1, `class ${label}: ${inTest} of ${nGroups} groups in test`);
          else assert.equal(inTest, Math.round(nGroups * f));
        }
      },
    ),
    RUNS,
  );
});

test('a stratified sample has exactly the size asked for, from the input, with class counts within one of their share', () => {
  fc.assert(
    fc.property(labels, fc.integer({ min: 1, max: 300 }), seed, (ls, max, s) => {
      const all = examples(ls);
      const sample = stratifiedSample(all, max, s);
      assert.equal(sample.length, Math.min(max, all.length));
      assert.equal(new Set(sample.map((e) => e.id)).size, sample.length);
      for (const label of new Set(ls)) {
        const share = (count(all, label) * Math.min(max, all.length)) / all.length;
        assert.ok(Math.abs(count(sample, label) - share) < 1 + 1e-9, `class ${label}: ${count(sample, label)} for a share of ${share}`);
      }
    }),
    RUNS,
  );
});
