/** The Brown genre loader, the split by text (no text in both splits) and the dataset registry. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadBrownGenre, passages, readCategories, stripTags } from '../../src/distillation/data/brown.js';
import { stratifiedSample, stratifiedSplit } from '../../src/distillation/data/split.js';
import { prepareData } from '../../src/distillation/data/prepare.js';
import type { Example } from '../../src/distillation/data/types.js';
import type { DatasetSpec } from '../../src/suites/types.js';
import { UserError } from '../../src/core/errors.js';

test('tags are stripped at the last slash; passages count words, not punctuation, and drop the short tail', () => {
  assert.deepEqual(stripTags("\n\tThe/at jury's/nn$ 1/2/cd ./. ``/``"), ['The', "jury's", '1/2', '.', '``']);
  const words = 'a b , c d . e'.split(' ');
  assert.deepEqual(passages(words, 2), ['a b', ', c d']);
  assert.deepEqual(passages(words, 10), []);
  assert.deepEqual(readCategories('ca01 news\ncb02 editorial\n\n'), [
    ['ca01', 'news'],
    ['cb02', 'editorial'],
  ]);
});

const brown = loadBrownGenre(100);

test('brown-genre: 15 genres, 500 texts, passages of 100 words without tags', () => {
  assert.equal(brown.classes.length, 15);
  assert.ok(brown.classes.includes('news') && brown.classes.includes('science_fiction'));
  const texts = new Set(brown.examples.map((e) => e.group));
  assert.equal(texts.size, 500);
  assert.ok(brown.examples.length > 9000 && brown.examples.length < 11000, `${brown.examples.length} passages`);
  const first = brown.examples[0];
  assert.equal(first.group, 'ca01');
  assert.equal(brown.classes[first.label], 'news');
  assert.match(first.text, /^The Fulton County Grand Jury said Friday/);
  assert.doesNotMatch(first.text, /\/(at|np|nn)\b/);
  assert.equal(first.text.split(' ').filter((w) => /[A-Za-z0-9]/.test(w)).length, 100);
  // Every genre keeps its texts: 9 humor texts, 6 science fiction.
  const textsOf = (g: string) => new Set(brown.examples.filter((e) => brown.classes[e.label] === g).map((e) => e.group)).size;
  assert.equal(textsOf('humor'), 9);
  assert.equal(textsOf('science_fiction'), 6);
});

test('brown-genre split: no text in both splits, every genre on both sides, deterministic', () => {
  const s = stratifiedSplit(brown.examples, 0.2, 123);
  const trainTexts = new Set(s.train.map((e) => e.group));
  const testTexts = new Set(s.test.map((e) => e.group));
  for (const t of testTexts) assert.ok(!trainTexts.has(t), `text ${t} is in both splits`);
  assert.equal(trainTexts.size + testTexts.size, 500);
  assert.equal(s.train.length + s.test.length, brown.examples.length);
  for (let c = 0; c < 15; c++) {
    assert.ok(s.test.some((e) => e.label === c) && s.train.some((e) => e.label === c), `genre ${brown.classes[c]} missing from a side`);
  }
  // About 20 % of the texts of each genre go to test (6 sci-fi texts -> 1; 80 learned -> 16).
  const testTextsOf = (g: string) => new Set(s.test.filter((e) => brown.classes[e.label] === g).map((e) => e.group)).size;
  assert.equal(testTextsOf('science_fiction'), 1);
  assert.equal(testTextsOf('learned'), 16);
  const again = stratifiedSplit([...brown.examples].reverse(), 0.2, 123);
  assert.deepEqual(
    again.test.map((e) => e.id),
    s.test.map((e) => e.id),
  );
  assert.notDeepEqual(
    stratifiedSplit(brown.examples, 0.2, 124).test.map((e) => e.id),
    s.test.map((e) => e.id),
  );
});

test('ungrouped examples are split one by one, stratified; a sample keeps class shares', () => {
  const ex: Example[] = Array.from({ length: 100 }, (_, i) => ({ id: `e${i}`, text: '', label: i < 80 ? 0 : 1 }));
  const s = stratifiedSplit(ex, 0.25, 1);
  assert.equal(s.test.filter((e) => e.label === 0).length, 20);
  assert.equal(s.test.filter((e) => e.label === 1).length, 5);
  const sample = stratifiedSample(ex, 10, 1);
  assert.equal(sample.length, 10);
  assert.equal(sample.filter((e) => e.label === 1).length, 2);
});

test('prepareData on brown-genre: vocabulary from training passages, record says how it was split', () => {
  const spec: DatasetSpec = { name: 'brown-genre', testFraction: 0.2, vocabSize: 500, seqLen: 16, passageWords: 50, maxExamples: 600 };
  const d = prepareData(spec, 7);
  assert.equal(d.train.n + d.test.n, 600);
  assert.equal(d.vocab.tokens.length, 500);
  assert.equal(d.train.ids.length, d.train.n * 16);
  assert.match(String(d.record.split), /by text/);
  assert.equal(d.record.passageWords, 50);
  assert.throws(
    () => prepareData({ ...spec, name: 'imdb' as DatasetSpec['name'] }, 7),
    (e: unknown) => e instanceof UserError && /dataset "imdb" is unknown; available: spam-assassin, brown-genre/.test(e.message),
  );
});
