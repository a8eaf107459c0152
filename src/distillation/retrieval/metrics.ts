/**
 * Ranking metrics with one relevant document per query (query i's document is index row relevant[i]):
 * recall@k (the relevant document is among the first k), reciprocal rank cut at 10 (MRR@10 is its mean),
 * nDCG@10 (1 / log2(1 + rank) within the first 10, the ideal DCG being 1). Ties are broken against the
 * relevant document (a document with an equal score ranks above it), so a model that scores everything
 * alike gets the worst rank, not the best.
 */
export const RETRIEVAL_METRICS = ['recall@1', 'recall@10', 'mrr@10', 'ndcg@10'] as const;
export type RetrievalMetric = (typeof RETRIEVAL_METRICS)[number];

/** Per query: 1-based rank of its relevant document among the index rows, from embeddings [n, dim] (L2-normalised). */
export function ranksOf(queries: Float32Array, index: Float32Array, dim: number, relevant: ArrayLike<number>): Int32Array {
  const nq = queries.length / dim;
  const nd = index.length / dim;
  const ranks = new Int32Array(nq);
  const scores = new Float32Array(nd);
  for (let i = 0; i < nq; i++) {
    const q = queries.subarray(i * dim, (i + 1) * dim);
    for (let j = 0; j < nd; j++) {
      let s = 0;
      const o = j * dim;
      for (let k = 0; k < dim; k++) s += q[k] * index[o + k];
      scores[j] = s;
    }
    const r = relevant[i];
    const sr = scores[r];
    let above = 0;
    // NaN scores (a broken model) rank above the relevant document too.
    for (let j = 0; j < nd; j++) if (j !== r && !(scores[j] < sr)) above++;
    ranks[i] = Number.isNaN(sr) ? nd : above + 1;
  }
  return ranks;
}

/** Per-query values of a metric from 1-based ranks. */
export function perQuery(metric: RetrievalMetric, ranks: ArrayLike<number>): Float64Array {
  const out = new Float64Array(ranks.length);
  for (let i = 0; i < ranks.length; i++) {
    const r = ranks[i];
    switch (metric) {
      case 'recall@1':
        out[i] = r <= 1 ? 1 : 0;
        break;
      case 'recall@10':
        out[i] = r <= 10 ? 1 : 0;
        break;
      case 'mrr@10':
        out[i] = r <= 10 ? 1 / r : 0;
        break;
      case 'ndcg@10':
        out[i] = r <= 10 ? 1 / Math.log2(1 + r) : 0;
        break;
    }
  }
  return out;
}

export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Every metric's mean over the queries. */
export function retrievalScores(ranks: ArrayLike<number>): Record<RetrievalMetric, number> {
  return Object.fromEntries(RETRIEVAL_METRICS.map((m) => [m, mean(perQuery(m, ranks))])) as Record<RetrievalMetric, number>;
}
