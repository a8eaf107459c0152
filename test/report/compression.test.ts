/** The method comparison and the accuracy budget, on the hand-written run (round numbers checked by hand). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompressionRecord, RunJson } from '../../src/core/contract.js';
import {
  bestOptions,
  budgetOf,
  DEFAULT_MAX_ACCURACY_DROP,
  methodBreakEven,
  methodRows,
  parseAccuracyDrop,
} from '../../src/report/compression.js';
import { paretoPoints } from '../../src/report/charts/pareto.js';
import { breakEvens } from '../../src/report/breakeven.js';
import { buildReport } from '../../src/report/build.js';
import { handRun } from '../fixtures/runs/hand-run.js';

const record = (over: Partial<CompressionRecord>): CompressionRecord => ({
  method: 'distillation',
  steps: ['distillation'],
  from: 'teacher',
  root: 'teacher',
  runtime: 'tfjs',
  honestCompute: { changesArithmetic: true, saves: ['disk', 'memory', 'arithmetic'], note: 'a smaller model' },
  productionPhases: [],
  ...over,
});

/** The hand run with student-a distilled (3 J / 1,000, -0.5 points) and student-b "quantized" (9 J / 1,000, 0 points). */
function compressedRun(): RunJson {
  const run = handRun();
  run.models = run.models.map((m) =>
    m.name === 'student-a'
      ? {
          ...m,
          compression: record({
            productionPhases: ['distillation:student-a'],
            accuracyChange: { vs: 'teacher', estimate: -0.005, ci95: [-0.02, 0.01], n: 1000 },
          }),
        }
      : m.name === 'student-b'
        ? {
            ...m,
            compression: record({
              method: 'quantization',
              steps: ['quantization (dynamic-int8)'],
              honestCompute: { changesArithmetic: false, saves: ['disk'], note: 'tfjs dequantizes int8 weights to fp32' },
              productionPhases: ['distillation:student-b'],
              accuracyChange: { vs: 'teacher', estimate: 0, n: 1000 },
            }),
          }
        : m,
  );
  return run;
}

test('--max-accuracy-drop: points, percent or a fraction; anything else a UserError naming the flag', () => {
  assert.equal(parseAccuracyDrop('1pt'), 0.01);
  assert.equal(parseAccuracyDrop('0.5%'), 0.005);
  assert.equal(parseAccuracyDrop('2 points'), 0.02);
  assert.equal(parseAccuracyDrop('0.01'), 0.01);
  assert.equal(parseAccuracyDrop('0'), 0);
  for (const bad of ['', 'one', '-1pt', '150pt', '2', '1pt2'])
    assert.throws(
      () => parseAccuracyDrop(bad),
      (e: Error) => e.name === 'UserError' && /--max-accuracy-drop/.test(e.message),
      bad,
    );
  assert.equal(budgetOf(handRun()).maxDrop, DEFAULT_MAX_ACCURACY_DROP);
  assert.equal(budgetOf({ ...handRun(), reportSettings: { maxAccuracyDrop: 0.03 } }).maxDrop, 0.03);
  assert.equal(budgetOf({ ...handRun(), reportSettings: { maxAccuracyDrop: 0.03 } }, 0.002).maxDrop, 0.002);
});

test('method rows: production energy of the chain (with the shared teacher logits for distillation) and break-even by hand', () => {
  const run = compressedRun();
  const rows = methodRows(run);
  assert.deepEqual(
    rows.map((r) => r.model.name),
    ['student-a', 'student-b'],
  );
  // student-a: teacher-logits 20 J + distillation:student-a 30 J = 50 J; saves 0.008 - 0.003 J per inference -> 10,000.
  assert.equal(rows[0].productionJ, 50);
  assert.equal(Math.round(methodBreakEven(rows[0], 8)!), 10_000);
  // student-b "quantization": its own phase only (5 J), and it costs more per inference: never pays back.
  assert.equal(rows[1].productionJ, 5);
  assert.equal(methodBreakEven(rows[1], 8), null);
  assert.deepEqual(rows[0].batches, [{ batchSize: 8, energyJPer1000: 3, gCO2ePer1000: rows[0].batches[0].gCO2ePer1000, rootJPer1000: 8 }]);
  assert.deepEqual(
    breakEvens(run).map((b) => b.distillationJ),
    [50, 5],
  );
});

test('the best option follows the budget, and is named only when it is cheaper than the teacher', () => {
  const run = compressedRun();
  assert.equal(bestOptions(run, { maxDrop: 0.01, source: '' })[0].best?.model.name, 'student-a');
  const strict = bestOptions(run, { maxDrop: 0.001, source: '' })[0];
  assert.equal(strict.best, undefined, 'student-b is within 0.1 point but costs more than the teacher');
  assert.deepEqual(
    strict.within.map((r) => r.model.name),
    ['student-b'],
  );
  assert.deepEqual(
    strict.over.map((r) => r.model.name),
    ['student-a'],
  );
  const md = buildReport(run, { rows: [], problems: [] } as never, { maxAccuracyDrop: 0.001 }).blocks;
  const text = JSON.stringify(md);
  assert.match(text, /Best compression option within 0.1 points of accuracy/);
  assert.match(text, /no option within the budget is cheaper per inference than the teacher/);
  assert.match(text, /Compression methods side by side/);
  assert.match(text, /student-b\*?\*?.*changes the arithmetic: NO; tfjs dequantizes int8 weights to fp32/);
});

test('Pareto points are grouped by method in a run with compression, by role otherwise', () => {
  assert.deepEqual(
    paretoPoints(handRun()).map((p) => p.group),
    paretoPoints(handRun()).map((p) => p.role),
  );
  const groups = new Map(paretoPoints(compressedRun()).map((p) => [p.name, p.group]));
  assert.equal(groups.get('teacher'), 'teacher');
  assert.equal(groups.get('student-a'), 'distillation');
  assert.equal(groups.get('student-b'), 'quantization');
});
