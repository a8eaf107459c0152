/**
 * Fault injection on sizes (issue 12, defect 5): every --quick override has the maximum of the field
 * it overrides; the largest transformer the schema allows is refused before anything starts, with
 * the memory it needs and the limit it passes in the message; the parameter formulas of the size
 * check are those of the real models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSuite, loadSuite, SCHEMA_PATH } from '../../src/suites/load.js';
import type { Suite, TrainableSpec } from '../../src/suites/types.js';
import { UserError } from '../../src/core/errors.js';
import { SIZE_MODELS, WASM_HEAP_MAX, checkSuiteSize, estimateSuite, memoryLimit } from '../../src/run/suite/size-check.js';
import { selectBackend } from '../../src/distillation/backend.js';
import { buildModel } from '../../src/distillation/models/build.js';
import { REPO } from '../support/meters-fakes.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-faults-sizes-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const spam = loadSuite('default').suite;

function refusal(suite: unknown): string {
  try {
    parseSuite(JSON.stringify(suite), 'x.json');
  } catch (e) {
    assert.ok(e instanceof UserError);
    return e.message;
  }
  assert.fail('accepted');
}

test('every --quick override is bounded by its full field\'s maximum (epochs 1e9, batchSizes [1e9], ...)', () => {
  const over: [string, (q: Record<string, Record<string, unknown>>) => void, string][] = [
    ['quick.teacherTrain.epochs', (q) => (q.teacherTrain = { epochs: 1e9 }), 'must be <= 1000'],
    ['quick.studentTrain.batchSize', (q) => (q.studentTrain = { batchSize: 1e6 }), 'must be <= 4096'],
    ['quick.studentTrain.learningRate', (q) => (q.studentTrain = { learningRate: 5 }), 'must be <= 1'],
    ['quick.inference.batchSizes[0]', (q) => (q.inference = { batchSizes: [1e9] }), 'must be <= 4096'],
    ['quick.inference.batchSizes', (q) => (q.inference = { batchSizes: Array.from({ length: 33 }, (_, i) => i + 1) }), 'must NOT have more than 32 items'],
    ['quick.inference.timeMs', (q) => (q.inference = { timeMs: 1e9 }), 'must be <= 600000'],
    ['quick.dataset.vocabSize', (q) => (q.dataset = { vocabSize: 1e9 }), 'must be <= 200000'],
    ['quick.dataset.maxExamples', (q) => (q.dataset = { maxExamples: 1e12 }), 'must be <= 10000000'],
    ['quick.baseline.seconds', (q) => (q.baseline = { seconds: 1e6 }), 'must be <= 600'],
  ];
  for (const [field, set, why] of over) {
    const s = structuredClone(spam) as unknown as Record<string, unknown>;
    const q = structuredClone(spam.quick ?? {}) as Record<string, Record<string, unknown>>;
    set(q);
    s.quick = q;
    assert.match(refusal(s), new RegExp(`field "${field.replace(/[[\].]/g, '\\$&')}" ${why}`), field);
  }
  // The schema has no unbounded integer or number left under quick.
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
  const resolve = (n: Record<string, unknown>): Record<string, unknown> =>
    typeof n.$ref === 'string' ? resolve(schema.definitions[n.$ref.split('/').pop()!]) : n;
  const walk = (n: Record<string, unknown>, path: string): void => {
    const r = resolve(n);
    if (r.type === 'integer' || r.type === 'number') assert.ok(r.maximum !== undefined, `${path} has no maximum`);
    if (r.type === 'array') {
      assert.ok(r.maxItems !== undefined, `${path} has no maxItems`);
      walk(r.items as Record<string, unknown>, `${path}[]`);
    }
    for (const [k, v] of Object.entries((r.properties as Record<string, Record<string, unknown>>) ?? {})) walk(v, `${path}.${k}`);
  };
  walk(schema.properties.quick, 'quick');
});

test('the size check\'s parameter counts are those of the real models (transformer, embedding bag, BiLSTM)', async () => {
  await selectBackend('cpu');
  const shape = { vocabSize: 300, seqLen: 12, classes: 5 };
  const specs: TrainableSpec[] = [
    { name: 't', kind: 'transformer', dModel: 16, heads: 4, layers: 2, ffDim: 24, train: { epochs: 1, batchSize: 4, learningRate: 0.01 } },
    { name: 'b', kind: 'embedding-bag', dModel: 6, hidden: 5, train: { epochs: 1, batchSize: 4, learningRate: 0.01 } },
    { name: 'b0', kind: 'embedding-bag', dModel: 6, hidden: 0, train: { epochs: 1, batchSize: 4, learningRate: 0.01 } },
    { name: 'l', kind: 'bilstm', dModel: 7, hidden: 9, train: { epochs: 1, batchSize: 4, learningRate: 0.01 } },
  ];
  for (const s of specs) {
    const m = buildModel(s, s.name, shape, 1);
    assert.equal(SIZE_MODELS[s.kind].params(s, shape), m.paramCount(), s.kind);
    m.dispose();
  }
});

const huge: Suite = {
  ...spam,
  // The embedding bag only: the DistilBERT-style student must have the teacher's width.
  students: spam.students.filter((m) => m.kind === 'embedding-bag'),
  dataset: { ...spam.dataset, vocabSize: 200000, seqLen: 1024 },
  teacher: { name: 'teacher', kind: 'transformer', dModel: 4096, heads: 64, layers: 48, ffDim: 16384, train: { epochs: 3, batchSize: 32, learningRate: 0.001 } },
};

test('the largest transformer the schema allows: refused with the numbers, for the wasm heap and for this machine', () => {
  assert.doesNotThrow(() => parseSuite(JSON.stringify(huge), 'huge.json'), 'the schema allows it');
  const e = estimateSuite(huge, 1);
  assert.ok(e.params[0].params > 9e9, `${e.params[0].params} parameters`);
  for (const limit of [memoryLimit('wasm'), memoryLimit('cpu')])
    assert.throws(
      () => checkSuiteSize(huge, 1, limit),
      (err: unknown) =>
        err instanceof UserError &&
        /too large for this machine: it needs about \d+(\.\d)? GB \(weights of all 3 trained models [\d.]+ GB \(10\.5 B parameters, 4 bytes each\); training teacher \(transformer, 10\.5 B parameters\)/.test(err.message) &&
        err.message.includes(limit.basis),
    );
  assert.equal(memoryLimit('wasm', 64e9, undefined).bytes, WASM_HEAP_MAX);
  assert.match(memoryLimit('cpu', 64e9, 8e9).basis, /cgroup's memory limit \(8\.0 GB\)/);
  // The built-in suites pass, with room to spare.
  for (const n of ['default', 'brown-genre']) assert.doesNotThrow(() => checkSuiteSize(loadSuite(n).suite, 5, memoryLimit('wasm')), n);
});

test('more phases than a run records (17 models x 32 batch sizes x 100 repeats) is refused before the run', () => {
  const student = spam.students[0] as TrainableSpec;
  const many: Suite = {
    ...spam,
    students: Array.from({ length: 8 }, (_, i) => ({ ...student, name: `s${i}` })),
    inference: { ...spam.inference, batchSizes: Array.from({ length: 32 }, (_, i) => i + 1), repeats: 100 },
  };
  assert.throws(() => checkSuiteSize(many, 100, memoryLimit('cpu')), /would mark [\d,]+ phases .*more than the 10,000 a run records/);
});

test('kdbench run with the largest transformer: exit 2 in seconds, the numbers in the message, no folder made', () => {
  const file = join(tmp, 'huge.json');
  writeFileSync(file, JSON.stringify(huge));
  const out = join(tmp, 'never');
  const r = spawnSync(process.execPath, [CLI, 'run', file, '--out', out], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /suite "spam-default": too large for this machine: it needs about [\d.]+ GB/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.ok(!existsSync(out));
});

test('a retrieval suite is sized with its embedding width as the models\' output, not the dataset\'s classes', async () => {
  await selectBackend('cpu');
  const r = loadSuite('retrieval-spam').suite;
  assert.ok(r.teacher.kind === 'transformer' && r.retrieval);
  const e = estimateSuite(r, 1);
  const shape = { vocabSize: r.dataset.vocabSize, seqLen: r.dataset.seqLen, classes: r.retrieval.embeddingDim };
  const teacher = buildModel(r.teacher, 'size-teacher', shape, 1);
  assert.equal(e.params[0].params, teacher.paramCount(), 'the teacher as the retrieval run builds it');
  teacher.dispose();
  const wide = estimateSuite({ ...r, retrieval: { ...r.retrieval, embeddingDim: r.retrieval.embeddingDim * 2 } }, 1);
  assert.equal(wide.params[0].params - e.params[0].params, r.teacher.dModel * r.retrieval.embeddingDim + r.retrieval.embeddingDim);
});
