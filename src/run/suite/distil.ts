/**
 * Step: distil each trainable student from the teacher. The teacher's logits on the training set are
 * computed once for all students (phase teacher-logits): part of the cost of distillation.
 */
import { predictLogits } from '../../distillation/train.js';
import type { TrainableSpec } from '../../suites/types.js';
import { trainModel } from './models.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';

/** The students the suite trains (the others are saved models, loaded by savedStudentsStep). */
export function trainableStudents(s: SuiteStepContext): TrainableSpec[] {
  return s.suite.students.filter((x): x is TrainableSpec => x.kind !== 'saved');
}

export async function distilStep(s: SuiteStepContext, d: SuiteData, teacher: Trained): Promise<Trained[]> {
  const specs = trainableStudents(s);
  if (specs.length === 0) return [];
  await s.run.phase('teacher-logits', teacher.model.name);
  s.run.progress.log(`${teacher.model.name}: logits on the training set`);
  const teacherLogits = await predictLogits(teacher.model, d.data.train, 128);
  s.run.check();
  const students: Trained[] = [];
  for (const spec of specs) {
    const st = await trainModel(s, d, { spec, name: spec.name, role: 'student', phase: `distillation:${spec.name}`, teacherLogits });
    students.push({ ...st, pairedWith: teacher.model.name });
  }
  return students;
}
