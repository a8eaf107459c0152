/**
 * The two parts of the uncertainty of a figure, kept apart so each is used where it belongs.
 *
 * 1. The error bound of the energy, itself in two parts per device:
 *    - the scale part, `relative x E`: the meter's relative error, or for an estimate the model's (CPU
 *      time x W per core: +/-50 %). It is one unknown factor per device and method, the same in every
 *      phase of the run, so it is treated as fully correlated across phases: in a ratio of two figures
 *      of one device and method, or in the break-even N* = C / (t - s), it cancels (exactly where a
 *      single device and method holds all the energy; partly where several do, with the range taken
 *      over every combination of the factors at their bounds). In absolute figures (J, Wh, gCO2e) it
 *      stays whole.
 *    - the window part, the rest of the recorded bound (absolute W x duration, staleness of counter
 *      reads, sample spacing and gaps): independent from one window to the next, added as a worst case.
 * 2. The run-to-run spread: what the same benchmark gives from one interleaved round to the next
 *    (repeats), which no meter bound covers. Shown as the range over the rounds, or as the bootstrap
 *    interval of run.json's comparisons.
 */
import type { DomainEnergy, InferenceRecord, PhaseRecord, RunJson } from '../core/contract.js';

/** Energy by device and method, with the part of its bound that is independent per window. */
export interface Split {
  /** Energy per "device|method" group. */
  byGroup: Map<string, number>;
  /** Sum of the window parts of the bounds (not shared with other windows). */
  windowJ: number;
}

const known = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
export const groupOf = (d: { device: string; method: string }): string => `${d.device}|${d.method}`;

/** The relative (scale) bound of each device and method the run measured. */
export function scaleBounds(run: RunJson): Map<string, number> {
  return new Map(run.meter.domains.map((d) => [groupOf(d), known(d.uncertainty?.relative) ? Math.abs(d.uncertainty.relative) : 0]));
}

/** Splits a window's domains; undefined when any energy or bound is unknown (null in run.json). */
export function splitDomains(run: RunJson, domains: DomainEnergy[], divideBy = 1): Split | undefined {
  const rel = scaleBounds(run);
  const byGroup = new Map<string, number>();
  let windowJ = 0;
  for (const d of domains) {
    if (!known(d.energyJ) || !known(d.uncertaintyJ)) return undefined;
    const g = groupOf(d);
    const scale = (rel.get(g) ?? 0) * Math.abs(d.energyJ);
    byGroup.set(g, (byGroup.get(g) ?? 0) + d.energyJ / divideBy);
    windowJ += Math.max(0, d.uncertaintyJ - scale) / divideBy;
  }
  return { byGroup, windowJ };
}

export function addSplits(splits: Split[]): Split {
  const byGroup = new Map<string, number>();
  let windowJ = 0;
  for (const s of splits) {
    for (const [g, e] of s.byGroup) byGroup.set(g, (byGroup.get(g) ?? 0) + e);
    windowJ += s.windowJ;
  }
  return { byGroup, windowJ };
}

export function splitOfPhases(run: RunJson, phases: PhaseRecord[], divideBy = 1): Split | undefined {
  const parts = phases.map((p) => splitDomains(run, Array.isArray(p.domains) ? p.domains : [], divideBy));
  if (phases.length === 0 || parts.some((x) => x === undefined)) return undefined;
  return addSplits(parts as Split[]);
}

/** The phases an inference record measured: its phase, or its rounds `<phase>:r1..rN`. */
export function inferencePhases(run: RunJson, r: InferenceRecord): PhaseRecord[] {
  return run.phases.filter(
    (p) => p.name === r.phase || (p.name.startsWith(`${r.phase}:r`) && /^\d+$/.test(p.name.slice(r.phase.length + 2))),
  );
}

/** J per inference of a benchmark: its J per 1,000 / 1,000 (the median over rounds where there are repeats). */
export function joulesPerInference(r: InferenceRecord): number {
  return known(r.energyJPer1000) ? r.energyJPer1000 / 1000 : known(r.energyJ) && r.inferences > 0 ? r.energyJ / r.inferences : NaN;
}

/**
 * Energy per inference of a benchmark (joulesPerInference), split by device and method in the proportions
 * of its phases, where they are in the run and add up to its energy; else the record's own figures with
 * its whole bound taken as independent (an older or partial run).
 */
export function inferenceSplit(run: RunJson, r: InferenceRecord): Split | undefined {
  const perInference = joulesPerInference(r);
  if (!(r.inferences > 0) || !known(r.energyJ) || !(r.energyJ > 0) || !Number.isFinite(perInference)) return undefined;
  const scale = perInference / (r.energyJ / r.inferences);
  const s = splitOfPhases(run, inferencePhases(run, r), r.inferences / scale);
  const total = s ? ([...s.byGroup.values()].reduce((a, x) => a + x, 0) * r.inferences) / scale : NaN;
  if (s && Math.abs(total - r.energyJ) <= 1e-6 * Math.max(1, Math.abs(r.energyJ))) return s;
  if (!known(r.uncertaintyJ)) return undefined;
  return { byGroup: new Map([['record|unknown', perInference]]), windowJ: (r.uncertaintyJ / r.inferences) * scale };
}

export const totalOf = (s: Split): number => [...s.byGroup.values()].reduce((a, x) => a + x, 0);

/** Every combination of the groups' scale factors at their bounds (1 - r, 1 + r); at most 2^12. */
function vertices(groups: string[], rel: Map<string, number>): Map<string, number>[] {
  const varying = groups.filter((g) => (rel.get(g) ?? 0) > 0).slice(0, 12);
  const out: Map<string, number>[] = [];
  for (let mask = 0; mask < 1 << varying.length; mask++) {
    const k = new Map(groups.map((g) => [g, 1]));
    varying.forEach((g, i) => k.set(g, 1 + ((mask >> i) & 1 ? 1 : -1) * (rel.get(g) ?? 0)));
    out.push(k);
  }
  return out;
}

const scaled = (s: Split, k: Map<string, number>) => [...s.byGroup].reduce((a, [g, e]) => a + (k.get(g) ?? 1) * e, 0);

function box(run: RunJson, splits: Split[]): Map<string, number>[] {
  const groups = [...new Set(splits.flatMap((s) => [...s.byGroup.keys()]))];
  return vertices(groups, scaleBounds(run));
}

/** Range of a / b under the bounds (scale part correlated, window parts worst case); hi Infinity when b may reach 0. */
export function ratioBounds(run: RunJson, a: Split, b: Split): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const k of box(run, [a, b])) {
    const ea = scaled(a, k);
    const eb = scaled(b, k);
    lo = Math.min(lo, Math.max(0, ea - a.windowJ) / (eb + b.windowJ));
    hi = Math.max(hi, eb - b.windowJ > 0 ? (ea + a.windowJ) / (eb - b.windowJ) : Infinity);
  }
  return [lo, hi];
}

/** Range of a - b under the bounds: the scale part correlated, window parts worst case. */
export function differenceBounds(run: RunJson, a: Split, b: Split): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const k of box(run, [a, b])) {
    const d = scaled(a, k) - scaled(b, k);
    lo = Math.min(lo, d - a.windowJ - b.windowJ);
    hi = Math.max(hi, d + a.windowJ + b.windowJ);
  }
  return [lo, hi];
}

/** Range of the break-even N* = C / (t - s) under the bounds: [earliest, latest]; latest null where the saving may vanish (never). */
export function breakEvenBounds(run: RunJson, c: Split, t: Split, s: Split): [number | null, number | null] {
  let early = Infinity;
  let late: number | null = -Infinity;
  for (const k of box(run, [c, t, s])) {
    const ck = scaled(c, k);
    const save = scaled(t, k) - scaled(s, k);
    const best = save + t.windowJ + s.windowJ;
    const worst = save - t.windowJ - s.windowJ;
    if (best > 0) early = Math.min(early, Math.max(0, ck - c.windowJ) / best);
    if (late !== null) late = worst > 0 ? Math.max(late, (ck + c.windowJ) / worst) : null;
  }
  return [Number.isFinite(early) ? early : null, late === null || !Number.isFinite(late) ? null : late];
}

/** [min, max] of finite values, undefined when there are fewer than two. */
export function spread(xs: (number | null)[]): [number, number] | undefined {
  const ok = xs.filter(known);
  if (ok.length < 2) return undefined;
  return [Math.min(...ok), Math.max(...ok)];
}
