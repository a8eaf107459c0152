/**
 * Step: distil each trainable (TensorFlow.js) student from the teacher's logits, computed once for all
 * students beforehand (phase teacher-logits, and transfer-labelling where the suite has a transfer set):
 * on the labelled training examples, plus the transfer set (transfer.ts). A student with init
 * "teacher-layers" starts from the teacher's layers (DistilBERT). With suite.trainSeeds > 1 each student
 * is trained again with other seeds (seeds.ts).
 */
import { isTrainable, type TrainableSpec } from '../../suites/types.js';
import type { TextClassifier } from '../../distillation/models/types.js';
import { trainModel } from './models.js';
import { seedRepeats } from './seeds.js';
import type { DistillationSet, SuiteData, SuiteStepContext, Trained } from './types.js';

/** The students the suite trains in TensorFlow.js (the others are saved models, commands or hf-onnx models). */
export function trainableStudents(s: SuiteStepContext): TrainableSpec[] {
  return s.suite.students.filter(isTrainable);
}

/** The teacher to copy layers from, for a student with init "teacher-layers". */
export function initTeacher(spec: TrainableSpec, teacher: TextClassifier | undefined): TextClassifier | undefined {
  if (spec.kind !== 'transformer' || spec.init !== 'teacher-layers') return undefined;
  if (!teacher) throw new Error(`student "${spec.name}": init "teacher-layers" needs a TensorFlow.js teacher`);
  return teacher;
}

export async function distilStep(
  s: SuiteStepContext,
  d: SuiteData,
  teacherName: string,
  distil: DistillationSet,
  teacher?: TextClassifier,
): Promise<Trained[]> {
  const students: Trained[] = [];
  for (const spec of trainableStudents(s)) {
    const initFrom = initTeacher(spec, teacher);
    const base = { spec, role: 'student' as const, teacherLogits: distil.logits, set: distil.set, initFrom };
    const st = await trainModel(s, d, { ...base, name: spec.name, phase: `distillation:${spec.name}` });
    const repeats = await seedRepeats(s, d, spec.name, (seedIndex, phase) =>
      trainModel(s, d, {
        ...base,
        name: spec.name,
        phase,
        seedIndex,
        inPhase: true,
        modelName: `${spec.name}#s${seedIndex + 1}`,
        transient: true,
      }),
    );
    students.push({ ...st, pairedWith: teacherName, ...(repeats.length ? { seedRepeats: repeats } : {}) });
  }
  return students;
}
