/** The retrieval break-even: per-query and per-document savings, the index that alone pays, scoring scaled with the index. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunJson } from '../../src/core/contract.js';
import { queriesToBreakEven, retrievalBreakEvens, retrievalCosts } from '../../src/report/retrieval.js';
import { retrievalBlocks } from '../../src/report/sections/retrieval.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { compareRetrievalBlocks } from '../../src/report/compare/retrieval.js';
import { retrievalCost } from '../support/retrieval-costs.js';

const close = (a: number | null, b: number, eps = 1e-6) =>
  assert.ok(a !== null && Math.abs(a - b) <= eps * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

const cost = retrievalCost;

function fixture(studentDim = 64): RunJson {
  const phase = (name: string, energyJ: number, model?: string) => ({
    name,
    ...(model ? { model } : {}),
    energyJ,
    startedAt: '',
    endedAt: '',
    durationS: 1,
    uncertaintyJ: 0,
    domains: [],
  });
  const model = (name: string, role: 'teacher' | 'student' | 'control', phaseName: string, dim: number, r10: number) => ({
    name,
    role,
    kind: 'transformer',
    params: 1,
    accuracy: 0.1,
    macroF1: NaN,
    architecture: {},
    training: { epochs: 1, steps: 1, phase: phaseName, finalLoss: 0 },
    retrieval: { metrics: { 'recall@10': r10 }, queries: 100, indexDocuments: 100, embeddingDim: dim },
    ...(role === 'student' ? { pairedWith: 'teacher' } : {}),
  });
  return {
    phases: [
      phase('teacher-training', 50, 'teacher'),
      phase('teacher-embeddings', 1, 'teacher'),
      phase('distillation:s-mse', 2, 's-mse'),
      phase('control-training:s-control', 2, 's-control'),
    ],
    models: [
      model('teacher', 'teacher', 'teacher-training', 64, 0.5),
      model('s-mse', 'student', 'distillation:s-mse', studentDim, 0.45),
      model('s-control', 'control', 'control-training:s-control', studentDim, 0.4),
    ],
    retrieval: {
      metrics: ['recall@10'],
      queries: 100,
      indexDocuments: 100,
      queryBatchSize: 32,
      scoring: 'brute force',
      costs: [
        cost('teacher', 'index', 2),
        cost('teacher', 'query', 1),
        cost('teacher', 'query', 3, 2),
        cost('teacher', 'query', 1.2, 3),
        cost('teacher', 'scoring', 0.5),
        cost('s-mse', 'index', 0.5),
        cost('s-mse', 'query', 0.25),
        cost('s-mse', 'scoring', 0.3),
      ],
      comparisons: [{ metric: 'recall@10', a: 's-mse', b: 's-control', estimate: 0.05, ci95: [0.01, 0.09], n: 100 }],
    },
    inference: [],
    meter: { domains: [{ device: 'cpu', method: 'estimated' }] },
  } as unknown as RunJson;
}

test('costs are medians over rounds with their range', () => {
  const c = retrievalCosts(fixture()).get('teacher')!;
  assert.equal(c.query.jPer1000, 1.2);
  assert.deepEqual(c.query.range, [1, 3]);
  assert.equal(c.query.rounds, 3);
});

test('break-even with equal embedding widths: scoring saves nothing, C = distillation + teacher embeddings', () => {
  const [b] = retrievalBreakEvens(fixture());
  assert.equal(b.student, 's-mse');
  assert.equal(b.distillationJ, 3);
  assert.deepEqual(b.distillationPhases, ['teacher-embeddings', 'distillation:s-mse']);
  assert.equal(b.teacherTrainingJ, 50);
  assert.ok(b.scoringEqual);
  close(b.savedPerQueryJ, (1.2 - 0.25) / 1000);
  close(b.savedPerDocumentJ, 1.5 / 1000);
  close(b.documentsAlone, 3 / 1.5e-3);
  // (3 - 100 x 1.5e-3) / 0.95e-3
  close(b.queriesAtRunIndex, (3 - 0.15) / 0.95e-3);
  assert.equal(queriesToBreakEven(b, 2000), 0, 'an index of 2,000 documents pays alone');
  close(queriesToBreakEven(b, 100, 53), (53 - 0.15) / 0.95e-3);
});

test('break-even with a narrower student embedding: the scoring saving counts and grows with the index', () => {
  const [b] = retrievalBreakEvens(fixture(32));
  assert.ok(!b.scoringEqual);
  close(b.savedScoringPerQueryJ, 0.2 / 1000);
  close(b.savedPerQueryJ, (0.95 + 0.2) / 1000);
  // At 10x the index: scoring saving x10, index saving x10.
  close(queriesToBreakEven({ ...b, savedPerDocumentJ: 0 }, 1000), 3 / ((0.95 + 2) / 1000));
});

test('a student that costs more per query and per document never pays back', () => {
  const run = fixture();
  run.retrieval!.costs = run.retrieval!.costs.map((c) => (c.model === 's-mse' ? { ...c, jPer1000: c.jPer1000 * 10 } : c));
  const [b] = retrievalBreakEvens(run);
  assert.equal(b.queriesAtRunIndex, null);
  assert.equal(b.documentsAlone, null);
  const md = renderMarkdown(retrievalBlocks(run, { requestsPerDay: 1000, source: 'test' }));
  assert.match(
    md,
    /never pays back through queries with the run's index of 100 documents \(the student saves no energy per query\); the student saves nothing per indexed document\./,
  );
});

test('a student loaded, not distilled in the run, has nothing to pay back; an unknown distillation energy gives no break-even', () => {
  const loaded = fixture();
  loaded.phases = loaded.phases.filter((p) => p.name !== 'distillation:s-mse');
  const [b] = retrievalBreakEvens(loaded);
  assert.ok(Number.isNaN(b.distillationJ));
  const md = renderMarkdown(retrievalBlocks(loaded, { requestsPerDay: 1000, source: 'test' }));
  assert.match(
    md,
    /s-mse[^\n]*0\.95 J saved per 1,000 queries[^\n]*it was not distilled in this run \(loaded\), so there is no distillation energy to pay back/,
  );
  assert.doesNotMatch(md, /never pays back/);
  const unknown = fixture();
  (unknown.phases.find((p) => p.name === 'distillation:s-mse') as unknown as Record<string, unknown>).energyJ = null;
  const mdU = renderMarkdown(retrievalBlocks(unknown, { requestsPerDay: 1000, source: 'test' }));
  assert.match(mdU, /the energy of its distillation is unknown \(n\/a\), so no break-even is given/);
  assert.doesNotMatch(mdU, /never pays back|pays back after/);
});

test('the report section states the verdict against the control, the savings and the payback', () => {
  const md = renderMarkdown(retrievalBlocks(fixture(), { requestsPerDay: 1000, source: 'test' }));
  assert.match(md, /## Decision \(retrieval\)/);
  assert.match(md, /against its control s-control \+0\.050 \\\[0\.01, 0\.09\\\]: distillation helped/);
  assert.match(md, /pays back after 3,00\d queries with the run's index of 100 documents \(3 days at 1,000 queries a day\)/);
  assert.match(md, /with an index of 2,000 documents without any query/);
  assert.match(md, /## Break-even of distillation \(retrieval\)/);
  assert.match(md, /saving is taken as 0/);
});

test('compare: retrieval runs get a table of ranking metrics, energy of search and break-even per model', () => {
  const md = renderMarkdown(compareRetrievalBlocks([{ dir: '/x/r1', label: 'R1', run: fixture() }]));
  assert.match(md, /## Retrieval/);
  assert.match(md, /\| R1 \| s-mse \| student \| 0\.450 \| n\/a \| n\/a \| 0\.5 \(ESTIMATED\) \| 0\.55 \(ESTIMATED\) \| 3,00\d \|/);
  assert.match(md, /\| R1 \| teacher \| teacher \| 0\.500 \|/);
  // A classification run adds nothing.
  const { retrieval: _r, ...plain } = fixture();
  assert.deepEqual(compareRetrievalBlocks([{ dir: '/x/r2', label: 'R2', run: plain as RunJson }]), []);
});
