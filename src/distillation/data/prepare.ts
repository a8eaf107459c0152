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
  /**
   * The unlabelled pool (dataset.labelled): the training examples whose labels are hidden, encoded with
   * the same vocabulary; `train` then holds the labelled examples only. Its labels are never read for training.
   */
  unlabelled?: { set: EncodedSet; examples: Example[] };
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
  const { labelled, unlabelled } = labelledSplit(split.train, spec.labelled, seed);
  const trainSide = labelled;
  return {
    dataset,
    vocab,
    train: encodeSet(trainSide, vocab, spec.seqLen),
    ...(unlabelled ? { unlabelled: { set: encodeSet(unlabelled, vocab, spec.seqLen), examples: unlabelled } } : {}),
    test: encodeSet(split.test, vocab, spec.seqLen),
    examples: { train: trainSide, test: split.test },
    ...(grouped ? { testGroups: split.test.map((e) => e.group ?? e.id) } : {}),
    record: {
      name: dataset.name,
      description: dataset.description,
      source: dataset.source,
      classes: dataset.classes,
      corpusSize: dataset.examples.length,
      used: pool.length,
      train: { n: trainSide.length, byClass: classCounts(trainSide, dataset.classes) },
      ...(unlabelled
        ? {
            unlabelled: {
              n: unlabelled.length,
              note: 'training examples whose labels are hidden: the pool the transfer set is made from (its text also builds the vocabulary)',
            },
          }
        : {}),
      test: { n: split.test.length, byClass: classCounts(split.test, dataset.classes) },
      testFraction: spec.testFraction,
      vocabSize: vocab.tokens.length,
      vocabularyFrom: unlabelled ? 'training split only (labelled examples and the unlabelled pool)' : 'training split only',
      seqLen: spec.seqLen,
      split: grouped
        ? 'by text: all passages of one text on the same side; texts stratified by label, seeded shuffle within each class'
        : 'stratified by label, seeded shuffle within each class',
      ...(grouped ? { groups: { train: countGroups(split.train), test: countGroups(split.test) } } : {}),
      ...(spec.passageWords && grouped ? { passageWords: spec.passageWords } : {}),
    },
  };
}

/**
 * dataset.labelled: `n` examples of the training split keep their labels (stratified by label, seeded);
 * the others, in their order, form the unlabelled pool. Without `n` (or with n >= the split) all are labelled.
 */
export function labelledSplit(
  train: readonly Example[],
  n: number | undefined,
  seed: number,
): { labelled: Example[]; unlabelled?: Example[] } {
  if (n === undefined || n >= train.length) return { labelled: [...train] };
  const picked = new Set(stratifiedSample(train, n, deriveSeed(seed, 'labelled')).map((e) => e.id));
  return { labelled: train.filter((e) => picked.has(e.id)), unlabelled: train.filter((e) => !picked.has(e.id)) };
}
