/**
 * DistilBERT's initialisation (Sanh et al. 2019): a student of the teacher's width and fewer layers
 * takes the teacher's weights, "one layer out of two": student layer i is teacher layer i x stride
 * (stride = teacher layers / student layers, rounded down), and the embeddings, the final layer norm
 * and the classification head are copied whole.
 */
import type { TextClassifier } from './types.js';
import { UserError } from '../../core/errors.js';

/** Teacher layer copied into each student layer: [0, 2, 4, ...] for half the layers. */
export function teacherLayerMap(teacherLayers: number, studentLayers: number): number[] {
  if (studentLayers < 1 || studentLayers > teacherLayers)
    throw new UserError(`a teacher-layer initialisation needs 1 to ${teacherLayers} student layers (the teacher's), not ${studentLayers}`);
  const stride = Math.floor(teacherLayers / studentLayers);
  return Array.from({ length: studentLayers }, (_, i) => i * stride);
}

const arch = (m: TextClassifier, k: string): unknown => m.architecture[k];

/** Copies the teacher's weights into the student as above; returns the teacher layer of each student layer. */
export function initFromTeacherLayers(student: TextClassifier, teacher: TextClassifier): number[] {
  if (student.kind !== 'transformer' || teacher.kind !== 'transformer')
    throw new UserError(`init "teacher-layers" needs a transformer student and teacher (got ${student.kind} from ${teacher.kind})`);
  for (const k of ['dModel', 'heads', 'ffDim', 'vocabSize', 'seqLen', 'classes'])
    if (arch(student, k) !== arch(teacher, k))
      throw new UserError(
        `init "teacher-layers": student "${student.name}" must have the teacher's ${k} (${String(arch(teacher, k))}), not ${String(arch(student, k))}`,
      );
  const map = teacherLayerMap(arch(teacher, 'layers') as number, arch(student, 'layers') as number);
  const local = (m: TextClassifier, v: { name: string }) => v.name.slice(m.name.length + 1);
  const byName = new Map(teacher.variables.map((v) => [local(teacher, v), v]));
  for (const v of student.variables) {
    const own = local(student, v);
    const from = own.replace(/^block(\d+)\//, (_, i: string) => `block${map[Number(i)]}/`);
    const t = byName.get(from);
    if (!t || t.shape.join() !== v.shape.join())
      throw new Error(`teacher-layer init: no teacher weight "${from}" of shape [${v.shape.join(', ')}]`);
    v.assign(t);
  }
  return map;
}
