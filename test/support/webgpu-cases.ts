/**
 * Every model kind with every loss, for the WebGPU tests: a small padded task, fixed teacher logits, and
 * two training steps through the real train() with the loss and the gradients of the first batch.
 */
import { tf } from '../../src/distillation/backend.js';
import { buildModel } from '../../src/distillation/models/build.js';
import { crossEntropy, hintonLoss, type DistillationLossConfig } from '../../src/distillation/loss.js';
import { batchOf, train, type EncodedSet } from '../../src/distillation/train.js';
import { rng } from '../../src/core/random.js';
import type { TrainableSpec } from '../../src/suites/types.js';

export const CLASSES = 3;
export const SEQ_LEN = 12;
export const VOCAB = 40;
const BATCH = 8;
const TRAIN = { epochs: 1, batchSize: BATCH, learningRate: 0.01 };

/** Each model kind, the transformer with two blocks (its own layer norm and masked attention). */
export const KIND_SPECS: TrainableSpec[] = [
  { name: 'gpu-transformer', kind: 'transformer', dModel: 16, heads: 2, layers: 2, ffDim: 32, train: TRAIN },
  { name: 'gpu-bilstm', kind: 'bilstm', dModel: 8, hidden: 6, train: TRAIN },
  { name: 'gpu-bag', kind: 'embedding-bag', dModel: 8, hidden: 10, train: TRAIN },
  { name: 'gpu-bag-linear', kind: 'embedding-bag', dModel: 6, hidden: 0, train: TRAIN },
];

/** Plain cross-entropy (teacher, controls), the Hinton loss, and MSE on logits. */
export const LOSSES: { name: string; loss?: DistillationLossConfig }[] = [
  { name: 'cross-entropy' },
  { name: 'hinton', loss: { temperature: 2, softWeight: 0.7, hardWeight: 0.3 } },
  { name: 'mse-logits', loss: { temperature: 1, softWeight: 0.5, hardWeight: 0.5, logitLoss: 'mse' } },
];

/** 2 batches of examples of varied length (zero padding after the last token). */
export function tinyTask(seed = 11, n = 2 * BATCH): EncodedSet {
  const r = rng(seed);
  const ids = new Int32Array(n * SEQ_LEN);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const len = 3 + Math.floor(r() * (SEQ_LEN - 3));
    for (let t = 0; t < len; t++) ids[i * SEQ_LEN + t] = 2 + Math.floor(r() * (VOCAB - 2));
    labels[i] = Math.floor(r() * CLASSES);
  }
  return { ids, labels, n, seqLen: SEQ_LEN };
}

export function teacherLogits(n: number, seed = 12): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n * CLASSES }, () => 3 * (r() - 0.5));
}

export interface StepResult {
  /** Loss of each training step (Adam), as train() reports it. */
  losses: number[];
  /** Gradient of the loss of the first batch at the initial weights, by variable name. */
  grads: Record<string, number[]>;
}

/** Builds the model (seeded: the same weights on every backend), takes gradients, then trains 2 steps. */
export async function trainSteps(spec: TrainableSpec, lossCase: (typeof LOSSES)[number]): Promise<StepResult> {
  const set = tinyTask();
  const tLogits = teacherLogits(set.n);
  const model = buildModel(spec, spec.name, { vocabSize: VOCAB, seqLen: SEQ_LEN, classes: CLASSES }, 7);
  try {
    const first = batchOf(
      set,
      Array.from({ length: BATCH }, (_, i) => i),
    );
    const { value, grads } = tf.variableGrads(() => {
      const ids = tf.tensor2d(first.ids, [BATCH, SEQ_LEN], 'int32');
      const labels = tf.tensor1d(first.labels, 'int32');
      const logits = model.logits(ids);
      return lossCase.loss
        ? hintonLoss(logits, tf.tensor2d(tLogits.subarray(0, BATCH * CLASSES), [BATCH, CLASSES]), labels, lossCase.loss)
        : crossEntropy(logits, labels);
    }, model.variables);
    const out: Record<string, number[]> = {};
    for (const [name, g] of Object.entries(grads)) out[name] = Array.from(await g.data());
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
    const losses: number[] = [];
    await train(model, set, spec.train, {
      seed: 3,
      ...(lossCase.loss ? { teacherLogits: tLogits, loss: lossCase.loss } : {}),
      onStep: (_s, _t, loss) => void losses.push(loss ?? NaN),
    });
    return { losses, grads: out };
  } finally {
    model.dispose();
  }
}
