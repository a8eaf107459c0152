/**
 * Step: evaluate every model on the test split (phase evaluation): accuracy and macro-F1 into run.json
 * as each model is done, and which test examples each model got right (for the paired accuracy comparisons).
 */
import type { ModelRecord } from '../../core/contract.js';
import { accuracy, argmaxRows, macroF1 } from '../../distillation/metrics.js';
import { predictLogits } from '../../distillation/train.js';
import type { Correctness, SeedCorrectness } from '../../benchmark/aggregate.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';

/** Adds to `correct` (shared with the finalisation, so that a run stopped half-way still compares what was evaluated). */
export async function evaluateStep(
  s: SuiteStepContext,
  d: SuiteData,
  models: Trained[],
  correct: Correctness,
  seedCorrect?: SeedCorrectness,
): Promise<ModelRecord[]> {
  const { run } = s;
  const { test } = d.data;
  await run.phase('evaluation');
  const records: ModelRecord[] = [];
  for (const m of models) {
    const logits = await predictLogits(m.model, test, 128);
    const pred = argmaxRows(logits, d.shape.classes);
    correct.set(
      m.model.name,
      Uint8Array.from(pred, (p, i) => (p === test.labels[i] ? 1 : 0)),
    );
    const acc = accuracy(pred, test.labels);
    const f1 = macroF1(pred, test.labels, d.shape.classes);
    const reps = m.seedRepeats ?? [];
    if (reps.length && seedCorrect) seedCorrect.set(m.model.name, [correct.get(m.model.name)!, ...reps.map((r) => r.correct)]);
    const rec: ModelRecord = {
      name: m.model.name,
      role: m.role,
      kind: m.model.kind,
      params: m.model.paramCount(),
      accuracy: acc,
      macroF1: f1,
      ...(m.pairedWith ? { pairedWith: m.pairedWith } : {}),
      architecture: m.model.architecture,
      training: m.training,
      ...(m.reusedFrom ? { reusedFrom: m.reusedFrom } : {}),
      ...(m.controlKind ? { controlKind: m.controlKind } : {}),
      ...(m.initLayers ? { initFromTeacherLayers: m.initLayers } : {}),
      ...(reps.length
        ? {
            trainSeeds: {
              n: reps.length + 1,
              accuracies: [acc, ...reps.map((r) => r.accuracy)],
              macroF1s: [f1, ...reps.map((r) => r.macroF1)],
              phases: reps.map((r) => r.phase),
            },
          }
        : {}),
    };
    run.records.models.push(rec);
    records.push(rec);
    const seedsNote = rec.trainSeeds
      ? ` (mean of ${rec.trainSeeds.n} seeds ${((rec.trainSeeds.accuracies.reduce((a, b) => a + b, 0) / rec.trainSeeds.n) * 100).toFixed(2)} %)`
      : '';
    run.progress.log(
      `${rec.name} (${rec.role}): accuracy ${(rec.accuracy * 100).toFixed(2)} %${seedsNote}, macro-F1 ${rec.macroF1.toFixed(4)}, ${rec.params.toLocaleString('en-US')} params`,
    );
    run.check();
  }
  return records;
}
