import { Bench } from 'tinybench';
import { tf } from '../distillation/backend.js';
import type { TextClassifier } from '../distillation/models/types.js';
import type { EncodedSet } from '../distillation/train.js';

export interface InferenceResult {
  batchSize: number;
  /** Examples classified while the benchmark ran (warm-up included: all of it is inside the measured window). */
  inferences: number;
  latencyMsP50: number;
  latencyMsP99: number;
  latencyMsMean: number;
  /** Examples per second (batches per second x batch size). */
  throughputPerS: number;
  samples: number;
}

/**
 * Benchmarks inference of one model at one batch size with tinybench: each iteration classifies
 * one batch of real test examples (cycling through the test set) and waits for the result.
 */
export async function benchmarkInference(
  model: TextClassifier,
  set: EncodedSet,
  batchSize: number,
  timeMs: number,
): Promise<InferenceResult> {
  const batches: tf.Tensor2D[] = [];
  const nBatches = Math.max(1, Math.min(16, Math.floor(set.n / batchSize)));
  for (let i = 0; i < nBatches; i++) {
    const start = (i * batchSize) % Math.max(1, set.n - batchSize + 1);
    batches.push(tf.tensor2d(set.ids.slice(start * set.seqLen, (start + batchSize) * set.seqLen), [batchSize, set.seqLen], 'int32'));
  }
  let calls = 0;
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs / 4), iterations: 5 });
  bench.add(`${model.name}@${batchSize}`, () => {
    const out = tf.tidy(() => model.logits(batches[calls % batches.length]));
    out.dataSync();
    out.dispose();
    calls++;
  });
  try {
    await bench.run();
  } finally {
    for (const b of batches) b.dispose();
  }
  const r = bench.tasks[0].result as unknown as {
    latency?: { mean: number; p50?: number; p99?: number; samplesCount?: number };
    throughput?: { mean: number };
    error?: unknown;
  };
  if (r.error) throw r.error instanceof Error ? r.error : new Error(String(r.error));
  if (!r.latency) throw new Error(`tinybench gave no latency for ${model.name} at batch ${batchSize}`);
  const latencyMsMean = r.latency.mean;
  return {
    batchSize,
    inferences: calls * batchSize,
    latencyMsP50: r.latency.p50 ?? NaN,
    latencyMsP99: r.latency.p99 ?? NaN,
    latencyMsMean,
    throughputPerS: (1000 / latencyMsMean) * batchSize,
    samples: r.latency.samplesCount ?? 0,
  };
}
