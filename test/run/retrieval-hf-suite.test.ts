/**
 * hf-onnx sentence encoders in a retrieval suite, through the CLI, on the pairs of retrieval-spam --quick
 * (the split test/fixtures/hf-tiny-encoder was trained and measured on):
 * - as a student: loaded (phase loading:NAME), not trained, evaluated with the ranking metrics and their
 *   intervals, and measured in the three parts of use (index, query, scoring) like the TensorFlow.js models;
 * - as the teacher: its embeddings of the training pairs (phase teacher-embeddings) teach TensorFlow.js students;
 * - bad input (a classifier, a width that embedding MSE cannot use, no tokenizer): exit code 2, the field named, no stack.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSuite } from '../../src/suites/load.js';
import { FIXTURES, REPO } from '../support/meters-fakes.js';

const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const ENCODER = join(FIXTURES, 'hf-tiny-encoder', 'model');
const info = JSON.parse(readFileSync(join(FIXTURES, 'hf-tiny-encoder', 'build-info.json'), 'utf8')) as {
  testQueries: number;
  testRecallAt10: number;
  testMrrAt10: number;
  embeddingDim: number;
  params: number;
};
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-retrieval-hf-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** retrieval-spam with small TensorFlow.js models; its --quick data slice is the one the fixture was built on. */
function suite(over: Json): Json {
  const base = loadSuite('retrieval-spam').suite;
  return {
    ...base,
    retrieval: { ...base.retrieval, embeddingDim: 16 },
    teacher: {
      name: 'teacher',
      kind: 'transformer',
      dModel: 16,
      heads: 2,
      layers: 1,
      ffDim: 16,
      train: { epochs: 1, batchSize: 32, learningRate: 0.002 },
    },
    quick: { ...base.quick, dataset: { maxExamples: 400, seqLen: 16 }, inference: { timeMs: 20, repeats: 1 }, baseline: { seconds: 0.5 } },
    ...over,
  };
}
const enc = (name: string, path = ENCODER) => ({ name, kind: 'hf-onnx', path, maxLength: 64 });
const bag = { name: 'bag', kind: 'embedding-bag', dModel: 8, hidden: 0, train: { epochs: 1, batchSize: 32, learningRate: 0.01 } };

function kdbench(name: string, s: Json) {
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(s));
  const out = join(tmp, name);
  const r = spawnSync(process.execPath, [CLI, 'run', file, '--quick', '--out', out, '--backend', 'cpu', '--requests-per-day', '500'], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { ...r, out };
}
const runJson = (out: string): Json => JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
const phaseNames = (run: Json): string[] => run.phases.map((p: { name: string }) => p.name);

let student: { run: Json; out: string; stderr: string };
let teacher: { run: Json; out: string };

before(() => {
  const a = kdbench('student', suite({ students: [enc('enc')] }));
  assert.equal(a.status, 0, a.stderr);
  student = { run: runJson(a.out), out: a.out, stderr: a.stderr };
  const b = kdbench(
    'teacher',
    suite({ teacher: enc('enc'), students: [bag], retrieval: { ...suite({}).retrieval, embeddingDim: info.embeddingDim } }),
  );
  assert.equal(b.status, 0, b.stderr);
  teacher = { run: runJson(b.out), out: b.out };
});

test('hf-onnx student: loaded in its own phase, not trained, with its record (kind, width, runtime, tokenizer)', () => {
  const { run, stderr } = student;
  const names = phaseNames(run);
  assert.ok(names.includes('loading:enc'), names.join(', '));
  assert.ok(!names.some((n) => /^(distillation|control-training|teacher-training):enc/.test(n)), names.join(', '));
  assert.match(
    stderr,
    /enc: loaded model \(bert, 38,656 params, onnx\/model\.onnx, mean pooling of last_hidden_state, width 32, L2-normalised/,
  );
  assert.match(stderr, /enc \(student, hf-onnx, not trained in this run\)/);
  assert.deepEqual(
    run.models.map((m: Json) => `${m.name}:${m.role}:${m.kind}`),
    ['teacher:teacher:transformer', 'enc:student:hf-onnx'],
  );
  const m = run.models.find((x: Json) => x.name === 'enc');
  assert.equal(m.params, info.params);
  assert.equal(m.training.phase, '');
  assert.equal(m.reusedFrom, ENCODER);
  assert.match(m.runtime.framework, /^transformers\.js \S+ \+ onnxruntime-node \S+$/);
  assert.equal(m.architecture.output, 'last_hidden_state');
  assert.equal(m.architecture.normalize, true);
  assert.match(m.architecture.tokenizer, /own/);
  assert.equal(m.retrieval.embeddingDim, info.embeddingDim);
  assert.equal(run.models.find((x: Json) => x.name === 'teacher').retrieval.embeddingDim, 16);
  assert.equal(m.accuracy, m.retrieval.metrics['recall@1']);
  for (const k of ['recall@1', 'recall@10', 'mrr@10', 'ndcg@10']) {
    const [lo, hi] = m.retrieval.ci95[k];
    assert.ok(lo <= m.retrieval.metrics[k] + 1e-9 && m.retrieval.metrics[k] <= hi + 1e-9, `${k} in its interval`);
  }
  assert.ok(
    run.retrieval.comparisons.some((c: Json) => c.a === 'enc' && c.b === 'teacher' && c.metric === 'recall@10'),
    'compared with the teacher, paired over queries',
  );
  assert.equal(run.retrieval.distillation.enc, undefined, 'not distilled in this run');
});

test('kdbench measures the recall@10 and MRR@10 that PyTorch measured when the fixture was built (same split, same ranks)', () => {
  // build.py tokenizes as transformers.js does and ranks by the same cosine; only float rounding between
  // PyTorch and onnxruntime could swap a near tie: 0.02 is two queries of 100 moving across rank 10.
  const m = student.run.models.find((x: Json) => x.name === 'enc');
  assert.equal(m.retrieval.queries, info.testQueries);
  assert.ok(
    Math.abs(m.retrieval.metrics['recall@10'] - info.testRecallAt10) <= 0.02,
    `${m.retrieval.metrics['recall@10']} vs ${info.testRecallAt10}`,
  );
  assert.ok(Math.abs(m.retrieval.metrics['mrr@10'] - info.testMrrAt10) <= 0.02, `${m.retrieval.metrics['mrr@10']} vs ${info.testMrrAt10}`);
});

test('hf-onnx student: index, query and scoring energy, each in its phase, per 1,000 items, with its method; in the report', () => {
  const { run, out } = student;
  const costs = run.retrieval.costs.filter((c: Json) => c.model === 'enc');
  assert.deepEqual(costs.map((c: Json) => c.part).sort(), ['index', 'query', 'scoring']);
  for (const c of costs) {
    const p = run.phases.find((x: Json) => x.name === c.phase);
    assert.ok(p, c.phase);
    assert.equal(p.model, 'enc');
    assert.equal(c.energyJ, p.energyJ);
    assert.ok(c.jPer1000 > 0 && Number.isFinite(c.jPer1000), `${c.phase} ${c.jPer1000}`);
    assert.ok(c.items >= (c.part === 'index' ? info.testQueries : 1));
    assert.ok(
      ['counter', 'sampled', 'estimated'].some((x) => c.method.includes(x)),
      c.method,
    );
  }
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  const quality = md.slice(md.indexOf('## Retrieval quality'), md.indexOf('## Energy of search'));
  assert.match(quality, /\| enc \| student \| 38,656 \| 0\.\d+ \\\[/);
  const energy = md.slice(md.indexOf('## Energy of search'));
  assert.match(energy, /\| enc \| \d/);
});

test('hf-onnx teacher: its embeddings of the training pairs teach TensorFlow.js students (mse, kl); no teacher training', () => {
  const { run } = teacher;
  const names = phaseNames(run);
  assert.ok(!names.includes('teacher-training'), names.join(', '));
  const order = [
    'loading:enc',
    'teacher-embeddings',
    'distillation:bag-mse',
    'distillation:bag-kl',
    'control-training:bag-control',
    'evaluation',
  ];
  const at = order.map((n) => names.indexOf(n));
  assert.ok(
    at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1])),
    `${order.join(' < ')} in ${names.join(', ')}`,
  );
  assert.equal(run.phases.find((p: Json) => p.name === 'teacher-embeddings').model, 'enc');
  assert.deepEqual(
    run.models.map((m: Json) => `${m.name}:${m.role}:${m.kind}:${m.pairedWith ?? ''}`),
    [
      'enc:teacher:hf-onnx:',
      'bag-mse:student:embedding-bag:enc',
      'bag-kl:student:embedding-bag:enc',
      'bag-control:control:embedding-bag:bag-mse',
    ],
  );
  assert.deepEqual(run.retrieval.distillation, { 'bag-mse': 'mse', 'bag-kl': 'kl' });
  for (const name of ['bag-mse', 'bag-kl']) {
    const m = run.models.find((x: Json) => x.name === name);
    assert.equal(m.training.phase, `distillation:${name}`);
    assert.ok(m.training.steps > 0 && Number.isFinite(m.training.finalLoss), `${name} trained`);
    assert.equal(m.retrieval.embeddingDim, info.embeddingDim);
    assert.equal(run.retrieval.costs.filter((c: Json) => c.model === name).length, 3);
  }
  // The teacher, measured like any model; the distillation cost (teacher embeddings + distillation) in the break-even.
  assert.equal(run.retrieval.costs.filter((c: Json) => c.model === 'enc').length, 3);
  const md = readFileSync(join(teacher.out, 'report.md'), 'utf8');
  const be = md.slice(md.indexOf('## Break-even of distillation (retrieval)'));
  assert.match(be, /\| bag-mse \| [\d.]+ (m?Wh|J|kWh) \|/);
});

test('bad input: a classifier, an MSE teacher of another width, no tokenizer: exit code 2, the field named, no stack', () => {
  const noStack = (s: string) => assert.ok(!/\n\s+at /.test(s), s);
  const cls = kdbench('classifier', suite({ students: [enc('cls', join(FIXTURES, 'hf-tiny', 'model'))] }));
  assert.equal(cls.status, 2, cls.stderr);
  assert.match(
    cls.stderr,
    /students\[0\] "cls": field "path": .*hf-tiny\/model is not a sentence encoder: onnx\/model\.onnx outputs logits \(a classifier\)/,
  );
  noStack(cls.stderr);

  const wide = kdbench('width', suite({ teacher: enc('enc'), students: [bag] }));
  assert.equal(wide.status, 2, wide.stderr);
  assert.match(
    wide.stderr,
    /field "retrieval\.embeddingDim": 16, but the hf-onnx teacher "enc" embeds in 32 dimensions; distillation "mse"/,
  );
  assert.ok(!phaseNames(runJson(wide.out)).includes('teacher-embeddings'), 'refused before any distillation work');
  noStack(wide.stderr);

  const dir = join(tmp, 'encoder-without-tokenizer');
  cpSync(ENCODER, dir, { recursive: true });
  rmSync(join(dir, 'tokenizer.json'));
  const none = kdbench('no-tokenizer', suite({ students: [enc('enc', dir)] }));
  assert.equal(none.status, 2, none.stderr);
  assert.match(none.stderr, /students\[0\] "enc": .*encoder-without-tokenizer\/tokenizer\.json is missing/);
  noStack(none.stderr);
});
