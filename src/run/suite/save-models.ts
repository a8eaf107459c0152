/** Step: save every model in the run directory, tfjs weights format (phase saving-models); reuse a teacher with --teacher. */
import { statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ModelRecord } from '../../core/contract.js';
import { saveModel } from '../../distillation/models/io.js';
import { asWriteError } from '../../core/files.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';

export async function saveModelsStep(s: SuiteStepContext, d: SuiteData, models: Trained[], records: ModelRecord[]): Promise<void> {
  const { run, suite } = s;
  await run.phase('saving-models');
  for (const m of models) {
    const dir = join(run.dir, 'models', m.model.name);
    try {
      await saveModel(m.model, dir, d.input, { ...m.training, role: m.role, suite: suite.name, seed: suite.seed, quick: s.quick });
    } catch (e) {
      // A full disk or a read-only folder: say which model folder, without a stack.
      throw asWriteError(e, dir);
    }
    const r = records.find((x) => x.name === m.model.name);
    if (r) {
      r.savedTo = relative(run.dir, dir);
      r.sizeBytes = statSync(join(dir, 'weights.bin')).size;
    }
  }
  const teacher = models.find((m) => m.role === 'teacher');
  run.progress.log(
    `models saved under ${join(run.dir, 'models')} (tfjs weights format${teacher ? `; reuse a teacher with --teacher ${join(run.dir, 'models', teacher.model.name)}` : ''})`,
  );
}
