import { Bench } from 'tinybench';

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
 * One model at one batch size, ready to be timed: `runBatch(i)` classifies the i-th batch of real test
 * examples and returns only when the result is ready (a GPU backend must wait for its work: otherwise
 * latency measures the queueing). Built by the layer that owns the model (distillation/infer.ts for tfjs).
 */
export interface BatchRunner {
  /** "model@batch", for messages. */
  label: string;
  batchSize: number;
  /** Synchronous runners return void; asynchronous ones a promise that settles when the output is read back. */
  runBatch(i: number): void | Promise<void>;
  /** True when runBatch returns a promise. */
  async?: boolean;
  dispose(): void;
}

/**
 * Benchmarks one runner with tinybench: each iteration runs one batch and waits for its result.
 * The runner is disposed at the end, whatever happens.
 */
export async function benchmarkInference(runner: BatchRunner, timeMs: number): Promise<InferenceResult> {
  let calls = 0;
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs / 4), iterations: 5 });
  if (runner.async) {
    bench.add(runner.label, async () => {
      await runner.runBatch(calls);
      calls++;
    });
  } else {
    bench.add(runner.label, () => {
      void runner.runBatch(calls);
      calls++;
    });
  }
  try {
    await bench.run();
  } finally {
    runner.dispose();
  }
  const r = bench.tasks[0].result as unknown as {
    latency?: { mean: number; p50?: number; p99?: number; samplesCount?: number };
    throughput?: { mean: number };
    error?: unknown;
  };
  if (r.error) throw r.error instanceof Error ? r.error : new Error(String(r.error));
  if (!r.latency) throw new Error(`tinybench gave no latency for ${runner.label}`);
  const latencyMsMean = r.latency.mean;
  return {
    batchSize: runner.batchSize,
    inferences: calls * runner.batchSize,
    latencyMsP50: r.latency.p50 ?? NaN,
    latencyMsP99: r.latency.p99 ?? NaN,
    latencyMsMean,
    throughputPerS: (1000 / latencyMsMean) * runner.batchSize,
    samples: r.latency.samplesCount ?? 0,
  };
}
