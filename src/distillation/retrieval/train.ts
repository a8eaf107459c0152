/**
 * Training and running a bi-encoder: any kdbench text model whose output (`logits`, width `embeddingDim`)
 * is read as the embedding. The transformer's output is a linear projection of its masked mean pooling,
 * so a transformer bi-encoder is the usual "mean pooling + dense" sentence encoder.
 */
import { tf } from '../backend.js';
import { trainEpochs, type TrainResult } from '../train.js';
import type { TextClassifier, TrainConfig } from '../models/types.js';
import type { EncodedPairs } from '../data/retrieval.js';
import { l2Normalize, retrievalLoss, type RetrievalDistillation, type RetrievalLossConfig } from './loss.js';

export interface RetrievalTrainOptions {
  seed: number;
  loss: RetrievalLossConfig;
  /** The teacher's embeddings of every training query and document [n, embeddingDim]: distillation when given. */
  teacher?: { queries: Float32Array; docs: Float32Array; dim: number; method: RetrievalDistillation };
  onStep?: (step: number, totalSteps: number, loss: number) => void;
}

export type RetrievalTrainResult = TrainResult;

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

function rows(src: Int32Array | Float32Array, width: number, idx: readonly number[]): Int32Array | Float32Array {
  const out = src instanceof Int32Array ? new Int32Array(idx.length * width) : new Float32Array(idx.length * width);
  idx.forEach((r, i) => out.set(src.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/**
 * Trains with Adam on batches of pairs (seeded order; a last batch of one pair is dropped: it has no negative).
 * A student and its control see the same batches when given the same seed; only the loss differs.
 */
export function trainRetrieval(
  model: TextClassifier,
  set: EncodedPairs,
  cfg: TrainConfig,
  opts: RetrievalTrainOptions,
): Promise<RetrievalTrainResult> {
  return trainEpochs(model, set.n, cfg, {
    seed: opts.seed,
    stepsPerEpoch: Math.ceil(set.n / cfg.batchSize) - (set.n % cfg.batchSize === 1 && set.n > 1 ? 1 : 0),
    ...(opts.onStep ? { onStep: opts.onStep } : {}),
    lossOf: (idx) => {
      const b = idx.length;
      const q = tf.tensor2d(rows(set.queries, set.querySeqLen, idx), [b, set.querySeqLen], 'int32');
      const d = tf.tensor2d(rows(set.docs, set.docSeqLen, idx), [b, set.docSeqLen], 'int32');
      const t = opts.teacher;
      const teacher = t
        ? {
            q: tf.tensor2d(rows(t.queries, t.dim, idx), [b, t.dim]),
            d: tf.tensor2d(rows(t.docs, t.dim, idx), [b, t.dim]),
            method: t.method,
          }
        : undefined;
      return retrievalLoss(model.logits(q), model.logits(d), opts.loss, teacher);
    },
  });
}

/** L2-normalised embeddings of `n` rows of `ids` ([n, seqLen] row-major), in batches: [n, dim]. */
export async function encodeTexts(
  model: TextClassifier,
  ids: Int32Array,
  n: number,
  seqLen: number,
  batchSize: number,
): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const out = tf.tidy(() =>
      l2Normalize(model.logits(tf.tensor2d(ids.subarray(start * seqLen, end * seqLen), [end - start, seqLen], 'int32'))),
    );
    parts.push((await out.data()) as Float32Array);
    out.dispose();
    await yieldToLoop();
  }
  const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return all;
}

/**
 * Brute-force search: the top `k` index rows of each query by dot product of normalised embeddings
 * (cosine), computed in tfjs on the run's backend. Returns [queries, k] row indices, best first.
 */
export async function searchTopK(queries: Float32Array, index: tf.Tensor2D, dim: number, k: number): Promise<Int32Array> {
  const nq = queries.length / dim;
  const out = tf.tidy(() => tf.topk(tf.matMul(tf.tensor2d(queries, [nq, dim]), index, false, true), Math.min(k, index.shape[0])).indices);
  const idx = (await out.data()) as Int32Array;
  out.dispose();
  return idx;
}
