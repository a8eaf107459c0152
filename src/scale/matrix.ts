/**
 * The matrix of a plan expanded into cells: every combination of suite, machine class, backend, carbon
 * setting, PUE, seed and repeat is one cell, one kdbench run. Above MAX_CELLS the expansion is refused
 * unless forced: a typo in a list should not queue thousands of GPU jobs.
 */
import { UserError } from '../core/errors.js';
import type { BackendName, CarbonSetting, Plan } from './plan.js';

/** The largest matrix expanded without --force (Slurm's default MaxArraySize is 1001). */
export const MAX_CELLS = 256;

export interface Cell {
  /** Position in the expansion, 0-based: the Slurm array index. */
  index: number;
  /** Readable and unique within the plan: the index, then the settings that vary ("003-a100-DE-s2-r1"). */
  id: string;
  /** Index into the plan's suites. */
  suite: number;
  machine: string;
  backend?: BackendName;
  carbon?: CarbonSetting;
  pue?: number;
  seed?: number;
  /** 1-based repeat of this combination. */
  repeat: number;
}

/** "DE", "350g": the short label of a carbon setting. */
export function carbonLabel(c: CarbonSetting | undefined): string {
  if (c === undefined) return 'world-average';
  return c.region !== undefined ? c.region.toUpperCase() : `${c.intensity}g`;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');

/** The dimensions of a plan's matrix, with their sizes; an omitted dimension has one value (the default). */
export function dimensions(plan: Plan, suiteNames: string[]) {
  const m = plan.matrix;
  return {
    suite: suiteNames.map((_, i) => i),
    machine: m.machines,
    backend: (m.backends ?? [undefined]) as (BackendName | undefined)[],
    carbon: (m.carbon ?? [undefined]) as (CarbonSetting | undefined)[],
    pue: (m.pue ?? [undefined]) as (number | undefined)[],
    seed: (m.seeds ?? [undefined]) as (number | undefined)[],
    repeat: Array.from({ length: m.repeats ?? 1 }, (_, i) => i + 1),
  };
}

/** How many cells the plan expands to, and the product that gives it ("suites 2 x machines 3 x ..."). */
export function cellCount(plan: Plan, suiteNames: string[]): { count: number; product: string } {
  const d = dimensions(plan, suiteNames);
  const parts = Object.entries(d).map(([k, v]) => [k, v.length] as const);
  return {
    count: parts.reduce((a, [, n]) => a * n, 1),
    product: parts.map(([k, n]) => `${k}${n === 1 ? '' : 's'} ${n}`).join(' x '),
  };
}

/**
 * Every cell of the plan, in a fixed order (suite, machine, backend, carbon, PUE, seed, repeat; the last
 * varies fastest). suiteNames are the suites' own names, for the cell ids. Throws a UserError above
 * maxCells unless force.
 */
export function expandPlan(plan: Plan, suiteNames: string[], opts: { force?: boolean; maxCells?: number } = {}): Cell[] {
  const max = opts.maxCells ?? MAX_CELLS;
  const { count, product } = cellCount(plan, suiteNames);
  if (count > max && !opts.force) {
    throw new UserError(
      `plan "${plan.name}": the matrix expands to ${count} cells (${product}), above the maximum of ${max}. Each cell is one kdbench run; check the lists in "matrix", or give --force to emit them all.`,
    );
  }
  const d = dimensions(plan, suiteNames);
  const width = Math.max(3, String(count - 1).length);
  const cells: Cell[] = [];
  for (const suite of d.suite)
    for (const machine of d.machine)
      for (const backend of d.backend)
        for (const carbon of d.carbon)
          for (const pue of d.pue)
            for (const seed of d.seed)
              for (const repeat of d.repeat) {
                const index = cells.length;
                const parts = [
                  d.suite.length > 1 ? suiteNames[suite] : undefined,
                  machine,
                  d.backend.length > 1 ? backend : undefined,
                  d.carbon.length > 1 ? carbonLabel(carbon) : undefined,
                  d.pue.length > 1 ? `pue${pue}` : undefined,
                  d.seed.length > 1 ? `s${seed}` : undefined,
                  d.repeat.length > 1 ? `r${repeat}` : undefined,
                ].filter((x): x is string => x !== undefined);
                const id = [String(index).padStart(width, '0'), ...parts.map(safe)].join('-');
                cells.push({ index, id, suite, machine, backend, carbon, pue, seed, repeat });
              }
  return cells;
}
