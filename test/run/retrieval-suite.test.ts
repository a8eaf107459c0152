/**
 * A retrieval suite end to end through the CLI: bi-encoders trained and distilled, ranking metrics with
 * intervals in run.json, the energy of index, query and scoring phases filled in, the retrieval report.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSuite } from '../../src/suites/load.js';
import { REPO } from '../support/meters-fakes.js';

const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
let dir: string;
let run: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

before(() => {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-retrieval-run-'));
  const base = loadSuite('retrieval-spam').suite;
  const suite = {
    ...base,
    quick: undefined,
    dataset: { ...base.dataset, maxExamples: 160, seqLen: 16, vocabSize: 500 },
    retrieval: { ...base.retrieval, querySeqLen: 8, embeddingDim: 16 },
    teacher: {
      name: 'teacher',
      kind: 'transformer',
      dModel: 16,
      heads: 2,
      layers: 1,
      ffDim: 16,
      train: { epochs: 1, batchSize: 32, learningRate: 0.002 },
    },
    students: [{ name: 'bag', kind: 'embedding-bag', dModel: 8, hidden: 0, train: { epochs: 1, batchSize: 32, learningRate: 0.01 } }],
    inference: { batchSizes: [32], timeMs: 20, repeats: 2 },
    baseline: { seconds: 0.5 },
  };
  const file = join(tmp, 'tiny-retrieval.json');
  writeFileSync(file, JSON.stringify(suite));
  dir = join(tmp, 'out');
  const r = spawnSync(process.execPath, [CLI, 'run', file, '--out', dir, '--backend', 'cpu', '--requests-per-day', '500'], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.equal(r.status, 0, r.stderr);
  run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
});

test('phases: teacher, shared teacher embeddings, one student per distillation method, the control, evaluation, energy parts', () => {
  const names: string[] = run.phases.map((p: { name: string }) => p.name);
  for (const n of [
    'data-preparation',
    'teacher-training',
    'teacher-embeddings',
    'distillation:bag-mse',
    'distillation:bag-kl',
    'control-training:bag-control',
    'evaluation',
  ])
    assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  for (const m of ['teacher', 'bag-mse', 'bag-kl', 'bag-control'])
    for (const part of ['index', 'query', 'score'])
      for (const r of [1, 2]) assert.ok(names.includes(`retrieval-${part}:${m}:r${r}`), `${part} ${m} r${r}`);
});

test('models carry recall@1/10, MRR@10, nDCG@10 in [0, 1] with intervals that hold them; accuracy is recall@1, macro-F1 null', () => {
  assert.deepEqual(
    run.models.map((m: { name: string; role: string }) => `${m.name}:${m.role}`),
    ['teacher:teacher', 'bag-mse:student', 'bag-kl:student', 'bag-control:control'],
  );
  assert.equal(run.dataset.task, 'retrieval');
  const n = run.dataset.index.documents;
  assert.ok(n >= 30, `index of ${n}`);
  for (const m of run.models) {
    assert.equal(m.retrieval.queries, n);
    assert.equal(m.accuracy, m.retrieval.metrics['recall@1']);
    assert.equal(m.macroF1, null);
    for (const k of ['recall@1', 'recall@10', 'mrr@10', 'ndcg@10']) {
      const v = m.retrieval.metrics[k];
      const [lo, hi] = m.retrieval.ci95[k];
      assert.ok(v >= 0 && v <= 1, `${m.name} ${k} ${v}`);
      assert.ok(lo <= v + 1e-9 && v <= hi + 1e-9, `${m.name} ${k} ${v} in [${lo}, ${hi}]`);
    }
    assert.ok(m.retrieval.metrics['recall@1'] <= m.retrieval.metrics['mrr@10'] + 1e-12);
    assert.ok(m.retrieval.metrics['mrr@10'] <= m.retrieval.metrics['ndcg@10'] + 1e-12);
    assert.ok(m.retrieval.metrics['ndcg@10'] <= m.retrieval.metrics['recall@10'] + 1e-12);
  }
  assert.equal(run.retrieval.distillation['bag-mse'], 'mse');
  assert.equal(run.retrieval.distillation['bag-kl'], 'kl');
});

test('energy of index, query and scoring: every part measured, per 1,000 items, with its method', () => {
  const costs = run.retrieval.costs;
  assert.equal(costs.length, 4 * 3 * 2);
  for (const c of costs) {
    const phase = run.phases.find((p: { name: string }) => p.name === c.phase);
    assert.ok(phase, c.phase);
    assert.equal(c.energyJ, phase.energyJ);
    assert.ok(c.items >= (c.part === 'index' ? run.retrieval.indexDocuments : 1));
    assert.ok(c.jPer1000 > 0 && Number.isFinite(c.jPer1000), `${c.phase} ${c.jPer1000}`);
    assert.ok(Math.abs(c.jPer1000 - (c.energyJ / c.items) * 1000) < 1e-9);
    assert.ok(
      ['counter', 'sampled', 'estimated'].some((m) => c.method.includes(m)),
      c.method,
    );
  }
  assert.ok(run.retrieval.comparisons.some((c: { a: string; b: string }) => c.a === 'bag-mse' && c.b === 'bag-control'));
});

test('the report leads with the retrieval decision and has the break-even over queries and index size', () => {
  const md = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.ok(md.indexOf('## Decision (retrieval)') > 0);
  assert.ok(!md.includes('## Decision\n'), 'no classification decision box');
  assert.match(md, /at 500 queries a day|never pays|pays back after/);
  assert.match(md, /## Energy of search/);
  assert.match(md, /queries to pay back, index of 1,000,000/);
});
