/** hf-onnx sentence encoders in suites: what the schema and the semantic checks accept and refuse (UserError naming the field). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSuite, parseSuite } from '../../src/suites/load.js';
import { UserError } from '../../src/core/errors.js';

const base = loadSuite('retrieval-spam').suite;
const classification = loadSuite('default').suite;
const enc = { name: 'enc', kind: 'hf-onnx', path: 'x' };

function refusal(suite: unknown): string {
  try {
    parseSuite(JSON.stringify(suite), 'x.json');
  } catch (e) {
    assert.ok(e instanceof UserError, String(e));
    return e.message;
  }
  assert.fail('accepted');
}

test('an hf-onnx encoder is a retrieval teacher or student, with pooling and normalize', () => {
  const s = parseSuite(
    JSON.stringify({ ...base, teacher: { ...enc, pooling: 'cls', normalize: false }, students: [...base.students, { ...enc, name: 'enc2', pooling: 'mean' }] }),
    'x.json',
  );
  assert.equal(s.teacher.kind, 'hf-onnx');
  assert.deepEqual(
    s.students.map((m) => m.kind),
    ['transformer', 'hf-onnx'],
  );
});

test('pooling outside mean/cls is refused by the schema; pooling and normalize only in a retrieval suite', () => {
  assert.match(refusal({ ...base, students: [{ ...enc, pooling: 'max' }] }), /students\[0\]\.pooling/);
  assert.match(refusal({ ...base, students: [{ ...enc, normalize: 'yes' }] }), /students\[0\]\.normalize/);
  const m = refusal({ ...classification, students: [{ ...enc, pooling: 'mean' }] });
  assert.match(m, /field "students\[0\]\.pooling": only an hf-onnx sentence encoder in a "task: retrieval" suite pools/);
  assert.match(refusal({ ...classification, teacher: { ...enc, normalize: true } }), /field "teacher\.normalize"/);
});

test('in a retrieval suite an hf-onnx encoder takes no labels and no compression, and mixes with no command model', () => {
  assert.match(refusal({ ...base, students: [{ ...enc, labels: ['ham', 'spam'] }] }), /field "students\[0\]\.labels": a sentence encoder has no classes/);
  assert.match(
    refusal({ ...base, students: [{ ...enc, dtype: 'q8', compression: { method: 'quantization', from: 'teacher', quantization: { mode: 'dynamic-int8' } } }] }),
    /field "students\[0\]\.compression": compressed hf-onnx encoders are not supported in a retrieval suite yet/,
  );
  const command = { name: 'c', kind: 'command', evaluate: { argv: ['x'] }, infer: { argv: ['x'] }, train: { argv: ['x'] } };
  assert.match(refusal({ ...base, teacher: command, students: [enc] }), /field "students\[0\]\.kind": in a retrieval suite, command models and hf-onnx encoders cannot be mixed/);
  assert.match(refusal({ ...base, students: [{ name: 's', kind: 'saved', path: 'x' }] }), /"saved" models are not supported there yet/);
});
