/**
 * Folds repeated inference rounds into one record per model and batch size (medians with seeded
 * bootstrap 95 % intervals) and compares models: energy and latency ratios to the teacher,
 * accuracy differences between each distilled student and its control.
 */
import type { ComparisonRecord, InferenceRecord, ModelRecord } from '../core/contract.js';
import { deriveSeed } from '../core/random.js';
import {
  bootstrapMedianCI,
  bootstrapPairedMeanDiffCI,
  bootstrapSeedsPairedDiffCI,
  bootstrapRatioCI,
  intervalWarning,
  median,
  type Interval,
} from './stats.js';

/** The round suffix of a repeated phase: "inference:t:b1:r3" -> "inference:t:b1". */
export function basePhase(phase: string): string {
  return phase.replace(/:r\d+$/, '');
}

const finite = (ci: Interval): [number, number] | undefined =>
  Number.isFinite(ci[0]) && Number.isFinite(ci[1]) ? [ci[0], ci[1]] : undefined;

/** One record per (model, batch size); single-round records are returned unchanged. */
export function aggregateInference(records: readonly InferenceRecord[], seed: number): InferenceRecord[] {
  const groups = new Map<string, InferenceRecord[]>();
  for (const r of records) {
    const key = `${r.model}\u0000${r.batchSize}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    if (rs.length === 1) return rs[0];
    const pick = (f: (r: InferenceRecord) => number) => rs.map(f);
    const per = {
      energyJPer1000: pick((r) => r.energyJPer1000),
      gCO2ePer1000: pick((r) => r.gCO2ePer1000),
      latencyMsP50: pick((r) => r.latencyMsP50),
      latencyMsMean: pick((r) => r.latencyMsMean),
      throughputPerS: pick((r) => r.throughputPerS),
    };
    const s = (what: string) => ({ seed: deriveSeed(seed, `ci:${rs[0].model}:${rs[0].batchSize}:${what}`) });
    const sum = (f: (r: InferenceRecord) => number) => rs.reduce((a, r) => a + f(r), 0);
    const e = finite(bootstrapMedianCI(per.energyJPer1000, s('energy')));
    const g = finite(bootstrapMedianCI(per.gCO2ePer1000, s('co2')));
    const l = finite(bootstrapMedianCI(per.latencyMsP50, s('latency')));
    return {
      model: rs[0].model,
      batchSize: rs[0].batchSize,
      phase: basePhase(rs[0].phase),
      inferences: sum((r) => r.inferences),
      latencyMsP50: median(per.latencyMsP50),
      latencyMsP99: median(pick((r) => r.latencyMsP99)),
      latencyMsMean: median(per.latencyMsMean),
      throughputPerS: median(per.throughputPerS),
      energyJ: sum((r) => r.energyJ),
      uncertaintyJ: sum((r) => r.uncertaintyJ),
      energyJPer1000: median(per.energyJPer1000),
      gCO2ePer1000: median(per.gCO2ePer1000),
      ...(e ? { energyJPer1000CI95: e } : {}),
      ...(g ? { gCO2ePer1000CI95: g } : {}),
      ...(l ? { latencyMsP50CI95: l } : {}),
      repeats: rs.length,
      perRepeat: per,
    };
  });
}

function ratio(metric: 'energyJPer1000' | 'latencyMsP50', a: InferenceRecord, b: InferenceRecord, seed: number): ComparisonRecord {
  const xa = a.perRepeat?.[metric] ?? [a[metric]];
  const xb = b.perRepeat?.[metric] ?? [b[metric]];
  const estimate = median(xa) / median(xb);
  const ci = finite(bootstrapRatioCI(xa, xb, { seed: deriveSeed(seed, `ratio:${metric}:${a.model}:${b.model}:${a.batchSize}`) }));
  const warning = intervalWarning(ci ?? [NaN, NaN], estimate, 1);
  return {
    metric,
    kind: 'ratio',
    a: a.model,
    b: b.model,
    batchSize: a.batchSize,
    estimate,
    ...(ci ? { ci95: ci } : {}),
    n: Math.min(xa.length, xb.length),
    ...(warning ? { warning } : {}),
  };
}

/** Per-example correctness (1/0) of each model on the test set, by model name. */
export type Correctness = Map<string, Uint8Array>;

/** Per training seed, per-example correctness of a model trained with several seeds (the first is the model of `Correctness`). */
export type SeedCorrectness = Map<string, Uint8Array[]>;

/**
 * Every non-teacher model against the teacher at each batch size (energy per 1,000 and p50 latency
 * ratios), and every distilled student against its control (accuracy difference, paired bootstrap over test
 * examples, or over their source texts when `testGroups` is given).
 */
export function compareModels(
  models: readonly ModelRecord[],
  inference: readonly InferenceRecord[],
  correct: Correctness,
  seed: number,
  testGroups?: readonly string[],
  seedCorrect?: SeedCorrectness,
): ComparisonRecord[] {
  const out: ComparisonRecord[] = [];
  const teacher = models.find((m) => m.role === 'teacher');
  if (teacher) {
    for (const m of models) {
      if (m === teacher) continue;
      for (const r of inference.filter((x) => x.model === m.name)) {
        const t = inference.find((x) => x.model === teacher.name && x.batchSize === r.batchSize);
        if (!t) continue;
        out.push(ratio('energyJPer1000', r, t, seed), ratio('latencyMsP50', r, t, seed));
      }
    }
  }
  for (const c of models.filter((m) => m.role === 'control' && m.pairedWith)) {
    const a = correct.get(c.pairedWith!);
    const b = correct.get(c.name);
    if (!a || !b || a.length !== b.length) continue;
    const clustersOf = testGroups && testGroups.length === a.length ? testGroups : undefined;
    const as = seedCorrect?.get(c.pairedWith!);
    const bs = seedCorrect?.get(c.name);
    if (as && bs && as.length > 1 && bs.length > 1) {
      out.push(seedsComparison(c.pairedWith!, c.name, as, bs, seed, clustersOf));
      continue;
    }
    const diff = a.reduce((s, v, i) => s + v - b[i], 0) / a.length;
    const clusters = testGroups && testGroups.length === a.length ? testGroups : undefined;
    const ci = finite(
      bootstrapPairedMeanDiffCI(Array.from(a), Array.from(b), {
        seed: deriveSeed(seed, `acc:${c.name}`),
        ...(clusters ? { clusters } : {}),
      }),
    );
    const warning = intervalWarning(ci ?? [NaN, NaN], diff, 0);
    out.push({
      metric: 'accuracy',
      kind: 'difference',
      a: c.pairedWith!,
      b: c.name,
      estimate: diff,
      ...(ci ? { ci95: ci } : {}),
      n: a.length,
      ...(warning ? { warning } : {}),
    });
  }
  return out;
}

/** An accuracy difference over training seeds: the mean over seeds, with a two-level bootstrap (seeds, then test examples or texts). */
function seedsComparison(
  a: string,
  b: string,
  as: readonly Uint8Array[],
  bs: readonly Uint8Array[],
  seed: number,
  clusters?: readonly string[],
): ComparisonRecord {
  const k = Math.min(as.length, bs.length);
  const xa = as.slice(0, k).map((x) => Array.from(x));
  const xb = bs.slice(0, k).map((x) => Array.from(x));
  const estimate = xa.reduce((s, row, i) => s + row.reduce((t, v, j) => t + v - xb[i][j], 0) / row.length, 0) / k;
  const ci = finite(bootstrapSeedsPairedDiffCI(xa, xb, { seed: deriveSeed(seed, `acc:${b}`), ...(clusters ? { clusters } : {}) }));
  const warning = intervalWarning(ci ?? [NaN, NaN], estimate, 0);
  return {
    metric: 'accuracy',
    kind: 'difference',
    a,
    b,
    estimate,
    ...(ci ? { ci95: ci } : {}),
    n: xa[0].length,
    ...(warning ? { warning } : {}),
    seeds: k,
  };
}
