/** Per-model figures the reports share: the inference rows a model is judged by and its ratios to the teacher. */
import type { ComparisonRecord, InferenceRecord, ModelRecord, RunJson } from '../core/contract.js';

export function comparisonsOf(run: RunJson): ComparisonRecord[] {
  return Array.isArray(run.comparisons) ? run.comparisons : [];
}

export function teacherOf(run: RunJson): ModelRecord | undefined {
  return run.models.find((m) => m.role === 'teacher');
}

/** The largest batch size every model was benchmarked at (the throughput setting), else undefined. */
export function commonBatch(run: RunJson): number | undefined {
  const models = [...new Set(run.inference.map((r) => r.model))];
  if (models.length === 0) return undefined;
  const sets = models.map((m) => new Set(run.inference.filter((r) => r.model === m).map((r) => r.batchSize)));
  const common = [...sets[0]].filter((b) => sets.every((s) => s.has(b)));
  return common.length > 0 ? Math.max(...common) : undefined;
}

/** The row a model's energy per inference is taken from: the common batch size, else the model's largest. */
export function referenceInference(run: RunJson, model: string): InferenceRecord | undefined {
  const rows = run.inference.filter((r) => r.model === model && r.inferences > 0);
  const b = commonBatch(run);
  return rows.find((r) => r.batchSize === b) ?? rows.sort((a, c) => c.batchSize - a.batchSize)[0];
}

/** The row a model's latency is taken from: batch 1 (one request, what a user waits for), else the smallest batch. */
export function latencyInference(run: RunJson, model: string): InferenceRecord | undefined {
  return run.inference.filter((r) => r.model === model).sort((a, c) => a.batchSize - c.batchSize)[0];
}

export interface ModelFigures {
  model: ModelRecord;
  accuracyVsTeacher?: number;
  inf?: InferenceRecord;
  energyJPer1000?: number;
  /** Measurement uncertainty bound of energyJPer1000 (not a confidence interval). */
  energyUncertaintyJPer1000?: number;
  energyVsTeacher?: number;
  gCO2ePer1000?: number;
  gCO2eVsTeacher?: number;
  latency?: InferenceRecord;
}

/** A number from run.json, or undefined: null (unknown) is never 0. */
const finite = (x: number | null | undefined): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? finite(a / b) : undefined);

export function modelFigures(run: RunJson): ModelFigures[] {
  const teacher = teacherOf(run);
  const tInf = teacher ? referenceInference(run, teacher.name) : undefined;
  return run.models.map((m) => {
    const inf = referenceInference(run, m.name);
    const sameBatch = inf && tInf && inf.batchSize === tInf.batchSize;
    const e = finite(inf?.energyJPer1000);
    const g = finite(inf?.gCO2ePer1000);
    return {
      model: m,
      accuracyVsTeacher: teacher ? ratio(finite(m.accuracy), finite(teacher.accuracy)) : undefined,
      inf,
      energyJPer1000: e,
      energyUncertaintyJPer1000:
        inf && inf.inferences > 0 && finite(inf.uncertaintyJ) !== undefined
          ? finite((inf.uncertaintyJ / inf.inferences) * 1000)
          : undefined,
      energyVsTeacher: sameBatch ? ratio(e, finite(tInf?.energyJPer1000)) : undefined,
      gCO2ePer1000: g,
      gCO2eVsTeacher: sameBatch ? ratio(g, finite(tInf?.gCO2ePer1000)) : undefined,
      latency: latencyInference(run, m.name),
    };
  });
}

/** Every phase's domains use this method (or none is known). */
export function estimatedDevices(run: RunJson): string[] {
  return run.meter.domains.filter((d) => d.method === 'estimated').map((d) => d.device);
}

/** ", ESTIMATED" when every measured device is an estimate, ", partly ESTIMATED (devices)" when some are, else "". */
export function estimateTag(run: RunJson): string {
  const est = estimatedDevices(run);
  if (est.length === 0) return '';
  return est.length === run.meter.domains.length ? ', ESTIMATED' : `, partly ESTIMATED (${est.join(', ')})`;
}

/** "ESTIMATED", "partly ESTIMATED (cpu, dram)" or "" (every device measured): the label of any figure built from the energy. */
export function estimateLabel(run: RunJson): string {
  const est = estimatedDevices(run);
  if (est.length === 0) return '';
  return est.length === run.meter.domains.length ? 'ESTIMATED' : `partly ESTIMATED (${est.join(', ')})`;
}

/** " (ESTIMATED)" style suffix for a column head, chart title or axis; "" when every device is measured. */
export function estimateSuffix(run: RunJson): string {
  const l = estimateLabel(run);
  return l ? ` (${l})` : '';
}

/** How the run's energy was obtained, in one word for prose: "ESTIMATED", "partly ESTIMATED" or "measured". */
export function energyWord(run: RunJson): string {
  const est = estimatedDevices(run);
  if (run.meter.domains.length === 0) return 'unmeasured';
  return est.length === 0 ? 'measured' : est.length === run.meter.domains.length ? 'ESTIMATED' : 'partly ESTIMATED';
}

/** The flag every gCO2e figure carries when the grid intensity is the world-average fallback (no region given); "" otherwise. */
export function co2Flag(run: RunJson): string {
  return run.carbon?.fallback ? 'WORLD FALLBACK' : '';
}

/** " (WORLD FALLBACK)" for a gCO2e column head or chart title; "" otherwise. */
export function co2Suffix(run: RunJson): string {
  const f = co2Flag(run);
  return f ? ` (${f})` : '';
}

/** " (ESTIMATED; WORLD FALLBACK)": both labels a gCO2e figure may need, or "". */
export function co2Labels(run: RunJson): string {
  const l = [estimateLabel(run), co2Flag(run)].filter(Boolean);
  return l.length > 0 ? ` (${l.join('; ')})` : '';
}
