/**
 * Losses of a bi-encoder (queries and documents encoded by the same model, scored by cosine similarity).
 *
 * - In-batch negatives (the contrastive loss of DPR, Karpukhin et al. 2020, and of Sentence-BERT's
 *   MultipleNegativesRankingLoss): for a batch of B (query, document) pairs, the B x B matrix of cosine
 *   scores times `scale` is a B-way classification per query whose right class is its own document;
 *   the loss is the mean cross-entropy. The other B - 1 documents are the negatives.
 * - Embedding MSE (Reimers & Gurevych 2020, "Making monolingual sentence embeddings multilingual using
 *   knowledge distillation"): the mean squared error between the student's and the teacher's embeddings of
 *   the same texts. Both are L2-normalised first, so the student matches the teacher's directions, which is
 *   all the cosine score reads.
 * - Score KL: KL(teacher || student) between the softmax over the in-batch documents of the teacher's and
 *   the student's scores for each query, softened by a temperature T and scaled by T^2 (as Hinton et al. 2015),
 *   the score-distribution distillation of e.g. TAS-B / Hofstaetter et al. 2021 ("margin" variants aside).
 *
 * The distillation loss of a student is softWeight x (MSE or KL) + hardWeight x in-batch contrastive.
 */
import { tf } from '../backend.js';

export type RetrievalDistillation = 'mse' | 'kl';

export interface RetrievalLossConfig {
  /** Cosine scores are multiplied by this before the softmax (1 / temperature; Sentence-BERT uses 20). */
  scale: number;
  /** Temperature of the score KL. */
  temperature: number;
  softWeight: number;
  hardWeight: number;
}

/** Rows divided by their L2 norm. */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return x.div(x.square().sum(1, true).add(1e-12).sqrt()) as tf.Tensor2D;
}

/** Cosine scores of every query against every document: [queries, documents]. */
export function cosineScores(q: tf.Tensor2D, d: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(l2Normalize(q), l2Normalize(d), false, true);
}

/** Mean cross-entropy of each query against the in-batch documents; query i's document is row i. */
export function inBatchContrastive(q: tf.Tensor2D, d: tf.Tensor2D, scale: number): tf.Scalar {
  const logits = cosineScores(q, d).mul(scale) as tf.Tensor2D;
  const n = logits.shape[0];
  const diag = tf.oneHot(tf.range(0, n, 1, 'int32'), logits.shape[1]);
  return tf.neg(tf.mean(tf.sum(diag.mul(tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** Squared distance between the L2-normalised embeddings (2 - 2 cos), summed over dimensions, mean over texts. */
export function embeddingMse(student: tf.Tensor2D, teacher: tf.Tensor2D): tf.Scalar {
  return tf.mean(tf.sum(tf.squaredDifference(l2Normalize(student), l2Normalize(teacher)), 1)) as tf.Scalar;
}

/** T^2 x mean over queries of KL(softmax(teacher scores / T) || softmax(student scores / T)), scores x scale. */
export function scoreKl(sq: tf.Tensor2D, sd: tf.Tensor2D, tq: tf.Tensor2D, td: tf.Tensor2D, scale: number, temperature: number): tf.Scalar {
  const t = temperature;
  const s = cosineScores(sq, sd).mul(scale / t);
  const p = tf.softmax(cosineScores(tq, td).mul(scale / t));
  const kl = tf.sum(p.mul(tf.log(p.add(1e-12)).sub(tf.logSoftmax(s))), 1);
  return tf.mean(kl).mul(t * t) as tf.Scalar;
}

/** The loss of one batch: contrastive alone (teacher, control), or distillation from the teacher's embeddings. */
export function retrievalLoss(
  sq: tf.Tensor2D,
  sd: tf.Tensor2D,
  cfg: RetrievalLossConfig,
  teacher?: { q: tf.Tensor2D; d: tf.Tensor2D; method: RetrievalDistillation },
): tf.Scalar {
  const hard = inBatchContrastive(sq, sd, cfg.scale);
  if (!teacher) return hard;
  const soft =
    teacher.method === 'mse'
      ? embeddingMse(tf.concat([sq, sd]), tf.concat([teacher.q, teacher.d]))
      : scoreKl(sq, sd, teacher.q, teacher.d, cfg.scale, cfg.temperature);
  return soft.mul(cfg.softWeight).add(hard.mul(cfg.hardWeight)) as tf.Scalar;
}
