import type { DatasetRecord } from '../../core/contract.js';
import type { DatasetSpec } from './types.js';
import { UserError } from '../../core/errors.js';
import { loadSpamAssassin } from './spam-assassin.js';
import { loadBrownGenre } from './brown.js';
import { stratifiedSample, stratifiedSplit } from './split.js';
import { buildVocabulary, encodeAll, type Vocabulary } from './tokenizer.js';
import { deriveSeed } from '../../core/random.js';
import type { Dataset, Example } from './types.js';
import type { EncodedSet } from '../train.js';

export interface PreparedData {
  dataset: Dataset;
  vocab: Vocabulary;
  train: EncodedSet;
  test: EncodedSet;
  /** The examples of each side of the split, in the order of `train` and `test` (raw text: for other tokenizers and frameworks). */
  examples: { train: Example[]; test: Example[] };
  /** The group (source text) of each test example, where the dataset has groups: for cluster-aware statistics. */
  testGroups?: string[];
  /** What run.json records about the data. */
  record: DatasetRecord;
}

const LOADERS: Record<DatasetSpec['name'], (spec: DatasetSpec) => Dataset> = {
  'spam-assassin': () => loadSpamAssassin(),
  'brown-genre': (spec) => loadBrownGenre(spec.passageWords ?? 100),
};

export const DATASETS = Object.keys(LOADERS);

function encodeSet(examples: Example[], vocab: Vocabulary, seqLen: number): EncodedSet {
  return {
    ids: encodeAll(
      examples.map((e) => e.text),
      vocab,
      seqLen,
    ),
    labels: Int32Array.from(examples.map((e) => e.label)),
    n: examples.length,
    seqLen,
  };
}

function classCounts(examples: Example[], classes: string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  for (const e of examples) out[classes[e.label]]++;
  return out;
}

function countGroups(examples: Example[]): number {
  return new Set(examples.map((e) => e.group)).size;
}

/** Loads, subsamples, splits (stratified, seeded), builds the vocabulary from the training split, encodes. */
export function prepareData(spec: DatasetSpec, seed: number): PreparedData {
  const loader = Object.hasOwn(LOADERS, spec.name) ? LOADERS[spec.name] : undefined;
  if (!loader) throw new UserError(`dataset "${String(spec.name)}" is unknown; available: ${DATASETS.join(', ')}`);
  const dataset = loader(spec);
  const pool = spec.maxExamples ? stratifiedSample(dataset.examples, spec.maxExamples, deriveSeed(seed, 'subsample')) : dataset.examples;
  const split = stratifiedSplit(pool, spec.testFraction, deriveSeed(seed, 'split'));
  const vocab = buildVocabulary(
    split.train.map((e) => e.text),
    spec.vocabSize,
  );
  const grouped = pool.some((e) => e.group !== undefined);
  return {
    dataset,
    vocab,
    train: encodeSet(split.train, vocab, spec.seqLen),
    test: encodeSet(split.test, vocab, spec.seqLen),
    examples: { train: split.train, test: split.test },
    ...(grouped ? { testGroups: split.test.map((e) => e.group ?? e.id) } : {}),
    record: {
      name: dataset.name,
      description: dataset.description,
      source: dataset.source,
      classes: dataset.classes,
      corpusSize: dataset.examples.length,
      used: pool.length,
      train: { n: split.train.length, byClass: classCounts(split.train, dataset.classes) },
      test: { n: split.test.length, byClass: classCounts(split.test, dataset.classes) },
      testFraction: spec.testFraction,
      vocabSize: vocab.tokens.length,
      vocabularyFrom: 'training split only',
      seqLen: spec.seqLen,
      split: grouped
        ? 'by text: all passages of one text on the same side; texts stratified by label, seeded shuffle within each class'
        : 'stratified by label, seeded shuffle within each class',
      ...(grouped ? { groups: { train: countGroups(split.train), test: countGroups(split.test) } } : {}),
      ...(spec.passageWords && grouped ? { passageWords: spec.passageWords } : {}),
    },
  };
}
