/**
 * Retrieval figures a command model reports in its evaluate step (suites/command-result.schema.json):
 * "recall@1", "recall@10", "mrr@10", "ndcg@10", "queries", "indexDocuments", or "ranks" (the rank of every
 * query's relevant document), from which kdbench computes the metrics itself, with bootstrap intervals over
 * queries, and checks the reported ones. A rank of 0 (no relevant document in the index) or past the index is refused.
 */
import type { RetrievalMetricsRecord } from '../../core/contract.js';
import { UserError } from '../../core/errors.js';
import { deriveSeed } from '../../core/random.js';
import { bootstrapPairedMeanDiffCI } from '../../benchmark/stats.js';
import { perQuery, retrievalScores, RETRIEVAL_METRICS } from '../../distillation/retrieval/metrics.js';
import type { StepResult } from '../../ownmodels/protocol.js';

export function commandRetrieval(
  r: StepResult,
  where: string,
  seed = 0,
): { record: RetrievalMetricsRecord; correct?: Uint8Array } | undefined {
  const reported = Object.fromEntries(RETRIEVAL_METRICS.filter((k) => r[k] !== undefined).map((k) => [k, r[k]!])) as Record<string, number>;
  if (!r.ranks && Object.keys(reported).length === 0) return undefined;
  if (!r.ranks)
    return {
      record: {
        metrics: reported,
        queries: r.queries ?? NaN,
        indexDocuments: r.indexDocuments ?? NaN,
      },
    };
  const ranks = r.ranks;
  if (r.queries !== undefined && r.queries !== ranks.length)
    throw new UserError(`${where}: field "ranks" has ${ranks.length} entries; field "queries" says ${r.queries}`);
  ranks.forEach((k, i) => {
    if (k === 0) throw new UserError(`${where}: field "ranks[${i}]": query ${i} has no relevant document in the index (rank 0)`);
    if (r.indexDocuments !== undefined && k > r.indexDocuments)
      throw new UserError(`${where}: field "ranks[${i}]": rank ${k} is past the index of ${r.indexDocuments} documents`);
  });
  const metrics = retrievalScores(ranks);
  for (const [k, v] of Object.entries(reported))
    if (Math.abs(v - metrics[k as keyof typeof metrics]) > 1e-3)
      throw new UserError(`${where}: field "${k}" (${v}) disagrees with the ranks (${metrics[k as keyof typeof metrics]})`);
  const zeros = new Array<number>(ranks.length).fill(0);
  const ci95 = Object.fromEntries(
    RETRIEVAL_METRICS.map((k, i) => [
      k,
      bootstrapPairedMeanDiffCI(Array.from(perQuery(k, ranks)), zeros, { seed: deriveSeed(seed, `command-retrieval:${i}`) }),
    ]),
  ) as Record<string, [number, number]>;
  return {
    record: { metrics, ci95, queries: ranks.length, indexDocuments: r.indexDocuments ?? Math.max(...ranks) },
    correct: Uint8Array.from(ranks, (k) => (k === 1 ? 1 : 0)),
  };
}
