/** Step: the teacher, trained (phase teacher-training) or loaded from a saved model (--teacher, or kind "saved" in the suite). */
import { resolve } from 'node:path';
import { loadModel, trainModel } from './models.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';

export async function teacherStep(s: SuiteStepContext, d: SuiteData, opts: { teacherPath?: string }): Promise<Trained> {
  const spec = s.suite.teacher;
  const base = { name: spec.name, role: 'teacher' as const, spec };
  const teacher = opts.teacherPath
    ? await loadModel(s, d, { ...base, path: opts.teacherPath })
    : spec.kind === 'saved'
      ? await loadModel(s, d, { ...base, path: resolve(s.suiteDir, spec.path) })
      : await trainModel(s, d, { ...base, spec, phase: 'teacher-training' });
  s.run.check();
  return teacher;
}
