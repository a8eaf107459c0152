/** Tokens, vocabulary order and sample quotas, checked exactly on small hand-made cases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildVocabulary, encode, encodeAll, tokenize, PAD, UNK } from '../../src/distillation/data/tokenizer.js';
import { stratifiedSample, stratifiedSplit } from '../../src/distillation/data/split.js';
import type { Example } from '../../src/distillation/data/types.js';

test('tokens: lower-cased words with digits and apostrophes, numbers, and $ ! ? % as tokens of their own', () => {
  assert.deepEqual(tokenize("Don't PAY $5,000 now?! 100% r2d2 O'Brien's 3rd"), [
    "don't",
    'pay',
    '$',
    '5',
    '000',
    'now',
    '?',
    '!',
    '100',
    '%',
    'r2d2',
    "o'brien's",
    '3',
    'rd',
  ]);
  assert.deepEqual(tokenize('--- ... ,;: ()'), []);
  assert.deepEqual(tokenize(''), []);
  assert.deepEqual(tokenize("'quoted' x"), ["quoted'", 'x']);
});

test('vocabulary: <pad>, <unk>, then words by frequency, ties alphabetical, at most size - 2 words', () => {
  const v = buildVocabulary(['b a c', 'c b', 'c d', 'e'], 5);
  assert.deepEqual(v.tokens, ['<pad>', '<unk>', 'c', 'b', 'a']);
  assert.equal(v.index.get('c'), 2);
  assert.equal(v.index.get('a'), 4);
  assert.equal(v.index.get('d'), undefined);
  assert.deepEqual(buildVocabulary(['x y'], 100).tokens, ['<pad>', '<unk>', 'x', 'y']);
  assert.deepEqual(buildVocabulary(['x y'], 2).tokens, ['<pad>', '<unk>']);
  assert.deepEqual(buildVocabulary(['x y'], 1).tokens, ['<pad>', '<unk>']);
  assert.equal(PAD, 0);
  assert.equal(UNK, 1);
});

test('encoding: the first seqLen tokens, unknown words as <unk>, padded with <pad>; rows laid end to end', () => {
  const v = buildVocabulary(['a b c'], 10);
  assert.deepEqual([...encode('c a zz b a c', v, 4)], [4, 2, UNK, 3]);
  assert.deepEqual([...encode('b', v, 3)], [3, PAD, PAD]);
  assert.deepEqual([...encode('', v, 2)], [PAD, PAD]);
  assert.deepEqual([...encodeAll(['a', 'b c', 'zz a b'], v, 2)], [2, PAD, 3, 4, UNK, 2]);
  assert.equal(encodeAll([], v, 3).length, 0);
});

const ex = (counts: number[]): Example[] =>
  counts.flatMap((n, label) => Array.from({ length: n }, (_, i) => ({ id: `c${label}-${String(i).padStart(3, '0')}`, text: '', label })));
const byClass = (xs: Example[], k: number) => Array.from({ length: k }, (_, c) => xs.filter((e) => e.label === c).length);

test('sample quotas by largest remainder; equal remainders go to the lower class first', () => {
  // 10 examples 5/3/2, 5 wanted: exact 2.5 / 1.5 / 1, floors 2 / 1 / 1, one left: the tie .5/.5 goes to class 0.
  assert.deepEqual(byClass(stratifiedSample(ex([5, 3, 2]), 5, 1), 3), [3, 1, 1]);
  // 20 examples 11/6/3, 7 wanted: exact 3.85 / 2.1 / 1.05: floors 3 / 2 / 1, the one left goes to class 0 (.85).
  assert.deepEqual(byClass(stratifiedSample(ex([11, 6, 3]), 7, 1), 3), [4, 2, 1]);
  // 2/9/9, 10 wanted: exact 1 / 4.5 / 4.5: floors 1 / 4 / 4, the one left to class 1.
  assert.deepEqual(byClass(stratifiedSample(ex([2, 9, 9]), 10, 1), 3), [1, 5, 4]);
  assert.equal(stratifiedSample(ex([2, 2]), 4, 1).length, 4);
  assert.equal(stratifiedSample(ex([2, 2]), 9, 1).length, 4);
});

test('split by text: a class of two texts keeps one on each side even at a small or large test fraction', () => {
  const grouped = (label: number, texts: number, per: number): Example[] =>
    Array.from({ length: texts * per }, (_, i) => ({ id: `${label}-${i}`, text: '', label, group: `${label}-t${Math.floor(i / per)}` }));
  const all = [...grouped(0, 2, 3), ...grouped(1, 10, 2), ...grouped(2, 1, 4)];
  for (const f of [0.05, 0.5, 0.95]) {
    const s = stratifiedSplit(all, f, 3);
    const textsIn = (xs: Example[], label: number) => new Set(xs.filter((e) => e.label === label).map((e) => e.group)).size;
    assert.equal(textsIn(s.test, 0), 1, `fraction ${f}`);
    assert.equal(textsIn(s.train, 0), 1, `fraction ${f}`);
    assert.equal(textsIn(s.test, 1), Math.min(9, Math.max(1, Math.round(10 * f))), `fraction ${f}`);
    // A class with one text goes where the fraction sends it (it cannot be on both sides).
    assert.equal(textsIn(s.test, 2), Math.round(f), `fraction ${f}`);
  }
  // Ungrouped examples are not forced onto both sides: 2 examples at 5 % both stay in training.
  assert.deepEqual(byClass(stratifiedSplit(ex([2, 40]), 0.05, 1).test, 2), [0, 2]);
});
