/**
 * summary.csv of a retrieval run: ranking metrics with their intervals under their own names (no
 * "accuracy" column holding recall@1), the three energy parts as medians over rounds, figures against the
 * teacher, gCO2e from the run's intensity and PUE, and unknown figures as empty cells, never 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunJson } from '../../src/core/contract.js';
import { RETRIEVAL_SUMMARY_COLUMNS, retrievalSummaryCsv } from '../../src/report/summary-retrieval.js';
import { parseCsv } from '../../src/report/samples.js';
import { writeReports } from '../../src/report/index.js';
import { retrievalCost } from '../support/retrieval-costs.js';

const cost = retrievalCost;

function model(name: string, role: string, r10: number, extra: Record<string, unknown> = {}) {
  return {
    name,
    role,
    kind: 'transformer',
    params: role === 'teacher' ? 4000 : 1000,
    accuracy: 0.1,
    macroF1: null,
    architecture: {},
    training: { epochs: 1, steps: 1, phase: `train:${name}`, finalLoss: 0 },
    retrieval: {
      metrics: { 'recall@1': r10 / 2, 'recall@10': r10, 'mrr@10': r10 / 3, 'ndcg@10': r10 / 2.5 },
      ci95: { 'recall@10': [r10 - 0.05, r10 + 0.05] },
      queries: 200,
      indexDocuments: 300,
      embeddingDim: role === 'teacher' ? 64 : 32,
    },
    ...extra,
  };
}

function fixture(): RunJson {
  return {
    schemaVersion: 1,
    status: 'completed',
    kind: 'suite',
    phases: [],
    inference: [],
    models: [model('teacher', 'teacher', 0.5), model('s-mse', 'student', 0.4, { pairedWith: 'teacher' }), model('s-cmd', 'student', 0.3)],
    retrieval: {
      metrics: ['recall@10'],
      queries: 200,
      indexDocuments: 300,
      queryBatchSize: 32,
      scoring: 'brute force',
      costs: [
        cost('teacher', 'index', 2),
        cost('teacher', 'index', 4, 2),
        cost('teacher', 'index', 3, 3),
        cost('teacher', 'query', 1),
        cost('teacher', 'query', 1, 2),
        cost('teacher', 'query', 1, 3),
        cost('teacher', 'scoring', 1),
        cost('teacher', 'scoring', 1, 2),
        cost('teacher', 'scoring', 1, 3),
        cost('s-mse', 'index', 0.5, 1, 'counter'),
        cost('s-mse', 'query', 0.25, 1, 'counter'),
        cost('s-mse', 'scoring', 0.25, 1, 'counter'),
        // s-cmd: its scoring energy is unknown (null in run.json).
        cost('s-cmd', 'index', 1),
        cost('s-cmd', 'query', 1),
        { ...cost('s-cmd', 'scoring', 1), jPer1000: null as unknown as number },
      ],
      comparisons: [],
    },
    meter: {
      domains: [
        { device: 'cpu', method: 'estimated' },
        { device: 'gpu0', method: 'counter' },
      ],
    },
    carbon: { intensityGCO2ePerKWh: 360, pue: 1.5, fallback: false },
  } as unknown as RunJson;
}

const rowsOf = (run: RunJson) => {
  const [header, ...rows] = parseCsv(retrievalSummaryCsv(run));
  return { header, rows: rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))) };
};

test('a row per model with its ranking metrics, intervals and energy parts; no accuracy column', () => {
  const { header, rows } = rowsOf(fixture());
  assert.deepEqual(header, RETRIEVAL_SUMMARY_COLUMNS);
  assert.ok(!header.includes('accuracy'));
  assert.equal(rows.length, 3);
  const [t, s] = rows;
  assert.equal(t.model, 'teacher');
  assert.equal(Number(t.recall_at_10), 0.5);
  assert.equal(Number(t.recall_at_1), 0.25);
  assert.equal(Number(t.recall_at_10_ci95_lo), 0.45);
  assert.equal(Number(t.recall_at_10_ci95_hi), 0.55);
  assert.equal(t.mrr_at_10_ci95_lo, '', 'an interval not in run.json is empty');
  assert.equal(Number(t.embedding_dim), 64);
  assert.equal(Number(t.index_documents), 300);
  // Medians over the three rounds: index 2, 4, 3 -> 3.
  assert.equal(Number(t.index_j_per_1000_documents), 3);
  assert.equal(Number(t.query_j_per_1000), 2);
  assert.equal(Number(t.rounds), 3);
  assert.equal(Number(s.recall_at_10_vs_teacher), 0.8);
  assert.equal(Number(s.encode_queries_j_per_1000), 0.25);
  assert.equal(Number(s.scoring_j_per_1000), 0.25);
  assert.equal(Number(s.query_j_per_1000), 0.5);
  assert.equal(Number(s.query_energy_vs_teacher), 0.25);
  // Error bounds per 1,000 items: half the energy in these records; encoding plus scoring add up.
  assert.equal(Number(s.index_uncertainty_j_per_1000_documents), 0.25);
  assert.equal(Number(s.encode_queries_uncertainty_j_per_1000), 0.125);
  assert.equal(Number(s.query_uncertainty_j_per_1000), 0.25);
  assert.equal(Number(t.index_uncertainty_j_per_1000_documents), 1.5, 'the median over rounds');
  assert.equal(s.energy_methods, 'counter');
  assert.equal(s.energy_method, 'cpu:estimated;gpu0:counter');
  assert.equal(s.intensity_fallback, 'false');
  // 0.5 J per 1,000 queries at 360 gCO2e/kWh and PUE 1.5.
  assert.ok(Math.abs(Number(s.gco2e_per_1000_queries) - (0.5 / 3.6e6) * 360 * 1.5) < 1e-15);
});

test('unknown energy is an empty cell, never 0; no carbon figures, no gCO2e', () => {
  const { rows } = rowsOf(fixture());
  const c = rows[2];
  assert.equal(Number(c.encode_queries_j_per_1000), 1);
  assert.equal(c.scoring_j_per_1000, '');
  assert.equal(c.query_j_per_1000, '');
  assert.equal(c.query_uncertainty_j_per_1000, '');
  assert.equal(c.scoring_uncertainty_j_per_1000, '', 'no bound for an unknown energy');
  assert.equal(Number(c.encode_queries_uncertainty_j_per_1000), 0.5);
  assert.equal(c.query_energy_vs_teacher, '');
  assert.equal(c.gco2e_per_1000_queries, '');
  const noCarbon = fixture();
  delete (noCarbon as { carbon?: unknown }).carbon;
  const r = rowsOf(noCarbon).rows[1];
  assert.equal(r.gco2e_per_1000_queries, '');
  assert.equal(r.intensity_fallback, '');
  const noTeacherCosts = fixture();
  noTeacherCosts.retrieval!.costs = noTeacherCosts.retrieval!.costs.filter((x) => x.model !== 'teacher');
  assert.equal(rowsOf(noTeacherCosts).rows[1].query_energy_vs_teacher, '');
});

test('kdbench report writes the retrieval summary for a retrieval run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kdbench-summary-retrieval-'));
  const run = JSON.parse(
    readFileSync(new URL('../../../test/fixtures/runs/pre-architecture/run.json', import.meta.url), 'utf8'),
  ) as RunJson;
  const f = fixture();
  run.models = f.models;
  run.retrieval = f.retrieval;
  run.inference = [];
  writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
  writeFileSync(
    join(dir, 'samples.csv'),
    readFileSync(new URL('../../../test/fixtures/runs/pre-architecture/samples.csv', import.meta.url)),
  );
  await writeReports(dir);
  const [header] = parseCsv(readFileSync(join(dir, 'summary.csv'), 'utf8'));
  assert.deepEqual(header, RETRIEVAL_SUMMARY_COLUMNS);
});
