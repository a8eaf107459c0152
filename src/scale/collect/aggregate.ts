/**
 * The completed runs of a sweep in groups: one group per suite, machine class, GPU model, backend,
 * grid setting and PUE; the runs of a group differ only by repeat and seed. Per model: the median
 * over the group's runs and its percentile-bootstrap 95 % interval (benchmark/stats.ts), for
 * accuracy, energy and gCO2e per 1,000 inferences, distillation cost and break-even.
 */
import type { RunJson } from '../../core/contract.js';
import { bootstrapMedianCI, median, type Interval } from '../../benchmark/stats.js';
import { breakEvens } from '../../report/breakeven.js';
import { envInfo } from '../../report/environment.js';
import { estimatedDevices, modelFigures } from '../../report/metrics.js';
import { carbonLabel } from '../matrix.js';
import type { CollectedCell } from './load.js';

/** Seed of the bootstrap: the same runs give the same intervals. */
const SEED = 20261130;

export interface Stat {
  /** Median over the runs that have the figure. */
  median: number;
  /** 95 % interval of the median across runs; absent with fewer than 2 runs. */
  ci95?: Interval;
  n: number;
}

export interface ModelRow {
  model: string;
  role: string;
  accuracy?: Stat;
  energyJPer1000?: Stat;
  /** Median of the runs' measurement uncertainty bounds, J per 1,000 inferences (not an interval). */
  energyUncertaintyJPer1000?: number;
  gCO2ePer1000?: Stat;
  energyVsTeacher?: Stat;
  batchSizes: number[];
  /** Students: energy of the distillation phases (break-even's C), joules. */
  distillationJ?: Stat;
  /** Students: inferences to break even; never = runs where the student is not cheaper per inference. */
  breakEven?: Stat;
  breakEvenNever: number;
}

export interface Group {
  key: string;
  suite: string;
  machine: string;
  gpuModel: string;
  backend: string;
  carbon: string;
  pue: string;
  /** The cells whose completed runs are in the group. */
  cells: CollectedCell[];
  hosts: string[];
  /** Devices and methods measured ("cpu estimated", "gpu:0 counter"), over the group's runs. */
  methods: string[];
  /** Some of the energy is estimated, not measured. */
  estimated: boolean;
  models: ModelRow[];
}

const finite = (x: number | undefined | null): x is number => typeof x === 'number' && Number.isFinite(x);

export function stat(xs: (number | undefined | null)[]): Stat | undefined {
  const v = xs.filter(finite);
  if (v.length === 0) return undefined;
  const ci = bootstrapMedianCI(v, { seed: SEED });
  return { median: median(v), n: v.length, ...(ci.every(Number.isFinite) ? { ci95: ci } : {}) };
}

/** "NVIDIA H100 80GB HBM3 x2", "no GPU", or "GPU n/a" where the run did not record them. */
export function gpuModel(run: RunJson): string {
  const g = envInfo(run).gpus;
  if (g === undefined) return 'GPU n/a';
  if (g.length === 0) return 'no GPU';
  const counts = new Map<string, number>();
  for (const x of g) counts.set(x.model, (counts.get(x.model) ?? 0) + 1);
  return [...counts].map(([m, n]) => (n > 1 ? `${m} x${n}` : m)).join(', ');
}

function modelRows(runs: RunJson[]): ModelRow[] {
  const names = [...new Set(runs.flatMap((r) => r.models.map((m) => m.name)))];
  const figs = runs.map((r) => modelFigures(r));
  const bes = runs.map((r) => breakEvens(r));
  return names.map((name) => {
    const f = figs.map((fs) => fs.find((x) => x.model.name === name));
    const b = bes.map((bs) => bs.find((x) => x.student === name));
    const role = f.find((x) => x)?.model.role ?? 'n/a';
    const be = b.filter((x) => x !== undefined);
    return {
      model: name,
      role,
      accuracy: stat(f.map((x) => x?.model.accuracy)),
      energyJPer1000: stat(f.map((x) => x?.energyJPer1000)),
      energyUncertaintyJPer1000: stat(f.map((x) => x?.energyUncertaintyJPer1000))?.median,
      gCO2ePer1000: stat(f.map((x) => x?.gCO2ePer1000)),
      energyVsTeacher: role === 'teacher' ? undefined : stat(f.map((x) => x?.energyVsTeacher)),
      batchSizes: [...new Set(f.map((x) => x?.inf?.batchSize).filter(finite))].sort((a, c) => a - c),
      distillationJ: stat(be.map((x) => x.distillationJ)),
      breakEven: stat(be.map((x) => x.nStar)),
      breakEvenNever: be.filter((x) => x.nStar === null).length,
    };
  });
}

/** The grid setting a run recorded, where the plan set none. */
function recordedCarbon(run: RunJson): string {
  const c = run.carbon;
  if (!c) return 'n/a';
  if (c.fallback) return 'world average (no region)';
  return c.region || `${c.intensityGCO2ePerKWh} gCO2e/kWh (${c.intensityKind ?? 'given'})`;
}

/** Groups of the completed cells, in the order of the plan's cells. */
export function groupRuns(cells: CollectedCell[]): Group[] {
  const groups = new Map<string, Group>();
  for (const c of cells) {
    const run = c.used?.run;
    if (c.state !== 'completed' || !run) continue;
    const e = envInfo(run);
    const parts = {
      suite: c.cell.suiteName,
      machine: c.cell.machine,
      gpuModel: gpuModel(run),
      backend: e.tfjsBackend ?? c.cell.backend ?? 'n/a',
      carbon: c.cell.carbon !== undefined ? carbonLabel(c.cell.carbon) : recordedCarbon(run),
      pue: c.cell.pue === undefined ? String(run.carbon?.pue ?? 'n/a') : String(c.cell.pue),
    };
    const key = Object.values(parts).join(' | ');
    let g = groups.get(key);
    if (!g) {
      g = { key, ...parts, cells: [], hosts: [], methods: [], estimated: false, models: [] };
      groups.set(key, g);
    }
    g.cells.push(c);
  }
  for (const g of groups.values()) {
    const runs = g.cells.map((c) => c.used!.run!);
    g.hosts = [...new Set(runs.map((r) => envInfo(r).hostname ?? 'n/a'))];
    g.methods = [...new Set(runs.flatMap((r) => r.meter.domains.map((d) => `${d.device} ${d.method}`)))].sort();
    g.estimated = runs.some((r) => estimatedDevices(r).length > 0);
    g.models = modelRows(runs);
  }
  return [...groups.values()];
}
