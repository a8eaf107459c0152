/** A tfjs model as a batch runner for the inference benchmark (benchmark/inference.ts). */
import { tf } from './backend.js';
import type { TextClassifier } from './models/types.js';
import type { EncodedSet } from './train.js';

export interface TfjsBatchRunner {
  label: string;
  batchSize: number;
  runBatch(i: number): void;
  dispose(): void;
}

/**
 * Up to 16 batches of real test examples (cycling through the test set); batch i classifies one of them
 * and reads the logits back (dataSync), so the time includes the whole inference.
 */
export function tfjsBatchRunner(model: TextClassifier, set: EncodedSet, batchSize: number): TfjsBatchRunner {
  const batches: tf.Tensor2D[] = [];
  const nBatches = Math.max(1, Math.min(16, Math.floor(set.n / batchSize)));
  for (let i = 0; i < nBatches; i++) {
    const start = (i * batchSize) % Math.max(1, set.n - batchSize + 1);
    batches.push(tf.tensor2d(set.ids.slice(start * set.seqLen, (start + batchSize) * set.seqLen), [batchSize, set.seqLen], 'int32'));
  }
  return {
    label: `${model.name}@${batchSize}`,
    batchSize,
    runBatch(i: number): void {
      const out = tf.tidy(() => model.logits(batches[i % batches.length]));
      out.dataSync();
      out.dispose();
    },
    dispose(): void {
      for (const b of batches) b.dispose();
    },
  };
}
