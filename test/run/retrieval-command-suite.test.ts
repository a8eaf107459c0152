/**
 * A retrieval suite of command models end to end through the CLI (test/fixtures/retrieval-command-model.mjs:
 * a hashed bag-of-words bi-encoder that speaks kdbench's protocol): teacher, distilled student and its
 * control trained by their commands, evaluated from the ranks they report (metrics and intervals computed
 * by kdbench), the infer step's encode-index / encode-queries / scoring phases turned into cost records
 * per 1,000 documents and queries, the report; and what is refused, with exit code 2 and the field named.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSuite } from '../../src/suites/load.js';
import { REPO } from '../support/meters-fakes.js';

const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/retrieval-command-model.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-retrieval-command-'));
let dir: string;
let run: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A student without a control, for the runs that fail. */
const lone = () => ({ name: 'small', kind: 'command', distil: step(), evaluate: step(), infer: step() });
const step = (env: Record<string, string> = {}) => ({ argv: [process.execPath, FIXTURE], ...(Object.keys(env).length ? { env } : {}) });

function suiteWith(over: Record<string, unknown> = {}, fake: Partial<Record<'evaluate' | 'infer', string>> = {}): Record<string, unknown> {
  const base = loadSuite('retrieval-spam').suite;
  const evaluate = step(fake.evaluate ? { FAKE_RETRIEVAL: fake.evaluate } : {});
  const infer = step(fake.infer ? { FAKE_RETRIEVAL: fake.infer } : {});
  return {
    ...base,
    quick: undefined,
    dataset: { ...base.dataset, maxExamples: 120, seqLen: 16, vocabSize: 500 },
    retrieval: { ...base.retrieval, querySeqLen: 8, embeddingDim: 32 },
    // A fault is the teacher's: the first model evaluated and run.
    teacher: { name: 'idf', kind: 'command', train: step(), evaluate, infer },
    students: [{ name: 'small', kind: 'command', distil: step(), control: step(), evaluate: step(), infer: step() }],
    inference: { batchSizes: [32], timeMs: 20, repeats: 2 },
    baseline: { seconds: 0.5 },
    ...over,
  };
}

function cli(suite: Record<string, unknown>, name: string): { status: number | null; stderr: string; out: string } {
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(suite));
  const out = join(tmp, `${name}-out`);
  const r = spawnSync(process.execPath, [CLI, 'run', file, '--out', out, '--backend', 'cpu', '--requests-per-day', '500'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stderr: r.stderr, out };
}

before(() => {
  const r = cli(suiteWith(), 'good');
  assert.equal(r.status, 0, r.stderr);
  dir = r.out;
  run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
});

test('every step of every command model runs in its phase; the infer markers become the three parts of use', () => {
  const names: string[] = run.phases.map((p: { name: string }) => p.name);
  for (const n of [
    'data-preparation',
    'teacher-training',
    'teacher-training:idf',
    'distillation:small',
    'control-training:small-control',
    'evaluation:idf',
    'evaluation:small',
    'evaluation:small-control',
  ])
    assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  for (const m of ['idf', 'small', 'small-control'])
    for (const r of [1, 2])
      for (const part of ['setup', 'index', 'query', 'score', 'exit'])
        assert.ok(names.includes(`retrieval-${part}:${m}:r${r}`), `${part} ${m} r${r}`);
  assert.ok(!names.includes('teacher-embeddings'), 'a command teacher gives no embeddings');
});

test('models: ranks reported by the command, metrics and intervals computed by kdbench, accuracy is recall@1', () => {
  assert.deepEqual(
    run.models.map((m: { name: string; role: string; kind: string }) => `${m.name}:${m.role}:${m.kind}`),
    ['idf:teacher:command', 'small:student:command', 'small-control:control:command'],
  );
  const n = run.retrieval.queries;
  assert.ok(n >= 10, `${n} test queries`);
  assert.equal(run.retrieval.indexDocuments, n);
  const teacher = run.models[0];
  assert.equal(run.models[1].pairedWith, 'idf');
  assert.equal(run.models[2].pairedWith, 'small');
  assert.ok(teacher.retrieval.metrics['recall@10'] > 0.3, `a bag of words finds its documents: ${teacher.retrieval.metrics['recall@10']}`);
  for (const m of run.models) {
    assert.equal(m.retrieval.queries, n);
    assert.equal(m.accuracy, m.retrieval.metrics['recall@1']);
    assert.equal(m.macroF1, null);
    assert.ok(m.params > 0);
    assert.equal(m.runtime.framework, 'node-test');
    assert.deepEqual(m.runtime.command.evaluate, [process.execPath, FIXTURE]);
    for (const k of ['recall@1', 'recall@10', 'mrr@10', 'ndcg@10']) {
      const v = m.retrieval.metrics[k];
      const [lo, hi] = m.retrieval.ci95[k];
      assert.ok(v >= 0 && v <= 1, `${m.name} ${k} ${v}`);
      assert.ok(lo <= v + 1e-9 && v <= hi + 1e-9, `${m.name} ${k} ${v} in [${lo}, ${hi}]`);
    }
  }
  // Paired comparisons over queries: the student against the teacher and against its control.
  const cmp = run.retrieval.comparisons as { a: string; b: string; metric: string; n: number }[];
  assert.ok(cmp.some((c) => c.a === 'small' && c.b === 'idf' && c.metric === 'mrr@10' && c.n === n));
  assert.ok(cmp.some((c) => c.a === 'small' && c.b === 'small-control'));
  assert.match(run.retrieval.scoring, /command's own/);
});

test('energy of use: documents and queries the command counted, per 1,000, from the marked phases', () => {
  const costs = run.retrieval.costs as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(costs.length, 3 * 3 * 2);
  const log = readFileSync(join(dir, 'logs', 'retrieval-setup_small_r1.stdout.log'), 'utf8');
  assert.doesNotMatch(log, /::kdbench/, 'markers and result lines are taken out of the log');
  for (const c of costs) {
    const phase = run.phases.find((p: { name: string }) => p.name === c.phase);
    assert.ok(phase, c.phase);
    assert.equal(phase.model, c.model);
    assert.equal(c.energyJ, phase.energyJ);
    assert.ok(c.items >= (c.part === 'index' ? run.retrieval.indexDocuments : 1), `${c.phase}: ${c.items}`);
    if (c.part === 'index') assert.equal(c.items % run.retrieval.indexDocuments, 0, 'whole passes over the index');
    assert.ok(c.jPer1000 > 0 && Number.isFinite(c.jPer1000), `${c.phase} ${c.jPer1000}`);
    assert.ok(Math.abs(c.jPer1000 - (c.energyJ / c.items) * 1000) < 1e-9);
    assert.ok(
      ['counter', 'sampled', 'estimated'].some((m) => c.method.includes(m)),
      c.method,
    );
  }
});

test('the report has the retrieval decision and the energy of search for command models', () => {
  const md = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.ok(md.indexOf('## Decision (retrieval)') > 0);
  assert.match(md, /## Energy of search/);
  assert.match(md, /small-control/);
});

test('refused before anything runs (exit 2, field named): hf-onnx or saved models, mixing commands with TensorFlow.js encoders', () => {
  const tfjs = { name: 'bag', kind: 'embedding-bag', dModel: 8, hidden: 0, train: { epochs: 1, batchSize: 32, learningRate: 0.01 } };
  let r = cli(suiteWith({ students: [tfjs] }), 'mixed');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /students\[0\]\.kind.*cannot be mixed/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
  r = cli(suiteWith({ students: [{ name: 'st', kind: 'hf-onnx', path: 'nowhere' }] }), 'onnx');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /students\[0\]\.kind": in a retrieval suite, command models and hf-onnx encoders cannot be mixed/);
  r = cli(suiteWith({ students: [{ name: 'st', kind: 'saved', path: 'nowhere' }] }), 'saved');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /students\[0\]\.kind.*or runs "command" models; "saved" models are not supported/);
});

test('refused in the run (exit 2, step and field named): a classifier result, ranks of the wrong length, metrics that disagree with the ranks', () => {
  for (const [fake, message] of [
    ['classifier', /teacher "idf", step "evaluate".*"ranks"/],
    ['short-ranks', /step "evaluate": field "ranks" covers \d+ queries; the test split has \d+/],
    ['lying-recall', /step "evaluate": field "recall@10" .* disagrees with the ranks/],
  ] as const) {
    const r = cli(suiteWith({ students: [lone()] }, { evaluate: fake }), `eval-${fake}`);
    assert.equal(r.status, 2, `${fake}: ${r.stderr}`);
    assert.match(r.stderr, message);
    const written = JSON.parse(readFileSync(join(r.out, 'run.json'), 'utf8'));
    assert.ok(
      written.phases.some((p: { name: string }) => p.name === 'teacher-training'),
      'what was measured is kept',
    );
  }
});

test('refused in the run: an infer step without a scoring marker, or with a marker of another name', () => {
  let r = cli(suiteWith({ students: [lone()] }, { infer: 'no-scoring' }), 'infer-no-scoring');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /step "infer": printed no "::kdbench phase scoring::" line/);
  r = cli(suiteWith({ students: [lone()] }, { infer: 'bad-marker' }), 'infer-bad-marker');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /step "infer": phase marker\(s\) "warm-up" refused: .*encode-index, encode-queries, scoring/);
});
