/**
 * The teacher's pretraining: next-span pairs from real mails (anchor, continuation, masking, the short-mail
 * fallback) and the contrastive twin whose encoder is copied into the classifier, output layer excepted.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/distillation/backend.js';
import { loadSpamAssassin } from '../../src/distillation/data/spam-assassin.js';
import { buildVocabulary, encode, PAD, UNK, type Vocabulary } from '../../src/distillation/data/tokenizer.js';
import { nextSpanPairs } from '../../src/distillation/pretrain/next-span.js';
import { pretrainEncoder } from '../../src/distillation/pretrain/pretrain.js';
import { TransformerClassifier } from '../../src/distillation/models/transformer.js';
import { EmbeddingBagClassifier } from '../../src/distillation/models/embedding-bag.js';
import { UserError } from '../../src/core/errors.js';

let texts: string[];
let vocab: Vocabulary;
const L = 16;

before(async () => {
  await selectBackend('wasm');
  texts = loadSpamAssassin()
    .examples.slice(0, 300)
    .map((e) => e.text);
  vocab = buildVocabulary(texts, 400);
});

test("next-span pairs: a mail's first L tokens against the L that follow; a short continuation pairs the mail with itself", () => {
  const { pairs, nextSpan, selfCopy } = nextSpanPairs(texts, vocab, { seqLen: L, maskProb: 0, minNextTokens: L, seed: 1 });
  assert.equal(pairs.n, texts.length);
  assert.equal(pairs.querySeqLen, L);
  assert.equal(pairs.docSeqLen, L);
  assert.equal(nextSpan + selfCopy, texts.length);
  let short = 0;
  texts.forEach((t, i) => {
    const ids = encode(t, vocab, 2 * L);
    const q = [...pairs.queries.subarray(i * L, (i + 1) * L)];
    const d = [...pairs.docs.subarray(i * L, (i + 1) * L)];
    assert.deepEqual(q, [...ids.subarray(0, L)], `anchor of mail ${i}`);
    const next = [...ids.subarray(L)].filter((x) => x !== PAD).length;
    if (next >= L) assert.deepEqual(d, [...ids.subarray(L)], `continuation of mail ${i}`);
    else {
      short++;
      assert.deepEqual(d, q, `mail ${i} with ${next} more tokens pairs with itself`);
    }
  });
  assert.equal(selfCopy, short);
  assert.ok(nextSpan > 200 && selfCopy > 0, `${nextSpan} next-span, ${selfCopy} self pairs: both kinds occur in real mail`);
});

test('masking replaces about maskProb of the tokens by <unk>, never padding, the same for the same seed', () => {
  const plain = nextSpanPairs(texts, vocab, { seqLen: L, maskProb: 0, minNextTokens: 4, seed: 1 });
  const a = nextSpanPairs(texts, vocab, { seqLen: L, maskProb: 0.3, minNextTokens: 4, seed: 7 });
  const b = nextSpanPairs(texts, vocab, { seqLen: L, maskProb: 0.3, minNextTokens: 4, seed: 7 });
  const c = nextSpanPairs(texts, vocab, { seqLen: L, maskProb: 0.3, minNextTokens: 4, seed: 8 });
  assert.deepEqual(a.pairs.queries, b.pairs.queries);
  assert.notDeepEqual(a.pairs.queries, c.pairs.queries);
  let tokens = 0;
  let masked = 0;
  for (const [m, p] of [
    [a.pairs.queries, plain.pairs.queries],
    [a.pairs.docs, plain.pairs.docs],
  ] as const)
    m.forEach((id, k) => {
      if (p[k] === PAD) return assert.equal(id, PAD, 'padding stays padding');
      if (p[k] === UNK) return assert.equal(id, UNK);
      tokens++;
      if (id !== p[k]) {
        assert.equal(id, UNK);
        masked++;
      }
    });
  const rate = masked / tokens;
  // Binomial: over thousands of tokens the share stays within a few points of 0.3.
  assert.ok(rate > 0.27 && rate < 0.33, `masked ${(rate * 100).toFixed(1)} % of ${tokens} known tokens`);
});

const spec = { kind: 'transformer' as const, dModel: 8, heads: 2, layers: 2, ffDim: 16 };

test('pretraining learns (the contrastive loss falls) and copies the encoder into the classifier, not its output layer', async () => {
  const { pairs } = nextSpanPairs(texts, vocab, { seqLen: L, maskProb: 0.15, minNextTokens: 4, seed: 3 });
  const shape = { vocabSize: vocab.tokens.length, seqLen: L, classes: 2 };
  const model = new TransformerClassifier('pt-teacher', { ...shape, ...spec }, 5);
  const before = new Map(model.variables.map((v) => [v.name, [...v.dataSync()]]));
  const r = await pretrainEncoder(
    model,
    spec,
    shape,
    pairs,
    { method: 'next-span', epochs: 6, batchSize: 32, learningRate: 0.01 },
    { seed: 1, initSeed: 2 },
  );
  assert.equal(r.epochs, 6);
  assert.equal(r.steps, 6 * Math.ceil(300 / 32));
  assert.ok(r.lossByEpoch[5] < r.lossByEpoch[0] - 0.3, `loss by epoch ${r.lossByEpoch.map((x) => x.toFixed(3)).join(', ')}`);
  // ln(32) is the loss of a batch of 32 that tells nothing apart.
  assert.ok(r.lossByEpoch[5] < Math.log(32) - 0.4, `last epoch ${r.lossByEpoch[5]}`);
  assert.equal(r.copied, model.variables.length - 2);
  for (const v of model.variables) {
    const same = [...v.dataSync()].every((x, i) => x === before.get(v.name)![i]);
    if (/\/out_[wb]$/.test(v.name)) assert.ok(same, `${v.name} keeps its initialisation`);
    else if (!/_b$|\/b[qkvo12]$|ln/.test(v.name)) assert.ok(!same, `${v.name} comes from the pretrained encoder`);
  }
  model.dispose();
});

test('only a transformer is pretrained', async () => {
  const { pairs } = nextSpanPairs(texts.slice(0, 10), vocab, { seqLen: L, maskProb: 0, minNextTokens: 4, seed: 3 });
  const bag = new EmbeddingBagClassifier('pt-bag', { vocabSize: vocab.tokens.length, seqLen: L, classes: 2, dModel: 4, hidden: 4 }, 1);
  await assert.rejects(
    pretrainEncoder(
      bag,
      spec,
      { vocabSize: vocab.tokens.length, seqLen: L, classes: 2 },
      pairs,
      { method: 'next-span', epochs: 1, batchSize: 4, learningRate: 0.01 },
      { seed: 1, initSeed: 1 },
    ),
    UserError,
  );
  bag.dispose();
});
