/**
 * Step: distil each trainable (TensorFlow.js) student from the teacher's logits on the training set,
 * computed once for all students beforehand (teacher-logits.ts, phase teacher-logits).
 */
import { isTrainable, type TrainableSpec } from '../../suites/types.js';
import { trainModel } from './models.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';

/** The students the suite trains in TensorFlow.js (the others are saved models, commands or hf-onnx models). */
export function trainableStudents(s: SuiteStepContext): TrainableSpec[] {
  return s.suite.students.filter(isTrainable);
}

export async function distilStep(s: SuiteStepContext, d: SuiteData, teacherName: string, teacherLogits: Float32Array): Promise<Trained[]> {
  const students: Trained[] = [];
  for (const spec of trainableStudents(s)) {
    const st = await trainModel(s, d, { spec, name: spec.name, role: 'student', phase: `distillation:${spec.name}`, teacherLogits });
    students.push({ ...st, pairedWith: teacherName });
  }
  return students;
}
