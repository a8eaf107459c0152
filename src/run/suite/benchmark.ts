/**
 * Step: inference benchmarks, every model at every batch size, one phase each
 * (`inference:MODEL:bN`, `:rK` with interleaved rounds); their energy is the phase's.
 * On a device backend (webgpu, tensorflow-gpu) every timed batch awaits its logits (`await data()`):
 * the latency is that of the inference, not of queueing it.
 * Own models (command, hf-onnx) run their slot themselves (own-models.ts).
 */
import { benchmarkInference } from '../../benchmark/inference.js';
import { inferenceSchedule } from '../../benchmark/schedule.js';
import { tfjsBatchRunner } from '../../distillation/infer.js';
import type { OwnModel } from './own-models.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';

export async function benchmarkStep(
  s: SuiteStepContext,
  d: SuiteData,
  models: Trained[],
  repeats: number,
  own: OwnModel[] = [],
): Promise<void> {
  const { run, suite } = s;
  const readback = s.backend.sync ? 'async' : 'sync';
  const byName = new Map(models.map((m) => [m.model.name, m.model]));
  const ownByName = new Map(own.map((m) => [m.name, m]));
  const schedule = inferenceSchedule([...byName.keys(), ...ownByName.keys()], suite.inference.batchSizes, repeats);
  run.progress.begin(`inference benchmarks${repeats > 1 ? ` (${repeats} interleaved rounds)` : ''}`, schedule.length);
  let done = 0;
  for (const slot of schedule) {
    const o = ownByName.get(slot.model);
    let r;
    if (o) r = await o.benchmark(s, d, slot);
    else {
      await run.phase(slot.phase, slot.model);
      r = await benchmarkInference(tfjsBatchRunner(byName.get(slot.model)!, d.data.test, slot.batchSize, readback), suite.inference.timeMs);
    }
    run.records.inference.push({
      model: slot.model,
      batchSize: slot.batchSize,
      phase: slot.phase,
      inferences: r.inferences,
      latencyMsP50: r.latencyMsP50,
      latencyMsP99: r.latencyMsP99,
      latencyMsMean: r.latencyMsMean,
      throughputPerS: r.throughputPerS,
    });
    run.progress.update(
      ++done,
      `${slot.model} b${slot.batchSize}${repeats > 1 ? ` r${slot.round}` : ''}: ${r.throughputPerS.toFixed(0)}/s`,
    );
    run.check();
  }
  run.progress.end();
}
