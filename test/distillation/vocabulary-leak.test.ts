/**
 * The vocabulary must come from the training split only: a word seen only in test passages must be
 * unknown to the model. Checked on the real pipeline (prepareData), against the split it really made.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareData } from '../../src/distillation/data/prepare.js';
import { loadBrownGenre } from '../../src/distillation/data/brown.js';
import { stratifiedSample, stratifiedSplit } from '../../src/distillation/data/split.js';
import { buildVocabulary, tokenize, UNK } from '../../src/distillation/data/tokenizer.js';
import { deriveSeed } from '../../src/core/random.js';
import type { DatasetSpec } from '../../src/suites/types.js';

const SEED = 7;
const spec: DatasetSpec = { name: 'brown-genre', testFraction: 0.2, vocabSize: 500, seqLen: 64, passageWords: 50, maxExamples: 600 };
const data = prepareData(spec, SEED);

// The split prepareData documents: a seeded stratified subsample, then a seeded split by text.
const pool = stratifiedSample(loadBrownGenre(spec.passageWords).examples, spec.maxExamples!, deriveSeed(SEED, 'subsample'));
const split = stratifiedSplit(pool, spec.testFraction, deriveSeed(SEED, 'split'));

test('the reconstructed split is the one prepareData used (same test texts, same sizes)', () => {
  assert.equal(data.train.n, split.train.length);
  assert.equal(data.test.n, split.test.length);
  assert.deepEqual(
    data.testGroups,
    split.test.map((e) => e.group),
  );
});

test('the vocabulary is exactly the most frequent words of the training passages, and differs from the whole pool', () => {
  const fromTrain = buildVocabulary(
    split.train.map((e) => e.text),
    spec.vocabSize,
  );
  assert.deepEqual(data.vocab.tokens, fromTrain.tokens);
  // The test would not bite if the pool gave the same vocabulary: it does not (dozens of words differ).
  const fromPool = buildVocabulary(
    pool.map((e) => e.text),
    spec.vocabSize,
  );
  const changed = fromPool.tokens.filter((w) => !fromTrain.index.has(w)).length;
  assert.ok(changed >= 20, `only ${changed} words differ between pool and training vocabularies`);
  assert.equal(data.record.vocabularyFrom, 'training split only');
});

test('no word that occurs only in test passages is in the vocabulary; test rows encode such words as <unk>', () => {
  const trainWords = new Set(split.train.flatMap((e) => tokenize(e.text)));
  const testOnly = new Set(split.test.flatMap((e) => tokenize(e.text)).filter((w) => !trainWords.has(w)));
  assert.ok(testOnly.size > 100, `${testOnly.size} test-only words`);
  const leaked = [...testOnly].filter((w) => data.vocab.index.has(w));
  assert.deepEqual(leaked, [], 'test-only words in the vocabulary');
  // Encoded test rows: the position of every test-only word holds UNK.
  let checked = 0;
  split.test.forEach((e, row) => {
    tokenize(e.text)
      .slice(0, spec.seqLen)
      .forEach((w, i) => {
        if (!testOnly.has(w)) return;
        assert.equal(data.test.ids[row * spec.seqLen + i], UNK, `test row ${row} word "${w}"`);
        checked++;
      });
  });
  assert.ok(checked > 50, `${checked} test-only positions checked`);
});
