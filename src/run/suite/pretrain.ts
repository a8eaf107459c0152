/**
 * The teacher's pretraining (teacher.pretrain), phase teacher-pretraining: next-span pairs from the
 * training split's text (labelled mails and the unlabelled pool; labels unread, test text never), a
 * contrastive twin encoder, and its weights copied into the teacher before its supervised training.
 */
import type { PretrainingRecord } from '../../core/contract.js';
import { deriveSeed } from '../../core/random.js';
import { nextSpanPairs } from '../../distillation/pretrain/next-span.js';
import { pretrainEncoder, type PretrainConfig } from '../../distillation/pretrain/pretrain.js';
import type { TextClassifier } from '../../distillation/models/types.js';
import type { SuiteData, SuiteStepContext } from './types.js';

export const PRETRAINING_PHASE = 'teacher-pretraining';
/** A continuation shorter than this many tokens pairs a text with a masked copy of itself. */
export const MIN_NEXT_TOKENS = 16;

export async function pretrainTeacher(
  s: SuiteStepContext,
  d: SuiteData,
  model: TextClassifier,
  spec: { kind: 'transformer'; dModel: number; heads: number; layers: number; ffDim: number },
  cfg: PretrainConfig,
): Promise<PretrainingRecord> {
  const { run, suite } = s;
  await run.phase(PRETRAINING_PHASE, model.name);
  const texts = [...d.data.examples.train, ...(d.data.unlabelled?.examples ?? [])].map((e) => e.text);
  const maskProb = cfg.maskProb ?? 0.15;
  const { pairs, nextSpan, selfCopy } = nextSpanPairs(texts, d.data.vocab, {
    seqLen: d.shape.seqLen,
    maskProb,
    minNextTokens: MIN_NEXT_TOKENS,
    seed: deriveSeed(suite.seed, `pretrain:pairs:${model.name}`),
  });
  const stepsPerEpoch = Math.ceil(pairs.n / cfg.batchSize) - (pairs.n % cfg.batchSize === 1 && pairs.n > 1 ? 1 : 0);
  run.progress.begin(`${PRETRAINING_PHASE} ${model.name} (${pairs.n} texts, ${nextSpan} with a next span)`, stepsPerEpoch * cfg.epochs);
  const r = await pretrainEncoder(model, spec, d.shape, pairs, cfg, {
    seed: deriveSeed(suite.seed, `pretrain:batches:${model.name}`),
    initSeed: deriveSeed(suite.seed, `pretrain:model:${model.name}`),
    onStep: (step, _total, loss) => {
      run.progress.update(step, `loss ${loss.toFixed(4)}`);
      run.check();
    },
  });
  run.progress.end(`loss ${r.finalLoss.toFixed(4)}`);
  return {
    method: cfg.method,
    phase: PRETRAINING_PHASE,
    texts: pairs.n,
    nextSpanPairs: nextSpan,
    selfCopyPairs: selfCopy,
    epochs: r.epochs,
    steps: r.steps,
    batchSize: cfg.batchSize,
    learningRate: cfg.learningRate,
    maskProb,
    scale: cfg.scale ?? 20,
    embeddingDim: cfg.embeddingDim ?? spec.dModel,
    finalLoss: r.finalLoss,
    variablesCopied: r.copied,
  };
}
