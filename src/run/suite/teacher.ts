/** Step: the teacher, trained (phase teacher-training) or loaded from a saved model (--teacher, or kind "saved" in the suite). */
import { resolve } from 'node:path';
import { isTrainable } from '../../suites/types.js';
import { loadModel, trainModel } from './models.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';

export async function teacherStep(s: SuiteStepContext, d: SuiteData, opts: { teacherPath?: string }): Promise<Trained> {
  const spec = s.suite.teacher;
  const base = { name: spec.name, role: 'teacher' as const, spec };
  let teacher: Trained;
  if (opts.teacherPath) teacher = await loadModel(s, d, { ...base, path: opts.teacherPath });
  else if (isTrainable(spec)) teacher = await trainModel(s, d, { ...base, spec, phase: 'teacher-training' });
  else if (spec.kind === 'saved') teacher = await loadModel(s, d, { ...base, path: resolve(s.suiteDir, spec.path) });
  else throw new Error(`teacher "${spec.name}" (kind "${spec.kind}") is not a TensorFlow.js model (own-steps.ts runs it)`);
  s.run.check();
  return teacher;
}
