/**
 * summary.csv (a row per model) and inference.csv (every model at every batch size), written with csv-stringify.
 * Both end with energy_method (how each device was measured: counter, sampled or estimated) and
 * intensity_fallback (gCO2e at the WORLD-average fallback intensity), so no estimate leaves unlabelled.
 */
import { stringifyCsv } from './csv.js';
import type { RunJson } from '../core/contract.js';
import { modelFigures } from './metrics.js';

/** Unknown values are empty cells, never 0. */
const num = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : x);

/** How each device's energy was obtained, "cpu:estimated;dram:estimated": the method column of every CSV with energy. */
export function energyMethodCell(run: RunJson): string {
  return run.meter.domains.map((d) => `${d.device}:${d.method}`).join(';');
}

/** "true" when every gCO2e figure rests on the WORLD-average fallback intensity, "false" when not, "" without carbon figures. */
export function intensityFallbackCell(run: RunJson): string {
  return run.carbon ? String(run.carbon.fallback === true) : '';
}

export const SUMMARY_COLUMNS = [
  'model',
  'role',
  'kind',
  'params',
  'accuracy',
  'macro_f1',
  'accuracy_vs_teacher',
  'batch_size',
  'energy_j_per_1000',
  'energy_uncertainty_j_per_1000',
  'gco2e_per_1000',
  'energy_vs_teacher',
  'latency_ms_p50',
  'latency_ms_p99',
  'throughput_per_s',
  'energy_methods',
  'size_bytes',
  'accuracy_ci95_lo',
  'accuracy_ci95_hi',
  'energy_j_per_1000_ci95_lo',
  'energy_j_per_1000_ci95_hi',
  'gco2e_vs_teacher',
  'latency_batch_size',
  'status',
  'energy_method',
  'intensity_fallback',
];

export function summaryCsv(run: RunJson): string {
  const methods = [...new Set(run.meter.domains.map((d) => d.method))].join('+');
  const rows = modelFigures(run).map((f) => [
    f.model.name,
    f.model.role,
    f.model.kind,
    num(f.model.params),
    num(f.model.accuracy),
    num(f.model.macroF1),
    num(f.accuracyVsTeacher),
    f.inf?.batchSize ?? '',
    num(f.energyJPer1000),
    num(f.energyUncertaintyJPer1000),
    num(f.gCO2ePer1000),
    num(f.energyVsTeacher),
    num(f.latency?.latencyMsP50),
    num(f.latency?.latencyMsP99),
    num(f.inf?.throughputPerS),
    methods,
    num(f.model.sizeBytes),
    num(f.model.accuracyCI95?.[0]),
    num(f.model.accuracyCI95?.[1]),
    num(f.inf?.energyJPer1000CI95?.[0]),
    num(f.inf?.energyJPer1000CI95?.[1]),
    num(f.gCO2eVsTeacher),
    f.latency?.batchSize ?? '',
    run.status,
    energyMethodCell(run),
    intensityFallbackCell(run),
  ]);
  return stringifyCsv([SUMMARY_COLUMNS, ...rows]);
}

export function inferenceCsv(run: RunJson): string {
  return stringifyCsv([
    [
      'model',
      'batch_size',
      'inferences',
      'energy_j',
      'uncertainty_j',
      'energy_j_per_1000',
      'gco2e_per_1000',
      'latency_ms_mean',
      'latency_ms_p50',
      'latency_ms_p99',
      'throughput_per_s',
      'energy_method',
      'intensity_fallback',
    ],
    ...run.inference.map((r) => [
      r.model,
      r.batchSize,
      r.inferences,
      num(r.energyJ),
      num(r.uncertaintyJ),
      num(r.energyJPer1000),
      num(r.gCO2ePer1000),
      num(r.latencyMsMean),
      num(r.latencyMsP50),
      num(r.latencyMsP99),
      num(r.throughputPerS),
      energyMethodCell(run),
      intensityFallbackCell(run),
    ]),
  ]);
}
