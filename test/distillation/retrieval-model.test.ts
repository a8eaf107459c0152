/** Ranking metrics on known rankings, the bi-encoder losses against hand-computed values, and training that learns. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { perQuery, ranksOf, retrievalScores } from '../../src/distillation/retrieval/metrics.js';
import { embeddingMse, inBatchContrastive, scoreKl, retrievalLoss } from '../../src/distillation/retrieval/loss.js';
import { encodeTexts, trainRetrieval } from '../../src/distillation/retrieval/train.js';
import { selectBackend, tf } from '../../src/distillation/backend.js';
import { buildModel } from '../../src/distillation/models/build.js';

const close = (a: number, b: number, eps = 1e-5) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

test('ranks: the relevant document ranks by score; ties count against it', () => {
  // 2-d unit vectors: query 0 points at doc 1 best, then doc 0; query 1 at doc 1 exactly.
  const q = Float32Array.from([1, 0, 0, 1]);
  const d = Float32Array.from([0.8, 0.6, 1, 0, 0, 1]);
  assert.deepEqual(Array.from(ranksOf(q, d, 2, [0, 2])), [2, 1]);
  // All scores equal: the relevant document ranks last, not first.
  const z = new Float32Array(6);
  assert.deepEqual(Array.from(ranksOf(Float32Array.from([1, 0]), z, 2, [1])), [3]);
});

test('metrics from ranks: recall@1/10, MRR@10 and nDCG@10 with one relevant document', () => {
  const ranks = [1, 2, 10, 11];
  assert.deepEqual(Array.from(perQuery('recall@1', ranks)), [1, 0, 0, 0]);
  assert.deepEqual(Array.from(perQuery('recall@10', ranks)), [1, 1, 1, 0]);
  assert.deepEqual(Array.from(perQuery('mrr@10', ranks)), [1, 0.5, 0.1, 0]);
  const s = retrievalScores(ranks);
  close(s['ndcg@10'], (1 + 1 / Math.log2(3) + 1 / Math.log2(11)) / 4);
  close(s['mrr@10'], 1.6 / 4);
});

test('losses: contrastive, embedding MSE and score KL against hand-computed values', async () => {
  await selectBackend('cpu');
  const q = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  const d = tf.tensor2d([
    [2, 0],
    [0, 3],
  ]);
  // cos = identity; logits = 10 * I; CE = log(1 + e^-10).
  close((await inBatchContrastive(q, d, 10).data())[0], Math.log(1 + Math.exp(-10)));
  // Normalised rows are equal: MSE 0; orthogonal rows: |a - b|^2 = 2.
  close((await embeddingMse(q, d).data())[0], 0);
  close(
    (
      await embeddingMse(
        q,
        tf.tensor2d([
          [0, 1],
          [1, 0],
        ]),
      ).data()
    )[0],
    2,
  );
  // Student equals teacher: KL 0. Otherwise positive.
  close((await scoreKl(q, d, q, d, 5, 2).data())[0], 0);
  assert.ok(
    (
      await scoreKl(
        q,
        d,
        q,
        tf.tensor2d([
          [0, 1],
          [1, 0],
        ]),
        5,
        2,
      ).data()
    )[0] > 0.1,
  );
  // Weighted mix: soft x softWeight + hard x hardWeight.
  const cfg = { scale: 10, temperature: 2, softWeight: 0.7, hardWeight: 0.3 };
  const t = {
    q: tf.tensor2d([
      [0, 1],
      [1, 0],
    ]),
    d,
    method: 'mse' as const,
  };
  const mix = (await retrievalLoss(q, d, cfg, t).data())[0];
  close(mix, 0.7 * 1 + 0.3 * Math.log(1 + Math.exp(-10)), 1e-4);
});

test('a bi-encoder trained with in-batch negatives ranks its pairs better than untrained, deterministically', async () => {
  await selectBackend('cpu');
  // 24 pairs: query i is the token 2+i, document i the token 26+i and a shared noise word (1): the pairing must be learnt.
  const n = 24;
  const set = {
    queries: Int32Array.from({ length: n * 2 }, (_, k) => (k % 2 === 0 ? 2 + (k >> 1) : 0)),
    docs: Int32Array.from({ length: n * 3 }, (_, k) => (k % 3 === 0 ? 2 + n + Math.floor(k / 3) : k % 3 === 1 ? 1 : 0)),
    n,
    querySeqLen: 2,
    docSeqLen: 3,
  };
  const spec = {
    name: 'bag',
    kind: 'embedding-bag' as const,
    dModel: 16,
    hidden: 0,
    train: { epochs: 30, batchSize: 8, learningRate: 0.05 },
  };
  const score = async (m: ReturnType<typeof buildModel>) => {
    const q = await encodeTexts(m, set.queries, n, 2, 16);
    const d = await encodeTexts(m, set.docs, n, 3, 16);
    return retrievalScores(
      ranksOf(
        q,
        d,
        8,
        Int32Array.from({ length: n }, (_, i) => i),
      ),
    );
  };
  const loss = { scale: 20, temperature: 1, softWeight: 0, hardWeight: 1 };
  const runOnce = async () => {
    const m = buildModel(spec, 'bag', { vocabSize: 2 + 2 * n, seqLen: 3, classes: 8 }, 1);
    const before = await score(m);
    const r = await trainRetrieval(m, set, spec.train, { seed: 3, loss });
    const after = await score(m);
    m.dispose();
    return { before, after, r };
  };
  const a = await runOnce();
  const b = await runOnce();
  assert.ok(a.after['mrr@10'] > a.before['mrr@10'] + 0.3, `MRR ${a.before['mrr@10']} -> ${a.after['mrr@10']}`);
  assert.ok(a.r.lossByEpoch.at(-1)! < a.r.lossByEpoch[0]);
  assert.equal(a.r.steps, 30 * 3);
  assert.deepEqual(a.after, b.after, 'same seed, same result');
});
