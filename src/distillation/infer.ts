/** A tfjs model as a batch runner for the inference benchmark (benchmark/inference.ts). */
import { tf } from './backend.js';
import type { TextClassifier } from './models/types.js';
import type { EncodedSet } from './train.js';

/**
 * How a timed batch waits for its result:
 * - "sync": `dataSync()`, for backends that compute on the calling thread (wasm, cpu, tensorflow);
 * - "async": `await data()`, for device backends (webgpu, tensorflow-gpu): their ops only queue work,
 *   so each timed iteration must wait for its logits or the latency measures only the queueing; and
 *   on webgpu `dataSync()` crashes under Node (it needs OffscreenCanvas).
 */
export type Readback = 'sync' | 'async';

export interface TfjsBatchRunner {
  label: string;
  batchSize: number;
  /** With readback "async" a promise that settles when the logits are read back. */
  runBatch(i: number): void | Promise<void>;
  /** True for readback "async" (benchmark/inference.ts then awaits runBatch). */
  async: boolean;
  dispose(): void;
}

/** The readback a backend needs: "async" for the device backends (their work is queued, not done). */
export function readbackFor(backend: string = tf.getBackend()): Readback {
  return backend === 'webgpu' || backend === 'tensorflow-gpu' ? 'async' : 'sync';
}

/**
 * Up to 16 batches of real test examples (cycling through the test set); batch i classifies one of them
 * and reads the logits back, so the time includes the whole inference. `readback` defaults to what the
 * current tfjs backend needs.
 */
export function tfjsBatchRunner(
  model: TextClassifier,
  set: EncodedSet,
  batchSize: number,
  readback: Readback = readbackFor(),
): TfjsBatchRunner {
  const batches: tf.Tensor2D[] = [];
  const nBatches = Math.max(1, Math.min(16, Math.floor(set.n / batchSize)));
  for (let i = 0; i < nBatches; i++) {
    const start = (i * batchSize) % Math.max(1, set.n - batchSize + 1);
    batches.push(tf.tensor2d(set.ids.slice(start * set.seqLen, (start + batchSize) * set.seqLen), [batchSize, set.seqLen], 'int32'));
  }
  const logits = (i: number) => tf.tidy(() => model.logits(batches[i % batches.length]));
  return {
    label: `${model.name}@${batchSize}`,
    batchSize,
    async: readback === 'async',
    runBatch:
      readback === 'async'
        ? async (i: number): Promise<void> => {
            const out = logits(i);
            try {
              await out.data();
            } finally {
              out.dispose();
            }
          }
        : (i: number): void => {
            const out = logits(i);
            out.dataSync();
            out.dispose();
          },
    dispose(): void {
      for (const b of batches) b.dispose();
    },
  };
}
