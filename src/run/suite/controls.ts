/** Step: each distilled student's control, the same model trained without the teacher (phase control-training:NAME-control). */
import { isTrainable } from '../../suites/types.js';
import { trainModel } from './models.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';

export async function controlsStep(s: SuiteStepContext, d: SuiteData, students: Trained[]): Promise<Trained[]> {
  const controls: Trained[] = [];
  for (const st of students) {
    if (!isTrainable(st.spec)) continue;
    const name = `${st.spec.name}-control`;
    const c = await trainModel(s, d, { spec: st.spec, name, role: 'control', phase: `control-training:${name}` });
    controls.push({ ...c, pairedWith: st.spec.name });
  }
  return controls;
}
