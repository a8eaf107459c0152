import { tf } from './backend.js';
import { crossEntropy, hintonLoss, type DistillationLossConfig } from './loss.js';
import { rng, shuffled } from '../core/random.js';
import type { TextClassifier, TrainConfig } from './models/types.js';
import { adam } from './adam.js';
export type { TrainConfig } from './models/types.js';

/** Encoded examples: ids row-major [n, seqLen], labels [n]. */
export interface EncodedSet {
  ids: Int32Array;
  labels: Int32Array;
  n: number;
  seqLen: number;
}

export interface TrainOptions {
  seed: number;
  /** Teacher logits for every training example [n, classes]: distillation when given. */
  teacherLogits?: Float32Array;
  loss?: DistillationLossConfig;
  /** Called after each step (for progress); may throw to abort (Ctrl-C). */
  onStep?: (step: number, totalSteps: number, loss: number | undefined) => void;
}

export interface TrainResult {
  epochs: number;
  steps: number;
  finalLoss: number;
  /** Mean loss per epoch. */
  lossByEpoch: number[];
}

export function batchOf(set: EncodedSet, idx: readonly number[]): { ids: Int32Array; labels: Int32Array } {
  const ids = new Int32Array(idx.length * set.seqLen);
  const labels = new Int32Array(idx.length);
  idx.forEach((row, i) => {
    ids.set(set.ids.subarray(row * set.seqLen, (row + 1) * set.seqLen), i * set.seqLen);
    labels[i] = set.labels[row];
  });
  return { ids, labels };
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * The loop every training shares: `epochs` seeded shuffles of `n` examples, `stepsPerEpoch` batches each,
 * one Adam step on the loss `lossOf` builds for a batch's rows, the mean loss of each epoch.
 */
export async function trainEpochs(
  model: TextClassifier,
  n: number,
  cfg: TrainConfig,
  o: {
    seed: number;
    stepsPerEpoch: number;
    /** The batch's loss (called inside tf.tidy and tf.variableGrads). */
    lossOf: (idx: number[]) => tf.Scalar;
    onStep?: (step: number, totalSteps: number, loss: number) => void;
  },
): Promise<TrainResult> {
  const optimizer = adam(cfg.learningRate);
  const rand = rng(o.seed);
  const totalSteps = o.stepsPerEpoch * cfg.epochs;
  const lossByEpoch: number[] = [];
  let step = 0;
  let finalLoss = NaN;
  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      const order = shuffled(
        Array.from({ length: n }, (_, i) => i),
        rand,
      );
      let sum = 0;
      for (let s = 0; s < o.stepsPerEpoch; s++) {
        const idx = order.slice(s * cfg.batchSize, (s + 1) * cfg.batchSize);
        const lossT = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => o.lossOf(idx), model.variables);
          optimizer.applyGradients(grads);
          return value;
        });
        const loss = (await lossT.data())[0];
        lossT.dispose();
        sum += loss;
        finalLoss = loss;
        step++;
        o.onStep?.(step, totalSteps, loss);
        await yieldToLoop();
      }
      lossByEpoch.push(o.stepsPerEpoch > 0 ? sum / o.stepsPerEpoch : NaN);
    }
  } finally {
    optimizer.dispose();
  }
  return { epochs: cfg.epochs, steps: step, finalLoss, lossByEpoch };
}

/** Trains with Adam: plain cross-entropy, or the Hinton loss against precomputed teacher logits. */
export function train(model: TextClassifier, set: EncodedSet, cfg: TrainConfig, opts: TrainOptions): Promise<TrainResult> {
  const classes = opts.teacherLogits ? opts.teacherLogits.length / set.n : 0;
  return trainEpochs(model, set.n, cfg, {
    seed: opts.seed,
    stepsPerEpoch: Math.ceil(set.n / cfg.batchSize),
    ...(opts.onStep ? { onStep: opts.onStep } : {}),
    lossOf: (idx) => {
      const b = batchOf(set, idx);
      const ids = tf.tensor2d(b.ids, [idx.length, set.seqLen], 'int32');
      const labels = tf.tensor1d(b.labels, 'int32');
      if (!opts.teacherLogits || !opts.loss) return crossEntropy(model.logits(ids), labels);
      const t = new Float32Array(idx.length * classes);
      idx.forEach((row, i) => t.set(opts.teacherLogits!.subarray(row * classes, (row + 1) * classes), i * classes));
      return hintonLoss(model.logits(ids), tf.tensor2d(t, [idx.length, classes]), labels, opts.loss);
    },
  });
}

/** Logits of every example [n, classes], computed in batches. */
export async function predictLogits(
  model: TextClassifier,
  set: Pick<EncodedSet, 'ids' | 'n' | 'seqLen'>,
  batchSize: number,
): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (let start = 0; start < set.n; start += batchSize) {
    const end = Math.min(set.n, start + batchSize);
    const out = tf.tidy(() =>
      model.logits(tf.tensor2d(set.ids.subarray(start * set.seqLen, end * set.seqLen), [end - start, set.seqLen], 'int32')),
    );
    parts.push((await out.data()) as Float32Array);
    out.dispose();
    await yieldToLoop();
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return all;
}
