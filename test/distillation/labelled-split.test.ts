/** dataset.labelled: a stratified, seeded labelled subset; the rest an unlabelled pool that never reaches training with labels. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelledSplit, prepareData } from '../../src/distillation/data/prepare.js';
import type { Example } from '../../src/distillation/data/types.js';

const examples: Example[] = Array.from({ length: 100 }, (_, i) => ({
  id: `e${String(i).padStart(3, '0')}`,
  text: `w${i}`,
  label: i < 80 ? 0 : 1,
}));

test('labelledSplit keeps n examples stratified by label, disjoint from the pool, seeded', () => {
  const { labelled, unlabelled } = labelledSplit(examples, 20, 9);
  assert.equal(labelled.length, 20);
  assert.equal(unlabelled!.length, 80);
  assert.equal(labelled.filter((e) => e.label === 1).length, 4);
  const ids = new Set(labelled.map((e) => e.id));
  assert.ok(unlabelled!.every((e) => !ids.has(e.id)));
  assert.deepEqual(labelledSplit(examples, 20, 9).labelled, labelled);
  assert.notDeepEqual(labelledSplit(examples, 20, 10).labelled, labelled);
  assert.equal(labelledSplit(examples, undefined, 9).unlabelled, undefined);
  assert.equal(labelledSplit(examples, 100, 9).unlabelled, undefined);
});

test('prepareData with labelled: train holds the labelled mails, the pool the rest, one vocabulary from both', () => {
  const all = prepareData({ name: 'spam-assassin', testFraction: 0.2, vocabSize: 500, seqLen: 16, maxExamples: 600 }, 1);
  const few = prepareData({ name: 'spam-assassin', testFraction: 0.2, vocabSize: 500, seqLen: 16, maxExamples: 600, labelled: 50 }, 1);
  assert.equal(few.train.n, 50);
  assert.equal(few.unlabelled!.set.n, all.train.n - 50);
  assert.deepEqual(few.vocab.tokens, all.vocab.tokens, 'the vocabulary comes from the whole training split (text only)');
  assert.deepEqual(few.test.ids, all.test.ids, 'the test split does not move');
  assert.equal(few.record.train.n, 50);
  assert.equal((few.record.unlabelled as { n: number }).n, all.train.n - 50);
  assert.equal(few.examples.train.length, 50, 'command models get the labelled examples only');
});
