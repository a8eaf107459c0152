/**
 * Step: each distilled student's controls, trained on the labelled examples without the teacher's
 * outputs: NAME-control (same architecture from scratch) and, where the student's `controls` ask for it,
 * NAME-control-init (the student's teacher-layer initialisation, labels only), so that the report separates
 * what the initialisation from the teacher brings from what its soft targets bring. A control takes as many
 * optimizer steps as its student (more epochs where it has fewer examples: the labelled ones without the
 * transfer set). Phases control-training:NAME-control[-init].
 */
import { isTrainable } from '../../suites/types.js';
import type { ControlKind } from '../../distillation/models/types.js';
import type { TextClassifier } from '../../distillation/models/types.js';
import { trainModel } from './models.js';
import { seedRepeats } from './seeds.js';
import { initTeacher } from './distil.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';

export const CONTROL_SUFFIX: Record<ControlKind, string> = { scratch: '-control', 'teacher-init': '-control-init' };

/** Epochs over `n` examples that take at least `steps` optimizer steps (the student's). */
export function matchedEpochs(steps: number, n: number, batchSize: number): number {
  return Math.max(1, Math.ceil(steps / Math.max(1, Math.ceil(n / batchSize))));
}

export async function controlsStep(s: SuiteStepContext, d: SuiteData, students: Trained[], teacher?: TextClassifier): Promise<Trained[]> {
  const controls: Trained[] = [];
  for (const st of students) {
    if (!isTrainable(st.spec)) continue;
    const spec = st.spec;
    const kinds: ControlKind[] = spec.kind === 'transformer' ? (spec.controls ?? ['scratch']) : ['scratch'];
    const epochs = matchedEpochs(st.training.steps, d.data.train.n, spec.train.batchSize);
    for (const kind of kinds) {
      const name = `${spec.name}${CONTROL_SUFFIX[kind]}`;
      const initFrom = kind === 'teacher-init' ? initTeacher(spec, teacher) : undefined;
      // The scratch control starts from the student's own random weights (same seed key), as before.
      const base = { spec, role: 'control' as const, epochs, ...(initFrom ? { initFrom } : {}) };
      const c = await trainModel(s, d, { ...base, name, phase: `control-training:${name}` });
      const repeats = await seedRepeats(s, d, name, (seedIndex, phase) =>
        trainModel(s, d, { ...base, name, phase, seedIndex, inPhase: true, modelName: `${name}#s${seedIndex + 1}`, transient: true }),
      );
      controls.push({ ...c, pairedWith: st.spec.name, controlKind: kind, ...(repeats.length ? { seedRepeats: repeats } : {}) });
    }
  }
  return controls;
}
