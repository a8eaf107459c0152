/** Step: load, split and encode the suite's dataset (phase data-preparation). */
import { prepareData } from '../../distillation/data/prepare.js';
import type { SuiteData, SuiteStepContext } from './types.js';

export async function prepareDataStep(s: SuiteStepContext): Promise<SuiteData> {
  const { suite, run } = s;
  await run.phase('data-preparation');
  const data = prepareData(suite.dataset, suite.seed);
  run.records.dataset = data.record;
  run.progress.log(
    `data: ${data.train.n} ${data.unlabelled ? `labelled and ${data.unlabelled.set.n} unlabelled ` : ''}training and ${data.test.n} test examples, vocabulary ${data.vocab.tokens.length}, ${suite.dataset.seqLen} tokens each`,
  );
  return {
    data,
    shape: { vocabSize: data.vocab.tokens.length, seqLen: suite.dataset.seqLen, classes: data.dataset.classes.length },
    input: { tokens: data.vocab.tokens, classes: data.dataset.classes, seqLen: suite.dataset.seqLen },
  };
}
