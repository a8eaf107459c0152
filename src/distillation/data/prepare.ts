import type { DatasetSpec } from '../../suites/types.js';
import { UserError } from '../../errors.js';
import { loadSpamAssassin } from './spam-assassin.js';
import { stratifiedSample, stratifiedSplit } from './split.js';
import { buildVocabulary, encodeAll, type Vocabulary } from './tokenizer.js';
import { deriveSeed } from '../random.js';
import type { Dataset, Example } from './types.js';
import type { EncodedSet } from '../train.js';

export interface PreparedData {
  dataset: Dataset;
  vocab: Vocabulary;
  train: EncodedSet;
  test: EncodedSet;
  /** What run.json records about the data. */
  record: Record<string, unknown>;
}

const LOADERS: Record<DatasetSpec['name'], () => Dataset> = {
  'spam-assassin': loadSpamAssassin,
};

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

/** Loads, subsamples, splits (stratified, seeded), builds the vocabulary from the training split, encodes. */
export function prepareData(spec: DatasetSpec, seed: number): PreparedData {
  const loader = LOADERS[spec.name];
  if (!loader) throw new UserError(`dataset "${spec.name}" is unknown; available: ${Object.keys(LOADERS).join(', ')}`);
  const dataset = loader();
  const pool = spec.maxExamples ? stratifiedSample(dataset.examples, spec.maxExamples, deriveSeed(seed, 'subsample')) : dataset.examples;
  const split = stratifiedSplit(pool, spec.testFraction, deriveSeed(seed, 'split'));
  const vocab = buildVocabulary(
    split.train.map((e) => e.text),
    spec.vocabSize,
  );
  return {
    dataset,
    vocab,
    train: encodeSet(split.train, vocab, spec.seqLen),
    test: encodeSet(split.test, vocab, spec.seqLen),
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
      split: 'stratified by label, seeded shuffle within each class',
    },
  };
}
