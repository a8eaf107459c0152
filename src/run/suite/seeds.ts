/**
 * Training seeds (suite.trainSeeds): each trainable student and control is trained again with seeds
 * 2..N, each repeat in its own phase seed-training:NAME:sK (training and evaluation on the test split),
 * then disposed. Only the first model is kept, benchmarked and saved; the repeats feed the accuracy
 * interval against the control (benchmark/aggregate.ts), so that it includes training variance. Their
 * energy is the price of the statistics, not of the student: the break-even leaves them out.
 */
import { accuracy, argmaxRows, macroF1 } from '../../distillation/metrics.js';
import { predictLogits } from '../../distillation/train.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';

export function trainSeeds(s: SuiteStepContext): number {
  return Math.max(1, s.suite.trainSeeds ?? 1);
}

/** Trains `k` (1-based repeat index >= 1) in its phase via `trainOne`, evaluates it, disposes it. */
export async function seedRepeats(
  s: SuiteStepContext,
  d: SuiteData,
  name: string,
  trainOne: (seedIndex: number, phase: string) => Promise<Trained>,
): Promise<NonNullable<Trained['seedRepeats']>> {
  const out: NonNullable<Trained['seedRepeats']> = [];
  const { test } = d.data;
  for (let k = 1; k < trainSeeds(s); k++) {
    const phase = `seed-training:${name}:s${k + 1}`;
    await s.run.phase(phase, name);
    const t = await trainOne(k, phase);
    const pred = argmaxRows(await predictLogits(t.model, test, 128), d.shape.classes);
    const acc = accuracy(pred, test.labels);
    out.push({
      phase,
      correct: Uint8Array.from(pred, (p, i) => (p === test.labels[i] ? 1 : 0)),
      accuracy: acc,
      macroF1: macroF1(pred, test.labels, d.shape.classes),
    });
    s.run.progress.log(`${name} (seed ${k + 1} of ${trainSeeds(s)}): accuracy ${(acc * 100).toFixed(2)} %`);
    t.model.dispose();
    s.run.check();
  }
  return out;
}
