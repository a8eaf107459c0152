/** The transfer set of Tang et al. (2019): masking, POS-guided replacement, n-gram sampling, seeded; the Brown POS table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augment, makeTransferSet, type TransferSetStats } from '../../src/distillation/transfer/transfer-set.js';
import { baseTag, brownTagCounts, countTags, posTable, samePos } from '../../src/distillation/transfer/pos-table.js';
import { buildVocabulary, PAD, UNK } from '../../src/distillation/data/tokenizer.js';
import { rng } from '../../src/core/random.js';

const stats = (): TransferSetStats => ({ pool: 0, synthetic: 0, maskedTokens: 0, replacedTokens: 0, ngramExamples: 0, taggedWords: 0 });
const row = (...ids: number[]) => {
  const r = new Int32Array(10);
  r.set(ids);
  return r;
};

test('baseTag drops title and headline markers only', () => {
  assert.equal(baseTag('NN-TL'), 'nn');
  assert.equal(baseTag('vbd-hl'), 'vbd');
  assert.equal(baseTag('nn-tl-hl'), 'nn');
  assert.equal(baseTag('np$'), 'np$');
});

test('the POS table gives each word its most frequent tag and replaces within the tag by frequency', () => {
  const counts = countTags('The/at cat/nn sat/vbd ./. A/at dog/nn dog/nn dog/vb ran/vbd the/at cat/nn run/vb');
  assert.deepEqual(
    [...counts.get('dog')!],
    [
      ['nn', 2],
      ['vb', 1],
    ],
  );
  assert.equal(counts.has('.'), false, 'punctuation is not a token of ours');
  const vocab = buildVocabulary(['cat dog sat ran the a run zzz'], 20);
  const t = posTable(vocab, counts);
  const id = (w: string) => vocab.index.get(w)!;
  assert.equal(t.groupOf[id('zzz')], -1, 'a word Brown does not know has no tag');
  assert.equal(t.groups[t.groupOf[id('cat')]].tag, 'nn');
  assert.equal(t.groupOf[id('dog')], t.groupOf[id('cat')], 'dog is mostly nn');
  const r = rng(1);
  const seen = new Map<number, number>();
  for (let i = 0; i < 4000; i++) {
    const w = samePos(t, id('cat'), r);
    seen.set(w, (seen.get(w) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort(), [id('cat'), id('dog')].sort(), 'only nouns');
  // Brown frequency: cat 2, dog 3 (all its tags).
  const share = seen.get(id('dog'))! / 4000;
  assert.ok(Math.abs(share - 0.6) < 0.03, `dog drawn ${share}, expected 0.6`);
  assert.equal(samePos(t, id('zzz'), r), id('zzz'));
});

test('the Brown corpus table tags common words as Brown does', () => {
  const counts = brownTagCounts();
  const vocab = buildVocabulary(['the money free click house'], 10);
  const t = posTable(vocab, counts);
  const tag = (w: string) => t.groups[t.groupOf[vocab.index.get(w)!]].tag;
  assert.equal(tag('the'), 'at');
  assert.equal(tag('money'), 'nn');
  assert.equal(tag('house'), 'nn');
  assert.equal(tag('free'), 'jj');
});

test('masking with probability 1 masks every token and keeps padding', () => {
  const out = new Int32Array(10);
  const s = stats();
  augment(row(5, 6, 7), out, { size: 1, methods: ['mask'], maskProb: 1 }, undefined, rng(2), s);
  assert.deepEqual([...out], [UNK, UNK, UNK, PAD, PAD, PAD, PAD, PAD, PAD, PAD]);
  assert.equal(s.maskedTokens, 3);
});

test('n-gram sampling cuts a contiguous window of the asked length', () => {
  const src = row(2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
  for (let seed = 0; seed < 50; seed++) {
    const out = new Int32Array(10);
    const s = stats();
    augment(src, out, { size: 1, methods: ['ngram'], ngramProb: 1, ngramTokens: [3, 5] }, undefined, rng(seed), s);
    const kept = [...out].filter((x) => x !== PAD);
    assert.ok(kept.length >= 3 && kept.length <= 5, `window of ${kept.length}`);
    for (let i = 1; i < kept.length; i++) assert.equal(kept[i], kept[i - 1] + 1, 'contiguous');
    assert.deepEqual([...out.subarray(kept.length)], new Array(10 - kept.length).fill(PAD));
    assert.equal(s.ngramExamples, 1);
  }
});

test('a transfer set is the pool then the synthetic examples, unlabelled, and the same seed gives the same set', () => {
  const seqLen = 10;
  const pool = { ids: new Int32Array([...row(2, 3, 4), ...row(5, 6)]), n: 2, seqLen };
  const labelled = { ids: new Int32Array([...row(7, 8, 9)]), n: 1, seqLen };
  const spec = {
    size: 30,
    methods: ['mask' as const, 'ngram' as const],
    maskProb: 0.3,
    ngramProb: 0.5,
    ngramTokens: [1, 2] as [number, number],
  };
  const a = makeTransferSet([pool, labelled], pool, spec, undefined, 7);
  const b = makeTransferSet([pool, labelled], pool, spec, undefined, 7);
  const c = makeTransferSet([pool, labelled], pool, spec, undefined, 8);
  assert.equal(a.set.n, 32);
  assert.deepEqual([...a.set.ids.subarray(0, 2 * seqLen)], [...pool.ids], 'the pool comes first, unchanged');
  assert.ok(a.set.labels.every((l) => l === -1));
  assert.deepEqual(a.set.ids, b.set.ids);
  assert.notDeepEqual(a.set.ids, c.set.ids);
  assert.equal(a.stats.pool, 2);
  assert.equal(a.stats.synthetic, 30);
  assert.ok(a.stats.maskedTokens > 0 && a.stats.ngramExamples > 0);
  // Every synthetic token comes from a source or is the mask: nothing is invented.
  const allowed = new Set([PAD, UNK, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok([...a.set.ids].every((x) => allowed.has(x)));
  // Sources include the labelled examples' text.
  assert.ok([...a.set.ids.subarray(2 * seqLen)].some((x) => x >= 7));
  const noPool = makeTransferSet([pool], pool, { ...spec, includePool: false }, undefined, 7);
  assert.equal(noPool.set.n, 30);
});
