/**
 * Retrieval runs in a comparison: per run and model, the ranking metrics and the energy of search (index
 * encoding per 1,000 documents, query encoding + scoring per 1,000 queries) and each student's break-even
 * in queries at the run's index size. Runs without retrieval figures are left out of this table.
 */
import { h, p, table, type Block } from '../doc.js';
import { int, sig } from '../format.js';
import { inferencesInWords } from '../breakeven.js';
import { estimateSuffix } from '../metrics.js';
import { retrievalBreakEvens, retrievalCosts } from '../retrieval.js';
import type { LoadedRun } from './check.js';

const f3 = (x: number | undefined) => (x === undefined || x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(3));

export function compareRetrievalBlocks(runs: LoadedRun[]): Block[] {
  const withRetrieval = runs.filter((r) => r.run.retrieval);
  if (withRetrieval.length === 0) return [];
  const rows: string[][] = [];
  for (const r of withRetrieval) {
    const costs = retrievalCosts(r.run);
    const bes = retrievalBreakEvens(r.run);
    for (const m of r.run.models) {
      const c = costs.get(m.name);
      const b = bes.find((x) => x.student === m.name);
      rows.push([
        r.label,
        m.name,
        m.role,
        f3(m.retrieval?.metrics['recall@10']),
        f3(m.retrieval?.metrics['mrr@10']),
        f3(m.retrieval?.metrics['ndcg@10']),
        c ? `${sig(c.index.jPer1000)}${estimateSuffix(r.run)}` : 'n/a',
        c ? `${sig(c.query.jPer1000 + c.scoring.jPer1000)}${estimateSuffix(r.run)}` : 'n/a',
        b ? (b.queriesAtRunIndex === null ? 'never' : inferencesInWords(b.queriesAtRunIndex)) : '',
      ]);
    }
  }
  return [
    h(2, 'Retrieval'),
    p(
      "Retrieval runs: ranking quality on each run's own test queries (one relevant document each, the test documents as the index) and the energy of search, gross joules, medians over the rounds. ",
      `Break-even: queries after which the student has paid back its distillation, at the run's index size (${withRetrieval.map((r) => `${r.label}: ${int(r.run.retrieval!.indexDocuments)} documents`).join(', ')}).`,
    ),
    table(
      [
        'run',
        'model',
        'role',
        'recall@10',
        'MRR@10',
        'nDCG@10',
        'index: J / 1,000 documents',
        'query + scoring: J / 1,000 queries',
        'break-even, queries',
      ],
      rows,
    ),
  ];
}
