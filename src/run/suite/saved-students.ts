/** Step: the students the suite names as saved models, loaded (phase loading:NAME); they get no control. */
import { resolve } from 'node:path';
import { loadModel } from './models.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';

export async function savedStudentsStep(s: SuiteStepContext, d: SuiteData): Promise<Trained[]> {
  const out: Trained[] = [];
  for (const spec of s.suite.students)
    if (spec.kind === 'saved')
      out.push(await loadModel(s, d, { path: resolve(s.suiteDir, spec.path), name: spec.name, role: 'student', spec }));
  return out;
}
