/**
 * summary.csv of a retrieval run (run.json `retrieval`): a row per model with its ranking metrics and their
 * bootstrap intervals over queries, and the energy of each part of its use (medians over the interleaved
 * rounds, retrieval.ts) with their error bounds: encoding the index once per 1,000 documents, encoding and scoring per
 * 1,000 queries; the method of each part (energy_methods) and of each device (energy_method).
 * A classification summary's accuracy column would hold recall@1 there, under the wrong name; this one names
 * every figure. Unknown values are empty cells, never 0.
 */
import type { ModelRecord, RunJson } from '../core/contract.js';
import { stringifyCsv } from './csv.js';
import { retrievalCosts, type PartCost } from './retrieval.js';
import { energyMethodCell, intensityFallbackCell } from './summary.js';

const METRICS = ['recall@1', 'recall@10', 'mrr@10', 'ndcg@10'] as const;
const column = (m: string) => m.replace('@', '_at_');

export const RETRIEVAL_SUMMARY_COLUMNS = [
  'model',
  'role',
  'kind',
  'params',
  'embedding_dim',
  'queries',
  'index_documents',
  ...METRICS.flatMap((m) => [column(m), `${column(m)}_ci95_lo`, `${column(m)}_ci95_hi`]),
  'recall_at_10_vs_teacher',
  'index_j_per_1000_documents',
  'index_uncertainty_j_per_1000_documents',
  'encode_queries_j_per_1000',
  'encode_queries_uncertainty_j_per_1000',
  'scoring_j_per_1000',
  'scoring_uncertainty_j_per_1000',
  'query_j_per_1000',
  'query_uncertainty_j_per_1000',
  'query_energy_vs_teacher',
  'gco2e_per_1000_queries',
  'rounds',
  'energy_methods',
  'status',
  'energy_method',
  'intensity_fallback',
];

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const num = (x: unknown) => (finite(x) ? x : '');

/** J per 1,000 queries to serve them: encoding plus scoring against the run's index (NaN: unknown). */
function queryJ(c: { query: PartCost; scoring: PartCost } | undefined): number {
  return c ? c.query.jPer1000 + c.scoring.jPer1000 : NaN;
}

export function retrievalSummaryCsv(run: RunJson): string {
  const costs = retrievalCosts(run);
  const teacher = run.models.find((m) => m.role === 'teacher');
  const tMetric = teacher?.retrieval?.metrics['recall@10'];
  const tQuery = teacher ? queryJ(costs.get(teacher.name)) : NaN;
  const c = run.carbon;
  const gPerJ = c && finite(c.intensityGCO2ePerKWh) && finite(c.pue) ? (c.intensityGCO2ePerKWh * c.pue) / 3.6e6 : NaN;
  const row = (m: ModelRecord) => {
    const r = m.retrieval;
    const k = costs.get(m.name);
    const q = queryJ(k);
    const r10 = r?.metrics['recall@10'];
    return [
      m.name,
      m.role,
      m.kind,
      num(m.params),
      num(r?.embeddingDim),
      num(r?.queries),
      num(r?.indexDocuments),
      ...METRICS.flatMap((x) => [num(r?.metrics[x]), num(r?.ci95?.[x]?.[0]), num(r?.ci95?.[x]?.[1])]),
      finite(r10) && finite(tMetric) && tMetric > 0 ? r10 / tMetric : '',
      num(k?.index.jPer1000),
      num(k?.index.uncertaintyJPer1000),
      num(k?.query.jPer1000),
      num(k?.query.uncertaintyJPer1000),
      num(k?.scoring.jPer1000),
      num(k?.scoring.uncertaintyJPer1000),
      num(q),
      // Error bounds are worst cases: the bound of encoding plus scoring is the sum of their bounds.
      num(k ? k.query.uncertaintyJPer1000 + k.scoring.uncertaintyJPer1000 : NaN),
      finite(q) && finite(tQuery) && tQuery > 0 ? q / tQuery : '',
      num(q * gPerJ),
      k ? Math.min(k.index.rounds, k.query.rounds, k.scoring.rounds) || '' : '',
      k ? [...new Set([k.index.method, k.query.method, k.scoring.method])].join('+') : '',
      run.status,
      energyMethodCell(run),
      intensityFallbackCell(run),
    ];
  };
  return stringifyCsv([RETRIEVAL_SUMMARY_COLUMNS, ...run.models.map(row)]);
}
