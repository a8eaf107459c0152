/** Suite kinds "command" and "hf-onnx": accepted where they make sense, refused with the field path where not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../src/core/errors.js';
import { effectiveSuite, loadSuite, parseSuite } from '../../src/suites/load.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const step = { argv: ['python3', 'distil.py'] };
const command = { name: 'cmd', kind: 'command', evaluate: step, infer: step };
const base = {
  name: 't',
  seed: 1,
  dataset: { name: 'spam-assassin', testFraction: 0.2, vocabSize: 100, seqLen: 8 },
  teacher: { ...command, name: 'teacher', train: step, cwd: '.', env: { OMP_NUM_THREADS: '2' }, timeoutS: 60 },
  students: [{ ...command, name: 'student', distil: { ...step, timeoutS: 10, env: { X: '1' } }, control: step }],
  distillation: { temperature: 2, softWeight: 0.5, hardWeight: 0.5 },
  inference: { batchSizes: [1], timeMs: 10 },
  quick: { teacherTrain: { epochs: 1 }, studentTrain: { epochs: 1 } },
};

type Json = Record<string, unknown>;
function suite(change: (s: Json) => void = () => {}): string {
  const s = structuredClone(base) as unknown as Json;
  change(s);
  return JSON.stringify(s);
}
function errorOf(text: string): string {
  try {
    parseSuite(text, 'x.json');
  } catch (e) {
    assert.ok(e instanceof UserError, String(e));
    return e.message;
  }
  assert.fail('the suite was accepted');
}
const students = (s: Json) => s.students as Json[];

test('command and hf-onnx models are accepted as teacher and students, mixed with tfjs ones; --quick leaves their steps alone', () => {
  const s = parseSuite(suite(), 'x.json');
  assert.equal(s.teacher.kind, 'command');
  const q = effectiveSuite(s, true);
  assert.deepEqual(q.teacher, s.teacher, 'train overrides are for tfjs models; a command\'s "train" is a step');
  const mixed = parseSuite(
    suite((x) => {
      x.teacher = { name: 'teacher', kind: 'embedding-bag', dModel: 4, hidden: 4, train: { epochs: 1, batchSize: 4, learningRate: 0.01 } };
      students(x).push({ name: 'bert', kind: 'hf-onnx', path: 'models/bert', labels: ['ham', 'spam'], maxLength: 128, device: 'cpu', dtype: 'q8' });
    }),
    'x.json',
  );
  assert.equal(mixed.students[1].kind, 'hf-onnx');
  parseSuite(
    suite((x) => {
      x.teacher = { name: 'teacher', kind: 'hf-onnx', path: 'models/bert' };
      students(x).push({ name: 'bag', kind: 'embedding-bag', dModel: 4, hidden: 4, train: { epochs: 1, batchSize: 4, learningRate: 0.01 } });
    }),
    'x.json',
  );
  for (const f of ['examples/pytorch-distil/suite.yaml', 'test/fixtures/own-models/mixed.yaml']) assert.ok(loadSuite(`${ROOT}${f}`).suite.name);
});

test('errors name the field path', () => {
  assert.match(errorOf(suite((x) => delete (students(x)[0] as Json).evaluate)), /field "students\[0\]\.evaluate" is required/);
  assert.match(errorOf(suite((x) => (students(x)[0].distil = { argv: [] }))), /field "students\[0\]\.distil\.argv" must NOT have fewer than 1 items/);
  assert.match(errorOf(suite((x) => (students(x)[0].distil = ['python3']))), /field "students\[0\]\.distil" must be object/);
  assert.match(errorOf(suite((x) => (students(x)[0].distil = { argv: ['a'], shell: true }))), /field "students\[0\]\.distil\.shell" is not allowed/);
  assert.match(errorOf(suite((x) => ((x.teacher as Json).env = { 'BAD NAME': 'x' }))), /field "teacher\.env" must match pattern "\^\[A-Za-z_\]\[A-Za-z0-9_\]\*\$"/);
  assert.match(errorOf(suite((x) => ((x.teacher as Json).env = { N: 2 }))), /field "teacher\.env\.N" must be string/);
  assert.match(errorOf(suite((x) => ((x.teacher as Json).timeoutS = 0))), /field "teacher\.timeoutS" must be > 0/);
  assert.match(errorOf(suite((x) => students(x).push({ name: 'h', kind: 'hf-onnx' }))), /field "students\[1\]\.path" is required/);
  assert.match(errorOf(suite((x) => students(x).push({ name: 'h', kind: 'hf-onnx', path: 'p', device: 'tpu' }))), /field "students\[1\]\.device" must be one of: "cpu", "cuda"/);
  assert.match(errorOf(suite((x) => students(x).push({ name: 'h', kind: 'hf-onnx', path: 'p', labels: ['a', 'a'] }))), /students\[1\]\.labels" must NOT have duplicate items/);
  assert.match(errorOf(suite((x) => (students(x)[0].kind = 'onnx'))), /must be one of: "transformer", "embedding-bag", "bilstm", "saved", "command", "hf-onnx"/);
});

test("a step that does not belong to the model's role, and a tfjs student of a command teacher, are refused", () => {
  assert.match(errorOf(suite((x) => ((x.teacher as Json).distil = step))), /field "teacher\.distil": a teacher is trained with "train"; "distil" is a student's step/);
  assert.match(errorOf(suite((x) => (students(x)[0].train = step))), /field "students\[0\]\.train": a student is trained with "distil"/);
  assert.match(errorOf(suite((x) => delete students(x)[0].distil)), /field "students\[0\]\.control": a control mirrors a distilled student; give "distil" too/);
  assert.match(
    errorOf(suite((x) => students(x).push({ name: 'bag', kind: 'embedding-bag', dModel: 4, hidden: 4, train: { epochs: 1, batchSize: 4, learningRate: 0.01 } }))),
    /field "students\[1\]\.kind": a TensorFlow.js student \("embedding-bag"\) learns from the teacher's logits, which a command teacher does not hand over/,
  );
  assert.match(errorOf(suite((x) => (students(x)[0].name = 'teacher'))), /"teacher" is already used by teacher/);
});
