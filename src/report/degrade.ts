/**
 * Reports of runs with very many phases (a workload that marked every step): a chart cannot draw
 * thousands of bars or bands (a canvas tens of thousands of pixels tall has no pixels to give, and a
 * thousand bands are unreadable anyway), so past a limit consecutive phases are merged into groups,
 * in order, and the chart says so. Totals do not change: a group's energy and CO2e are the sums of
 * its phases'. run.json, the tables and the CSVs keep every phase.
 */
import type { PhaseRecord, RunJson } from '../core/contract.js';

/** Most phase bands drawn on the power chart. */
export const MAX_BANDS = 200;
/** Most bars on a per-phase chart. */
export const MAX_PHASE_BARS = 60;

/** Consecutive items in `max` groups or fewer (every group but the last the same size). */
function groups<T>(items: T[], max: number): T[][] {
  const size = Math.ceil(items.length / max);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const short = (s: string) => (s.length > 24 ? `${s.slice(0, 21)}...` : s);

/** A label for a group of consecutive items numbered from `first` (1-based). */
function groupLabel(names: string[], first: number): string {
  return names.length === 1
    ? names[0]
    : `${names.length} phases, ${first} to ${first + names.length - 1} (${short(names[0])} ... ${short(names[names.length - 1])})`;
}

/**
 * At most `max` bands: past it, consecutive bands merged (from the first one's start to the last
 * one's end), with the fill of the first. Any band shape with a label and a span.
 */
export function limitBands<B extends { label: string; t0: number; t1: number }>(bands: B[], max = MAX_BANDS): B[] {
  if (bands.length <= max) return bands;
  let n = 1;
  return groups(bands, max).map((g) => {
    const b = {
      ...g[0],
      label: groupLabel(
        g.map((x) => x.label),
        n,
      ),
      t1: g[g.length - 1].t1,
    };
    n += g.length;
    return b;
  });
}

/** A note for a chart whose bands or bars were merged, or undefined where none were. */
export function mergedNote(count: number, max: number, what: string): string | undefined {
  if (count <= max) return undefined;
  const shown = groups(new Array(count).fill(0), max).length;
  return `${count.toLocaleString('en-US')} phases: drawn as ${shown} ${what} of about ${Math.ceil(count / max)} consecutive phases each (every phase is in run.json, the tables and emissions.csv).`;
}

/**
 * The run as the per-phase charts draw it: at most `max` phases, consecutive ones merged (energy and
 * CO2e summed; the model kept where all belong to one). The run itself where nothing needs merging.
 */
export function runForPhaseCharts(run: RunJson, max = MAX_PHASE_BARS): RunJson {
  if (run.phases.length <= max) return run;
  let n = 1;
  const phases = groups(run.phases, max).map((g): PhaseRecord => {
    const models = new Set(g.map((p) => p.model));
    const sum = (f: (p: PhaseRecord) => number | undefined) => {
      const v = g.map(f);
      return v.every((x) => x !== undefined && Number.isFinite(x)) ? (v as number[]).reduce((a, x) => a + x, 0) : undefined;
    };
    const merged: PhaseRecord = {
      name: groupLabel(
        g.map((p) => p.name),
        n,
      ),
      ...(models.size === 1 && g[0].model !== undefined ? { model: g[0].model } : {}),
      startedAt: g[0].startedAt,
      endedAt: g[g.length - 1].endedAt,
      durationS: g.reduce((a, p) => a + p.durationS, 0),
      energyJ: sum((p) => p.energyJ) ?? NaN,
      uncertaintyJ: sum((p) => p.uncertaintyJ) ?? NaN,
      ...(sum((p) => p.gCO2e) === undefined ? {} : { gCO2e: sum((p) => p.gCO2e) }),
      domains: [],
    };
    n += g.length;
    return merged;
  });
  return { ...run, phases };
}
