/** The order of repeated inference benchmarks: interleaved rounds, so drift and noise hit every model alike. */

export interface BenchSlot {
  model: string;
  batchSize: number;
  /** 1-based round. */
  round: number;
  /** `inference:<model>:b<bs>`, with `:r<round>` when there is more than one round. */
  phase: string;
}

/**
 * N rounds over every model x batch size. Within a round the slots run in a rotated order (round k
 * starts k-1 slots later), so no model always runs first, right after training, or last.
 */
export function inferenceSchedule(models: readonly string[], batchSizes: readonly number[], repeats: number): BenchSlot[] {
  const base = models.flatMap((model) => batchSizes.map((batchSize) => ({ model, batchSize })));
  const out: BenchSlot[] = [];
  for (let r = 1; r <= repeats; r++) {
    for (let i = 0; i < base.length; i++) {
      const { model, batchSize } = base[(i + r - 1) % base.length];
      out.push({ model, batchSize, round: r, phase: `inference:${model}:b${batchSize}${repeats > 1 ? `:r${r}` : ''}` });
    }
  }
  return out;
}
