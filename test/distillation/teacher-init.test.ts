/** DistilBERT's initialisation: one teacher layer out of two, embeddings and head copied; the shapes checked. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, tf } from '../../src/distillation/backend.js';
import { TransformerClassifier } from '../../src/distillation/models/transformer.js';
import { initFromTeacherLayers, teacherLayerMap } from '../../src/distillation/models/teacher-init.js';
import { UserError } from '../../src/core/errors.js';

test.before(async () => {
  await selectBackend('cpu');
});

test('teacherLayerMap takes one layer out of two for half the layers', () => {
  assert.deepEqual(teacherLayerMap(4, 2), [0, 2]);
  assert.deepEqual(teacherLayerMap(12, 6), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(teacherLayerMap(2, 1), [0]);
  assert.deepEqual(teacherLayerMap(3, 3), [0, 1, 2]);
  assert.throws(() => teacherLayerMap(2, 3), UserError);
});

const cfg = { vocabSize: 30, seqLen: 8, classes: 2, dModel: 8, heads: 2, ffDim: 16 };
const values = (m: TransformerClassifier, local: string) => m.variables.find((v) => v.name === `${m.name}/${local}`)!.dataSync();

test('a teacher-layer student starts with the teacher layers 0 and 2 of 4, its embeddings and head, and the same logits path', () => {
  const teacher = new TransformerClassifier('ti-teacher', { ...cfg, layers: 4 }, 1);
  const student = new TransformerClassifier('ti-student', { ...cfg, layers: 2 }, 2);
  assert.notDeepEqual(values(student, 'tok_emb'), values(teacher, 'tok_emb'));
  assert.deepEqual(initFromTeacherLayers(student, teacher), [0, 2]);
  for (const v of ['tok_emb', 'pos_emb', 'lnf_g', 'out_w', 'out_b']) assert.deepEqual(values(student, v), values(teacher, v), v);
  assert.deepEqual(values(student, 'block0/wq'), values(teacher, 'block0/wq'));
  assert.deepEqual(values(student, 'block1/wq'), values(teacher, 'block2/wq'));
  assert.deepEqual(values(student, 'block1/w2'), values(teacher, 'block2/w2'));
  assert.notDeepEqual(values(student, 'block1/wq'), values(teacher, 'block1/wq'));
  // With teacher layers 1 and 3 made identity-like (zero residual branches), both compute the same logits.
  for (const i of [1, 3])
    for (const w of ['wo', 'bo', 'w2', 'b2']) {
      const v = teacher.variables.find((x) => x.name === `ti-teacher/block${i}/${w}`)!;
      v.assign(tf.zerosLike(v));
    }
  const ids = tf.tensor2d([[3, 4, 5, 0, 0, 0, 0, 0]], [1, 8], 'int32');
  const a = tf.tidy(() => teacher.logits(ids)).dataSync();
  const b = tf.tidy(() => student.logits(ids)).dataSync();
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-5, `${x} vs ${b[i]}`));
  teacher.dispose();
  student.dispose();
});

test('a student of another width or a non-transformer is refused', () => {
  const teacher = new TransformerClassifier('ti-t2', { ...cfg, layers: 2 }, 1);
  const wide = new TransformerClassifier('ti-s2', { ...cfg, dModel: 16, layers: 1 }, 1);
  assert.throws(() => initFromTeacherLayers(wide, teacher), /dModel/);
  teacher.dispose();
  wide.dispose();
});
