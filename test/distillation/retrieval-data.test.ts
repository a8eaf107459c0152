/** Retrieval pairs: subjects and bodies from mails, Brown first sentences, exclusions counted, deterministic splits, the index. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  brownSentencePairs,
  checkRetrievalIndex,
  decodeWords,
  firstSentence,
  normaliseSubject,
  prepareRetrieval,
  spamSubjectPairs,
  subjectOf,
} from '../../src/distillation/data/retrieval.js';
import { UserError } from '../../src/core/errors.js';
import type { DatasetSpec } from '../../src/distillation/data/types.js';

const mail = (headers: string, body: string) => `${headers}\n\n${body}`;

test('subjectOf reads the Subject header, joins folded lines, decodes MIME words; undefined without one', () => {
  assert.equal(subjectOf(mail('From: a@b\nSubject: Hello there\nTo: c@d', 'Body')), 'Hello there');
  assert.equal(subjectOf(mail('SUBJECT: folded\n  across lines\nTo: x', 'b')), 'folded across lines');
  assert.equal(subjectOf(mail('From: a@b', 'Subject: in the body is not a header')), undefined);
  assert.equal(decodeWords('=?iso-8859-1?Q?caf=E9_cr=E8me?='), 'café crème');
  assert.equal(decodeWords('=?utf-8?B?w6l0w6k=?='), 'été');
});

test('normaliseSubject drops reply prefixes and list tags, so threads count as one subject', () => {
  assert.equal(normaliseSubject('Re: [SAtalk] Re:  Spam   Filter'), 'spam filter');
  assert.equal(normaliseSubject('FWD: Hello'), 'hello');
  assert.equal(normaliseSubject('Hello'), 'hello');
});

test('spam pairs: headers stripped from the document; missing and duplicate subjects and bodies left out and counted', () => {
  const mails = [
    { id: 1, group: 'easy_ham', text: mail('From: a\nSubject: Meeting tomorrow', 'Let us meet at noon.') },
    { id: 2, group: 'easy_ham', text: mail('From: a\nSubject: Re: [list] meeting TOMORROW', 'Agreed, noon works.') },
    { id: 3, group: 'spam', text: mail('From: b', 'No subject here') },
    { id: 4, group: 'spam', text: mail('From: b\nSubject: ---', 'words') },
    { id: 5, group: 'spam', text: mail('From: b\nSubject: Cheap pills', 'Buy now') },
    { id: 6, group: 'spam', text: mail('From: c\nSubject: Pills cheap', 'Buy now') },
    { id: 7, group: 'spam', text: mail('From: c\nSubject: Lonely subject', '   ') },
    { id: 8, group: 'hard_ham', text: mail('From: d\nX-Header: secret\nSubject: Quarterly report', 'Numbers attached.') },
  ];
  const d = spamSubjectPairs(mails);
  assert.equal(d.corpusSize, 8);
  assert.deepEqual(d.excluded, {
    'subject shared with another mail': 2,
    'no Subject header': 1,
    'subject without a word': 1,
    'body shared with another mail': 2,
    'body without a word': 1,
  });
  assert.deepEqual(
    d.pairs.map((p) => [p.id, p.query, p.doc]),
    [['hard_ham/8', 'Quarterly report', 'Numbers attached.']],
  );
  const kept = d.pairs.length + Object.values(d.excluded).reduce((a, b) => a + b, 0);
  assert.equal(kept, d.corpusSize, 'every mail is kept or counted');
});

test('firstSentence: the first complete sentence; a passage that continues a sentence drops its head', () => {
  assert.deepEqual(firstSentence('The cat sat . It purred loudly .'), { first: 'The cat sat .', rest: 'It purred loudly .' });
  assert.deepEqual(firstSentence('on the mat . The cat sat . It purred', true), { first: 'The cat sat .', rest: 'It purred' });
  assert.equal(firstSentence('no end at all'), undefined);
  assert.equal(firstSentence('only one sentence .'), undefined);
});

test('Brown pairs: by text, the first sentence against the rest, short sentences counted', () => {
  const tagged = (s: string) =>
    s
      .split(' ')
      .map((w) => `${w}/x`)
      .join(' ');
  const d = brownSentencePairs(12, [
    ['ca01', tagged('The jury said it found no evidence . Then the jury went home to sleep well tonight and more words here')],
    ['ca02', tagged('Yes . It was a fine day for a walk in the park with friends and family all day')],
  ]);
  assert.equal(d.pairs.length, 1);
  assert.equal(d.pairs[0].query, 'The jury said it found no evidence .');
  assert.equal(d.pairs[0].group, 'ca01');
  assert.equal(d.excluded['first sentence shorter than 4 words'], 1);
});

const pairsFor = (n: number) => ({
  name: 'spam-assassin',
  description: '',
  pairs: Array.from({ length: n }, (_, i) => ({
    id: `m/${i}`,
    query: `subject ${i} word${i % 7}`,
    doc: `body of mail ${i} about word${i % 7}`,
  })),
  corpusSize: n,
  excluded: {},
  construction: '',
  source: { package: 'x', version: null, licence: 'x' },
});
const spec: DatasetSpec = { name: 'spam-assassin', testFraction: 0.25, vocabSize: 50, seqLen: 8 };

test('prepareRetrieval: deterministic split, test documents form the index, queries and documents encoded at their own lengths', () => {
  const a = prepareRetrieval(spec, 7, 4, pairsFor(40));
  const b = prepareRetrieval(spec, 7, 4, pairsFor(40));
  const c = prepareRetrieval(spec, 8, 4, pairsFor(40));
  assert.deepEqual(
    a.pairs.test.map((p) => p.id),
    b.pairs.test.map((p) => p.id),
  );
  assert.notDeepEqual(
    a.pairs.test.map((p) => p.id),
    c.pairs.test.map((p) => p.id),
  );
  assert.equal(a.test.n, 10);
  assert.equal(a.train.n, 30);
  assert.equal(a.test.queries.length, 10 * 4);
  assert.equal(a.test.docs.length, 10 * 8);
  assert.deepEqual(a.record.index, { documents: 10, queries: 10 });
  const train = new Set(a.pairs.train.map((p) => p.id));
  assert.ok(
    a.pairs.test.every((p) => !train.has(p.id)),
    'no pair on both sides',
  );
});

test('an empty index and queries without a relevant document are UserErrors naming the field', () => {
  assert.throws(
    () => checkRetrievalIndex(0, 0, []),
    (e: unknown) => e instanceof UserError && /field "dataset.testFraction".*index is empty/.test(e.message),
  );
  assert.throws(
    () => checkRetrievalIndex(3, 2, [0, 1, 2]),
    (e: unknown) => e instanceof UserError && /field "dataset": 1 of 3 queries have no relevant document/.test(e.message),
  );
  assert.doesNotThrow(() => checkRetrievalIndex(2, 2, [1, 0]));
  // A split that leaves no test pair: the index would be empty.
  assert.throws(
    () => prepareRetrieval({ ...spec, testFraction: 0.01 }, 1, 4, pairsFor(20)),
    (e: unknown) => e instanceof UserError && /index is empty/.test(e.message),
  );
});

test('the shipped corpora: SpamAssassin and Brown pairs with every left-out item counted', () => {
  const spam = spamSubjectPairs();
  assert.equal(spam.corpusSize, 6046);
  assert.equal(spam.pairs.length + Object.values(spam.excluded).reduce((a, b) => a + b, 0), 6046);
  assert.ok(spam.pairs.length > 2000, `${spam.pairs.length} pairs`);
  // Every raw mail has Received: headers; a document keeps one only inside a forwarded mail.
  assert.ok(spam.pairs.filter((p) => /^received:/im.test(p.doc)).length < spam.pairs.length / 100, 'headers stripped');
  const brown = brownSentencePairs(100);
  assert.equal(brown.pairs.length + Object.values(brown.excluded).reduce((a, b) => a + b, 0), brown.corpusSize);
  assert.ok(brown.pairs.length > 8000);
});
