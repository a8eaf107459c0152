import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedSplit, stratifiedSample } from '../../src/distillation/data/split.js';
import { loadSpamAssassin, stripHeaders } from '../../src/distillation/data/spam-assassin.js';
import { buildVocabulary, encode, tokenize, PAD, UNK } from '../../src/distillation/data/tokenizer.js';
import type { Example } from '../../src/distillation/data/types.js';

const synthetic: Example[] = Array.from({ length: 103 }, (_, i) => ({
  id: `e${String(i).padStart(3, '0')}`,
  text: `text ${i}`,
  label: i % 10 < 3 ? 1 : i % 10 < 4 ? 2 : 0,
}));

const countBy = (xs: Example[]) => xs.reduce<Record<number, number>>((a, e) => ((a[e.label] = (a[e.label] ?? 0) + 1), a), {});

test('the split is deterministic and independent of input order', () => {
  const a = stratifiedSplit(synthetic, 0.25, 7);
  const b = stratifiedSplit([...synthetic].reverse(), 0.25, 7);
  assert.deepEqual(
    a.test.map((e) => e.id),
    b.test.map((e) => e.id),
  );
  assert.deepEqual(
    a.train.map((e) => e.id),
    b.train.map((e) => e.id),
  );
  const c = stratifiedSplit(synthetic, 0.25, 8);
  assert.notDeepEqual(c.test.map((e) => e.id).sort(), a.test.map((e) => e.id).sort(), 'another seed gives another split');
});

test('the split is stratified, disjoint and complete', () => {
  const { train, test: held } = stratifiedSplit(synthetic, 0.25, 7);
  const all = countBy(synthetic);
  const inTest = countBy(held);
  for (const [label, n] of Object.entries(all)) assert.equal(inTest[Number(label)], Math.round(n * 0.25), `class ${label}`);
  const ids = new Set(train.map((e) => e.id));
  for (const e of held) assert.ok(!ids.has(e.id), `${e.id} in both splits`);
  assert.equal(train.length + held.length, synthetic.length);
});

test('a stratified sample keeps class shares', () => {
  const s = stratifiedSample(synthetic, 50, 3);
  const c = countBy(s);
  assert.ok(Math.abs(s.length - 50) <= 2);
  assert.ok(Math.abs(c[1] / s.length - 0.3) < 0.03, `spam share ${c[1] / s.length}`);
});

test('SpamAssassin: 6,046 mails, headers stripped, stratified split of the real corpus', () => {
  const ds = loadSpamAssassin();
  assert.equal(ds.examples.length, 6046);
  const spam = ds.examples.filter((e) => e.label === 1).length;
  assert.equal(spam, 500 + 1396);
  const withHeaders = ds.examples.filter((e) => /^(Return-Path|Received|From |Delivered-To|Message-Id):/im.test(e.text.slice(0, 200)));
  assert.ok(withHeaders.length < 60, `${withHeaders.length} bodies still start with header lines`);
  const { train, test: held } = stratifiedSplit(ds.examples, 0.2, 42);
  const share = (xs: Example[]) => xs.filter((e) => e.label === 1).length / xs.length;
  assert.ok(Math.abs(share(train) - share(held)) < 0.002, `spam share train ${share(train)} vs test ${share(held)}`);
});

test('stripHeaders removes the header block up to the first empty line', () => {
  assert.equal(stripHeaders('From: a@b\nSubject: hi\n\nbody line\n\nmore'), 'body line\n\nmore');
  assert.equal(stripHeaders('From: a@b\r\nSubject: x\r\n\r\nbody'), 'body');
  assert.equal(stripHeaders('only headers, no body'), '');
});

test('the vocabulary comes from the training texts only; unseen words map to <unk>', () => {
  const vocab = buildVocabulary(['free money now', 'money money meeting'], 5);
  assert.deepEqual(vocab.tokens, ['<pad>', '<unk>', 'money', 'free', 'meeting']);
  assert.deepEqual([...encode('money lottery free', vocab, 5)], [2, UNK, 3, PAD, PAD]);
  assert.deepEqual(tokenize("Win $1000 NOW! it's free"), ['win', '$', '1000', 'now', '!', "it's", 'free']);
});
