/** Retrieval suites: the shipped ones load; bad retrieval input is a UserError naming the field, and exit code 2 from the CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSuite, parseSuite } from '../../src/suites/load.js';
import { UserError } from '../../src/core/errors.js';
import { REPO } from '../support/meters-fakes.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-retrieval-suites-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const base = loadSuite('retrieval-spam').suite;

function refusal(suite: unknown): string {
  try {
    parseSuite(JSON.stringify(suite), 'x.json');
  } catch (e) {
    assert.ok(e instanceof UserError, String(e));
    return e.message;
  }
  assert.fail('accepted');
}

test('the shipped retrieval suites load', () => {
  assert.equal(base.task, 'retrieval');
  assert.equal(base.retrieval?.embeddingDim, 64);
  assert.equal(loadSuite('retrieval-brown').suite.dataset.name, 'brown-genre');
});

test('a classification metric in a retrieval suite is refused, naming the field', () => {
  const m = refusal({ ...base, retrieval: { ...base.retrieval, metrics: ['recall@10', 'accuracy'] } });
  assert.match(m, /field "retrieval\.metrics\[1\]": "accuracy" is a classification metric; a retrieval suite reports recall@1, recall@10, mrr@10, ndcg@10/);
  assert.match(refusal({ ...base, retrieval: { ...base.retrieval, metrics: ['map@100'] } }), /"map@100" is not a metric kdbench computes/);
});

test('task and retrieval settings go together; own models and logitLoss are refused in retrieval suites', () => {
  const { retrieval: _r, ...noSettings } = base;
  assert.match(refusal(noSettings), /field "retrieval" is required with "task: retrieval"/);
  const { task: _t, ...noTask } = base;
  assert.match(refusal(noTask), /field "retrieval": only a suite with "task: retrieval"/);
  assert.match(refusal({ ...base, students: [{ name: 's', kind: 'saved', path: 'x' }] }), /field "students\[0\]\.kind": a retrieval suite trains its encoders/);
  assert.match(refusal({ ...base, distillation: { ...base.distillation, logitLoss: 'mse' } }), /field "distillation\.logitLoss"/);
  assert.match(refusal({ ...base, retrieval: { ...base.retrieval, distillation: ['cosine'] } }), /field "retrieval\.distillation\[0\]" must be one of: "mse", "kl"/);
});

test('kdbench run: a classification metric and an empty index end with exit code 2, the field named, no stack', () => {
  const write = (name: string, s: unknown) => {
    const f = join(tmp, name);
    writeFileSync(f, JSON.stringify(s));
    return f;
  };
  const metric = spawnSync(process.execPath, [CLI, 'run', write('metric.json', { ...base, retrieval: { ...base.retrieval, metrics: ['macroF1'] } }), '--out', join(tmp, 'o1')], {
    encoding: 'utf8',
  });
  assert.equal(metric.status, 2, metric.stderr);
  assert.match(metric.stderr, /retrieval\.metrics\[0\]/);
  assert.doesNotMatch(metric.stderr, /\n\s+at /);
  const empty = spawnSync(
    process.execPath,
    [CLI, 'run', write('empty.json', { ...base, dataset: { ...base.dataset, maxExamples: 20, testFraction: 0.01 }, baseline: { seconds: 0.5 } }), '--out', join(tmp, 'o2')],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(empty.status, 2, empty.stderr);
  assert.match(empty.stderr, /field "dataset\.testFraction".*the index is empty/);
  assert.doesNotMatch(empty.stderr, /\n\s+at /);
});

test('kdbench run: --teacher with a retrieval suite is refused with exit code 2', () => {
  const saved = join(tmp, 'saved-teacher');
  mkdirSync(saved, { recursive: true });
  writeFileSync(join(saved, 'model.json'), '{}');
  const r = spawnSync(process.execPath, [CLI, 'run', 'retrieval-spam', '--quick', '--teacher', saved, '--out', join(tmp, 'o3')], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--teacher: a retrieval suite trains its bi-encoder teacher/);
});
