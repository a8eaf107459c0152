import { stringify } from 'csv-stringify/sync';
import type { InferenceRecord, RunJson } from '../run/contract.js';

/** The inference row a model is summarised by: its largest batch size (the throughput setting). */
export function referenceInference(run: RunJson, model: string): InferenceRecord | undefined {
  return run.inference.filter((r) => r.model === model).sort((a, b) => b.batchSize - a.batchSize)[0];
}

const num = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : x);

/** summary.csv: a row per model. Unknown values are empty cells, never 0. */
export function summaryCsv(run: RunJson): string {
  const teacher = run.models.find((m) => m.role === 'teacher');
  const tInf = teacher ? referenceInference(run, teacher.name) : undefined;
  const methods = [...new Set(run.meter.domains.map((d) => d.method))].join('+');
  const rows = run.models.map((m) => {
    const inf = referenceInference(run, m.name);
    return [
      m.name,
      m.role,
      m.kind,
      m.params,
      num(m.accuracy),
      num(m.macroF1),
      teacher ? num(m.accuracy / teacher.accuracy) : '',
      inf?.batchSize ?? '',
      num(inf?.energyJPer1000),
      num(inf && inf.inferences > 0 ? (inf.uncertaintyJ / inf.inferences) * 1000 : undefined),
      num(inf?.gCO2ePer1000),
      tInf && inf ? num(inf.energyJPer1000 / tInf.energyJPer1000) : '',
      num(inf?.latencyMsP50),
      num(inf?.latencyMsP99),
      num(inf?.throughputPerS),
      methods,
    ];
  });
  return stringify([
    [
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
    ],
    ...rows,
  ]);
}

/** inference.csv: every model at every batch size. */
export function inferenceCsv(run: RunJson): string {
  return stringify([
    ['model', 'batch_size', 'inferences', 'energy_j', 'uncertainty_j', 'energy_j_per_1000', 'gco2e_per_1000', 'latency_ms_mean', 'latency_ms_p50', 'latency_ms_p99', 'throughput_per_s'],
    ...run.inference.map((r) => [r.model, r.batchSize, r.inferences, num(r.energyJ), num(r.uncertaintyJ), num(r.energyJPer1000), num(r.gCO2ePer1000), num(r.latencyMsMean), num(r.latencyMsP50), num(r.latencyMsP99), num(r.throughputPerS)]),
  ]);
}
