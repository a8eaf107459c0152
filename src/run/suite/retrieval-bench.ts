/**
 * The energy of using a retrieval model, each part in its own measured phase, per model and round
 * (rounds interleaved over the models, as the inference benchmarks are):
 *   retrieval-index:MODEL:rK   encoding every index document (whole passes over the index until the time budget is spent)
 *   retrieval-query:MODEL:rK   encoding test queries in batches of retrieval.queryBatchSize (cycling until the budget)
 *   retrieval-score:MODEL:rK   scoring query embeddings against the index: one matrix product and top 10 a batch
 * An hf-onnx encoder's texts are tokenized by its own tokenizer before each phase (its prepare), as the
 * TensorFlow.js models' token ids are made in data-preparation: the phases hold the models' work.
 * The budget is inference.timeMs per part; at least one pass or batch is always made. Every batch awaits
 * its result (`await data()`), so the work is done inside the phase. Energies are filled in at finalisation
 * from the phases (retrievalCosts).
 */
import type { RetrievalCostRecord, RunJson } from '../../core/contract.js';
import { tf } from '../../distillation/backend.js';
import { searchTopK } from '../../distillation/retrieval/train.js';
import type { RetrievalData, RetrievalModel } from './retrieval-types.js';
import type { SuiteStepContext } from './types.js';

export type PendingCost = Omit<RetrievalCostRecord, 'energyJ' | 'uncertaintyJ' | 'jPer1000' | 'method'>;

export async function retrievalBench(
  s: SuiteStepContext,
  d: RetrievalData,
  models: RetrievalModel[],
  queryEmb: Map<string, Float32Array>,
  repeats: number,
  pending: PendingCost[],
): Promise<void> {
  const { run, suite } = s;
  const spec = suite.retrieval!;
  const budgetMs = suite.inference.timeMs;
  const qb = spec.queryBatchSize ?? 32;
  const ib = spec.indexBatchSize ?? 128;
  const { test } = d.data;
  run.progress.begin(
    `retrieval energy: index, queries, scoring${repeats > 1 ? ` (${repeats} interleaved rounds)` : ''}`,
    repeats * models.length,
  );
  let done = 0;
  for (let round = 1; round <= repeats; round++) {
    for (const m of models) {
      const name = m.name;
      const dim = m.dim;
      // The index: whole passes over the test documents (an hf-onnx model's tokens made before the phase).
      m.prepare?.('docs', ib);
      let phase = `retrieval-index:${name}:r${round}`;
      await run.phase(phase, name);
      let index: Float32Array | undefined;
      let docs = 0;
      const t0 = performance.now();
      do {
        index = await m.encode('test', 'docs', 0, test.n, ib);
        docs += test.n;
        run.check();
      } while (performance.now() - t0 < budgetMs);
      pending.push({ model: name, part: 'index', phase, round, items: docs });

      // Query encoding: batches of the test queries, cycling.
      m.prepare?.('queries', qb);
      phase = `retrieval-query:${name}:r${round}`;
      await run.phase(phase, name);
      let queries = 0;
      let start = 0;
      const t1 = performance.now();
      do {
        const end = Math.min(test.n, start + qb);
        await m.encode('test', 'queries', start, end, qb);
        queries += end - start;
        start = end >= test.n ? 0 : end;
        run.check();
      } while (performance.now() - t1 < budgetMs);
      pending.push({ model: name, part: 'query', phase, round, items: queries });

      // Scoring: query embeddings (from the evaluation) against the index just built.
      phase = `retrieval-score:${name}:r${round}`;
      const emb = queryEmb.get(name)!;
      const indexT = tf.tensor2d(index, [test.n, dim]);
      await run.phase(phase, name);
      let scored = 0;
      start = 0;
      const t2 = performance.now();
      try {
        do {
          const end = Math.min(test.n, start + qb);
          await searchTopK(emb.subarray(start * dim, end * dim), indexT, dim, 10);
          scored += end - start;
          start = end >= test.n ? 0 : end;
          run.check();
        } while (performance.now() - t2 < budgetMs);
      } finally {
        indexT.dispose();
      }
      pending.push({ model: name, part: 'scoring', phase, round, items: scored });
      run.progress.update(++done, `${name} r${round}`);
    }
  }
  run.progress.end();
}

/** The recorded parts with their phases' energy (gross, all devices); a phase that is missing leaves NaN (unknown, never 0). */
export function retrievalCosts(run: Pick<RunJson, 'phases'>, pending: readonly PendingCost[]): RetrievalCostRecord[] {
  const byName = new Map(run.phases.map((p) => [p.name, p]));
  return pending.map((c) => {
    const p = byName.get(c.phase);
    const energyJ = p?.energyJ ?? NaN;
    const methods = p ? [...new Set(p.domains.map((x) => x.method))].sort() : [];
    return {
      ...c,
      energyJ,
      uncertaintyJ: p?.uncertaintyJ ?? NaN,
      jPer1000: (energyJ / c.items) * 1000,
      method: methods.length ? methods.join('+') : 'unknown',
    };
  });
}
