/** The Models table: a row per model with accuracy, energy, CO2e and latency, every estimate and fallback labelled. */
import type { RunJson } from '../../core/contract.js';
import { h, p, table, type Block } from '../doc.js';
import { bytes, ci, int, pct, plusMinus, ratio, sig } from '../format.js';
import { co2Labels, comparisonsOf, estimateTag, modelFigures } from '../metrics.js';

/** The bootstrap interval over rounds of a model's energy ratio to the teacher, from run.json's comparisons. */
function ratioCi(run: RunJson, model: string, batch: number | undefined): string {
  const c = comparisonsOf(run).find((x) => x.metric === 'energyJPer1000' && x.a === model && x.batchSize === batch);
  return c ? ci(c.ci95) : '';
}

export function headlineTable(run: RunJson): Block[] {
  if (run.models.length === 0) return [];
  const figs = modelFigures(run);
  const batch = figs.find((f) => f.inf)?.inf?.batchSize;
  const latBatch = figs.find((f) => f.latency)?.latency?.batchSize;
  const est = estimateTag(run);
  const anyCI = figs.some(
    (f) => f.model.accuracyCI95 || f.inf?.energyJPer1000CI95 || f.inf?.gCO2ePer1000CI95 || f.latency?.latencyMsP50CI95,
  );
  const rows = figs.map((f) => [
    f.model.name,
    f.model.role,
    int(f.model.params),
    bytes(f.model.sizeBytes),
    `${pct(f.model.accuracy)}${ci(f.model.accuracyCI95, 3, 100)}`,
    pct(f.accuracyVsTeacher, 1),
    `${plusMinus(f.energyJPer1000, f.energyUncertaintyJPer1000)}${ci(f.inf?.energyJPer1000CI95)}`,
    `${ratio(f.energyVsTeacher)}${f.model.role === 'teacher' ? '' : ratioCi(run, f.model.name, f.inf?.batchSize)}`,
    `${sig(f.gCO2ePer1000)}${ci(f.inf?.gCO2ePer1000CI95)}`,
    ratio(f.gCO2eVsTeacher),
    f.latency ? `${sig(f.latency.latencyMsP50)}${ci(f.latency.latencyMsP50CI95)} / ${sig(f.latency.latencyMsP99)}` : 'n/a',
  ]);
  const blocks: Block[] = [
    h(2, 'Models'),
    table(
      [
        'model',
        'role',
        'parameters',
        'size on disk',
        'accuracy',
        '% of teacher',
        `J / 1,000 inferences (batch ${batch ?? 'n/a'}${est})`,
        `vs teacher${est ? ' (model bound cancels)' : ''}`,
        `gCO2e / 1,000 inferences${co2Labels(run)}`,
        'vs teacher',
        `latency p50 / p99, ms (batch ${latBatch ?? 'n/a'})`,
      ],
      rows,
    ),
    p(
      '± is the error bound of the energy (meter or model, see Methodology), not a confidence interval; it applies to J and gCO2e, and cancels in the ratios to the teacher. ',
      anyCI
        ? '[lo, hi] are 95 % confidence intervals over the repeated inference rounds (run-to-run spread; for the ratios, bootstrap of the median ratio). '
        : 'No confidence intervals: the run has no repeats. ',
      'Latency is per batch. "n/a" means unknown, never zero.',
    ),
  ];
  return blocks;
}
