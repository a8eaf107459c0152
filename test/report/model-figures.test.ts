/** The per-model figures every report table is drawn from: which inference row, which ratios, what is unknown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  commonBatch,
  comparisonsOf,
  estimatedDevices,
  estimateTag,
  latencyInference,
  modelFigures,
  referenceInference,
  teacherOf,
} from '../../src/report/metrics.js';
import { handRun } from '../fixtures/runs/hand-run.js';
import type { InferenceRecord, RunJson } from '../../src/core/contract.js';

const close = (a: number | undefined, b: number) =>
  assert.ok(a !== undefined && Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${a} != ${b}`);

function withRows(rows: [string, number, number, number?][]): RunJson {
  const run = handRun();
  const base = run.inference[0];
  run.inference = rows.map(([model, batchSize, energyJPer1000, inferences = 1000]): InferenceRecord => ({
    ...base,
    model,
    batchSize,
    inferences,
    phase: `inference:${model}:b${batchSize}`,
    energyJPer1000,
    energyJ: (energyJPer1000 * inferences) / 1000,
    uncertaintyJ: 0.1 * energyJPer1000,
    gCO2ePer1000: energyJPer1000 / 1000,
    latencyMsP50: batchSize,
  }));
  return run;
}

test("the common batch is the largest every model ran; the reference row is that batch, else the model's largest", () => {
  const run = withRows([
    ['teacher', 1, 10],
    ['teacher', 8, 8],
    ['teacher', 32, 6],
    ['student-a', 8, 3],
    ['student-a', 32, 2],
    ['student-b', 1, 9],
    ['student-b', 8, 7],
    ['student-b', 32, 5],
  ]);
  assert.equal(commonBatch(run), 32);
  assert.equal(referenceInference(run, 'student-a')?.batchSize, 32);
  assert.equal(latencyInference(run, 'student-b')?.batchSize, 1);
  assert.equal(latencyInference(run, 'student-a')?.batchSize, 8);
  const noCommon = withRows([
    ['teacher', 1, 10],
    ['teacher', 4, 9],
    ['student-a', 8, 3],
    ['student-a', 2, 4],
  ]);
  assert.equal(commonBatch(noCommon), undefined);
  assert.equal(referenceInference(noCommon, 'student-a')?.batchSize, 8);
  assert.equal(referenceInference(noCommon, 'teacher')?.batchSize, 4);
  assert.equal(commonBatch(withRows([])), undefined);
  // Two models share batch 2, the third ran only batch 4: nothing is common to all three.
  assert.equal(
    commonBatch(
      withRows([
        ['teacher', 2, 10],
        ['student-a', 2, 3],
        ['student-b', 4, 5],
      ]),
    ),
    undefined,
  );
  // The common batch wins over a model's own larger one; latency takes the smallest batch whatever the row order.
  const larger = withRows([
    ['student-a', 64, 1],
    ['teacher', 8, 8],
    ['student-a', 8, 3],
  ]);
  assert.equal(referenceInference(larger, 'student-a')?.batchSize, 8);
  assert.equal(latencyInference(larger, 'student-a')?.batchSize, 8);
  const unsorted = withRows([
    ['teacher', 32, 6],
    ['teacher', 4, 9],
    ['teacher', 16, 7],
  ]);
  assert.equal(latencyInference(unsorted, 'teacher')?.batchSize, 4);
  assert.equal(referenceInference(unsorted, 'teacher')?.batchSize, 32);
  assert.equal(referenceInference(withRows([]), 'teacher'), undefined);
  // A row without inferences is never the reference.
  const empty = withRows([
    ['teacher', 8, 8],
    ['teacher', 32, 6, 0],
    ['student-a', 8, 3],
    ['student-a', 32, 2],
  ]);
  assert.equal(referenceInference(empty, 'teacher')?.batchSize, 8);
});

test('model figures: energy per 1,000 and its bound, ratios to the teacher only at the same batch size', () => {
  const figs = modelFigures(
    withRows([
      ['teacher', 8, 8],
      ['student-a', 8, 2],
      ['student-b', 4, 1],
    ]),
  );
  const [t, a, b] = figs;
  close(t.energyJPer1000, 8);
  close(t.energyUncertaintyJPer1000, 0.8);
  close(t.energyVsTeacher, 1);
  close(a.energyVsTeacher, 0.25);
  close(a.gCO2eVsTeacher, 0.25);
  close(a.gCO2ePer1000, 0.002);
  close(a.accuracyVsTeacher, 0.855 / 0.9);
  assert.equal(a.inf?.batchSize, 8);
  assert.equal(a.latency?.batchSize, 8);
  assert.equal(b.energyVsTeacher, undefined, 'batch 4 against batch 8 is not a ratio');
  assert.equal(b.gCO2eVsTeacher, undefined);
  close(b.energyJPer1000, 1);
  assert.equal(figs.length, 3);
  assert.equal(t.model.name, 'teacher');
});

test('unknown is never zero: null figures stay undefined, and so do ratios to a zero or unknown teacher figure', () => {
  const run = withRows([
    ['teacher', 8, 8],
    ['student-a', 8, 2],
    ['student-b', 8, 1],
  ]);
  (run.inference[1] as unknown as Record<string, unknown>).energyJPer1000 = null;
  (run.inference[1] as unknown as Record<string, unknown>).uncertaintyJ = null;
  (run.models[2] as unknown as Record<string, unknown>).accuracy = null;
  const [, a, b] = modelFigures(run);
  assert.equal(a.energyJPer1000, undefined);
  assert.equal(a.energyVsTeacher, undefined);
  assert.equal(a.energyUncertaintyJPer1000, undefined);
  close(a.gCO2eVsTeacher, 0.25);
  assert.equal(b.accuracyVsTeacher, undefined);
  const zero = withRows([
    ['teacher', 8, 0],
    ['student-a', 8, 2],
  ]);
  zero.models[0].accuracy = 0;
  const [, za] = modelFigures(zero);
  assert.equal(za.energyVsTeacher, undefined);
  assert.equal(za.accuracyVsTeacher, undefined);
  // A negative teacher figure (a corrupt run.json) gives no ratio rather than a negative one.
  const negative = withRows([
    ['teacher', 8, -8],
    ['student-a', 8, 2],
  ]);
  assert.equal(modelFigures(negative)[1].energyVsTeacher, undefined);
  const noTeacher = handRun();
  noTeacher.models = noTeacher.models.filter((m) => m.role !== 'teacher');
  assert.equal(teacherOf(noTeacher), undefined);
  for (const f of modelFigures(noTeacher)) {
    assert.equal(f.accuracyVsTeacher, undefined);
    assert.equal(f.energyVsTeacher, undefined);
  }
  const noInf = handRun();
  noInf.inference[1] = { ...noInf.inference[1], inferences: 0 };
  assert.equal(modelFigures(noInf)[1].energyUncertaintyJPer1000, undefined);
});

test('estimate tags: none, partly (naming the devices) or all', () => {
  const run = handRun();
  assert.deepEqual(estimatedDevices(run), ['dram']);
  assert.equal(estimateTag(run), ', partly ESTIMATED (dram)');
  run.meter.domains[0].method = 'estimated';
  assert.equal(estimateTag(run), ', partly ESTIMATED (cpu, dram)');
  for (const d of run.meter.domains) d.method = 'estimated';
  assert.equal(estimateTag(run), ', ESTIMATED');
  for (const d of run.meter.domains) d.method = 'counter';
  assert.equal(estimateTag(run), '');
  assert.deepEqual(estimatedDevices(run), []);
});

test('comparisons are read only from an array', () => {
  const run = handRun();
  assert.deepEqual(comparisonsOf(run), []);
  (run as unknown as Record<string, unknown>).comparisons = { not: 'an array' };
  assert.deepEqual(comparisonsOf(run), []);
  const c = [{ metric: 'accuracy', kind: 'difference', a: 'x', b: 'y', estimate: 0.1, n: 10 }];
  (run as unknown as Record<string, unknown>).comparisons = c;
  assert.deepEqual(comparisonsOf(run), c);
});
