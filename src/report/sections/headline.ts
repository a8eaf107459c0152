/** The headline: one sentence per student, and the per-model table an auditor or board reads first. */
import type { RunJson } from '../../core/contract.js';
import { h, p, table, type Block } from '../doc.js';
import { bytes, ci, int, pct, plusMinus, ratio, sig } from '../format.js';
import { estimateTag, modelFigures, teacherOf } from '../metrics.js';

export function headlineSentences(run: RunJson): string[] {
  const teacher = teacherOf(run);
  if (!teacher) return [];
  const figs = modelFigures(run);
  const t = figs.find((f) => f.model === teacher);
  const est = estimateTag(run);
  const out: string[] = [];
  for (const s of figs.filter((f) => f.model.role === 'student')) {
    const verb = s.accuracyVsTeacher !== undefined && s.accuracyVsTeacher > 1 ? 'reached' : 'kept';
    // A student loaded as it is (a saved or hf-onnx model, a command without "distil") was not distilled in this run.
    let line =
      s.model.pairedWith === teacher.name
        ? `Distilling ${teacher.name} (${int(teacher.params)} parameters) into ${s.model.name} (${int(s.model.params)}, ${sig(teacher.params / s.model.params)}x fewer) ${verb} ${pct(s.accuracyVsTeacher, 1)} of the teacher's accuracy (${pct(s.model.accuracy)} against ${pct(teacher.accuracy)})`
        : `${s.model.name} (kind ${s.model.kind}, not distilled in this run; ${int(s.model.params)} parameters, ${sig(teacher.params / s.model.params)}x fewer than ${teacher.name}) ${verb} ${pct(s.accuracyVsTeacher, 1)} of the teacher's accuracy (${pct(s.model.accuracy)} against ${pct(teacher.accuracy)})`;
    if (s.energyVsTeacher !== undefined && s.energyVsTeacher > 0) {
      const how = s.energyVsTeacher < 1 ? `${sig(1 / s.energyVsTeacher)}x less` : `${sig(s.energyVsTeacher)}x MORE`;
      line += ` and uses ${how} energy per 1,000 inferences at batch ${s.inf?.batchSize} (${sig(s.energyJPer1000)} J against ${sig(t?.energyJPer1000)} J${est})`;
    }
    line += '.';
    const control = figs.find((f) => f.model.role === 'control' && f.model.pairedWith === s.model.name);
    if (control) {
      const d = s.model.accuracy - control.model.accuracy;
      line += ` The same student trained without the teacher (the control) reached ${pct(control.model.accuracy)}: distillation ${d >= 0 ? 'added' : 'cost'} ${Math.abs(d * 100).toFixed(2)} points of accuracy.`;
    }
    out.push(line);
  }
  return out;
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
    ratio(f.energyVsTeacher),
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
        'vs teacher',
        'gCO2e / 1,000 inferences',
        'vs teacher',
        `latency p50 / p99, ms (batch ${latBatch ?? 'n/a'})`,
      ],
      rows,
    ),
    p(
      '± is the bound of the measurement error (see Methodology), not a confidence interval. ',
      anyCI ? '[lo, hi] are 95 % confidence intervals over the repeats. ' : 'No confidence intervals: the run has no repeats. ',
      'Latency is per batch. "n/a" means unknown, never zero.',
    ),
  ];
  return blocks;
}
