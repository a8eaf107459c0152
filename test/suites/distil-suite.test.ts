/** The suite fields of issue 13: labelled, transferSet, init "teacher-layers", controls, trainSeeds; and the default suite uses them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveSuite, loadSuite, parseSuite } from '../../src/suites/load.js';
import { UserError } from '../../src/core/errors.js';

const train = { epochs: 1, batchSize: 4, learningRate: 0.01 };
const base = {
  name: 't',
  seed: 1,
  dataset: { name: 'spam-assassin', testFraction: 0.2, vocabSize: 100, seqLen: 8, labelled: 40 },
  teacher: { name: 'teacher', kind: 'transformer', dModel: 8, heads: 2, layers: 4, ffDim: 8, train },
  students: [
    { name: 'half', kind: 'transformer', dModel: 8, heads: 2, layers: 2, ffDim: 8, init: 'teacher-layers', controls: ['scratch', 'teacher-init'], train },
  ],
  distillation: { temperature: 2, softWeight: 0.5, hardWeight: 0.5, transferSet: { size: 10, methods: ['mask', 'pos', 'ngram'] } },
  trainSeeds: 2,
  inference: { batchSizes: [1], timeMs: 10 },
};
type Json = Record<string, unknown>;
function errorOf(change: (s: Json) => void): string {
  const s = structuredClone(base) as unknown as Json;
  change(s);
  try {
    parseSuite(JSON.stringify(s), 'x.json');
  } catch (e) {
    assert.ok(e instanceof UserError);
    return (e as Error).message;
  }
  return '';
}
const student = (s: Json) => (s.students as Json[])[0];

test('a suite with every new field validates', () => {
  assert.equal(errorOf(() => undefined), '');
});

test('init "teacher-layers" needs the teacher width, heads, ffDim and at most its layers; a teacher-init control needs the init', () => {
  assert.match(
    errorOf((s) => (student(s).dModel = 16)),
    /field "students\[0\]\.dModel": init "teacher-layers" needs the teacher's dModel \(8\), not 16/,
  );
  assert.match(
    errorOf((s) => (student(s).layers = 5)),
    /field "students\[0\]\.layers": init "teacher-layers" needs at most the teacher's 4 layers/,
  );
  assert.match(
    errorOf((s) => delete student(s).init),
    /field "students\[0\]\.controls": a "teacher-init" control needs init "teacher-layers"/,
  );
  assert.match(
    errorOf((s) => (s.teacher = { name: 'teacher', kind: 'embedding-bag', dModel: 8, hidden: 4, train })),
    /"teacher-layers" needs a transformer teacher/,
  );
  assert.match(
    errorOf((s) => (student(s).name = 'x-control-init')),
    /names ending in "-control-init" are reserved/,
  );
});

test('the schema refuses unknown transfer methods and controls, and labelled or trainSeeds out of range', () => {
  assert.match(
    errorOf((s) => ((s.distillation as Json).transferSet = { size: 1, methods: ['backtranslate'] })),
    /field "distillation\.transferSet\.methods\[0\]" must be one of: "mask", "pos", "ngram"/,
  );
  assert.match(errorOf((s) => (student(s).controls = ['teacher'])), /field "students\[0\]\.controls\[0\]" must be one of/);
  assert.match(errorOf((s) => ((s.dataset as Json).labelled = 1)), /field "dataset\.labelled" must be >= 2/);
  assert.match(errorOf((s) => (s.trainSeeds = 0)), /field "trainSeeds" must be >= 1/);
  assert.match(errorOf((s) => ((s.distillation as Json).transferSet = { methods: ['mask'] })), /field "distillation\.transferSet\.size" is required/);
});

test('the default suite: few labels, a transfer set, a DistilBERT student with both controls, 3 seeds; --quick shrinks them', () => {
  const s = loadSuite('default').suite;
  assert.ok(s.dataset.labelled && s.dataset.labelled < 1000);
  assert.deepEqual(s.distillation.transferSet?.methods, ['mask', 'pos', 'ngram']);
  assert.ok((s.trainSeeds ?? 1) >= 3);
  assert.ok((s.inference.repeats ?? 1) >= 3);
  const d = s.students.find((m) => m.kind === 'transformer' && m.init === 'teacher-layers');
  assert.ok(d && d.kind === 'transformer' && s.teacher.kind === 'transformer' && d.layers * 2 === s.teacher.layers);
  assert.deepEqual(d.controls, ['scratch', 'teacher-init']);
  const q = effectiveSuite(s, true);
  assert.equal(q.trainSeeds, s.quick?.trainSeeds);
  assert.equal(q.distillation.transferSet?.size, s.quick?.transferSize);
  assert.equal(q.dataset.labelled, s.quick?.dataset?.labelled);
  assert.deepEqual(q.distillation.transferSet?.methods, s.distillation.transferSet?.methods);
  assert.equal(effectiveSuite(s, false), s);
});

test('teacher.pretrain: the teacher only, not in a retrieval suite, its fields checked; --quick overrides its epochs', () => {
  const pretrain = { method: 'next-span', epochs: 2, batchSize: 16, learningRate: 0.002 };
  assert.equal(errorOf((s) => ((s.teacher as Json).pretrain = pretrain)), '');
  assert.match(errorOf((s) => (student(s).pretrain = pretrain)), /field "students\[0\]\.pretrain": only the teacher is pretrained/);
  assert.match(
    errorOf((s) => ((s.teacher as Json).pretrain = { ...pretrain, method: 'mlm' })),
    /field "teacher\.pretrain\.method" must be equal to constant/,
  );
  assert.match(errorOf((s) => ((s.teacher as Json).pretrain = { ...pretrain, batchSize: 1 })), /field "teacher\.pretrain\.batchSize" must be >= 2/);
  assert.match(errorOf((s) => ((s.teacher as Json).pretrain = { ...pretrain, maskProb: 1 })), /field "teacher\.pretrain\.maskProb" must be <= 0\.9/);
  const retrieval = loadSuite('retrieval-spam').suite;
  assert.ok(retrieval.teacher.kind === 'transformer');
  assert.throws(
    () => parseSuite(JSON.stringify({ ...retrieval, teacher: { ...retrieval.teacher, pretrain } }), 'r.json'),
    /field "teacher\.pretrain": a retrieval teacher is already trained contrastively/,
  );
  const withQuick = { ...structuredClone(base), teacher: { ...base.teacher, pretrain }, quick: { teacherPretrain: { epochs: 1 } } };
  const s = parseSuite(JSON.stringify(withQuick), 'x.json');
  const q = effectiveSuite(s, true);
  assert.ok(q.teacher.kind === 'transformer' && s.teacher.kind === 'transformer');
  assert.deepEqual(q.teacher.pretrain, { ...pretrain, epochs: 1 });
  assert.deepEqual(s.teacher.pretrain, pretrain);
});

test('the default suite pretrains its teacher (design v2) and --quick shortens it', () => {
  const s = loadSuite('default').suite;
  assert.ok(s.teacher.kind === 'transformer' && s.teacher.pretrain?.method === 'next-span');
  const q = effectiveSuite(s, true).teacher;
  assert.ok(q.kind === 'transformer' && q.pretrain && q.pretrain.epochs < s.teacher.pretrain.epochs);
});
