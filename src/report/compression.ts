/**
 * The method comparison of a suite with compression (run.json models[].compression): per compressed model
 * its lineage, accuracy change against the teacher with its interval, energy and gCO2e per 1,000
 * inferences, size, production energy, break-even and whether its runtime runs less arithmetic; and the
 * best option under an accuracy budget (--max-accuracy-drop, default 1 point) for the decision box.
 */
import type { CompressionRecord, InferenceRecord, ModelRecord, RunJson } from '../core/contract.js';
import { UserError } from '../core/errors.js';
import { breakEvenPoint, distillationPhases } from './breakeven.js';
import { teacherOf } from './metrics.js';

/** The accuracy budget when neither the run nor `kdbench report` gives one: 1 percentage point. */
export const DEFAULT_MAX_ACCURACY_DROP = 0.01;

export interface AccuracyBudget {
  /** Fraction of accuracy (0.01 = 1 point) an option may lose against the teacher. */
  maxDrop: number;
  source: string;
}

/** --max-accuracy-drop given to `kdbench report` > the run's recorded setting > the default. */
export function budgetOf(run: RunJson, override?: number): AccuracyBudget {
  if (override !== undefined) return { maxDrop: override, source: 'given with kdbench report --max-accuracy-drop' };
  const r = run.reportSettings?.maxAccuracyDrop;
  if (typeof r === 'number' && Number.isFinite(r) && r >= 0 && r <= 1)
    return { maxDrop: r, source: 'recorded by kdbench run --max-accuracy-drop' };
  return { maxDrop: DEFAULT_MAX_ACCURACY_DROP, source: "kdbench's default (1 point); set your own with --max-accuracy-drop" };
}

/**
 * Parses an accuracy budget: "1pt" / "1 points" (percentage points), "0.5%" (the same: points of
 * accuracy), or a bare fraction "0.01". A UserError names the flag otherwise.
 */
export function parseAccuracyDrop(text: string, flag = '--max-accuracy-drop'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(pts?|points?|%)?\s*$/i.exec(text);
  if (!m) throw new UserError(`${flag}: expected points of accuracy such as "1pt", "0.5%" or a fraction such as "0.01", got "${text}"`);
  const v = Number(m[1]);
  const drop = m[2] ? v / 100 : v;
  if (!(drop >= 0 && drop <= 1)) throw new UserError(`${flag}: expected a drop between 0 and 100 points, got "${text}"`);
  return drop;
}

export interface MethodRow {
  model: ModelRecord;
  c: CompressionRecord;
  /** The root model's record (the teacher). */
  root?: ModelRecord;
  /** The model it was made from directly. */
  base?: ModelRecord;
  /** Per benchmarked batch size: J and gCO2e per 1,000 inferences, and the root's at the same batch size. */
  batches: { batchSize: number; energyJPer1000: number; gCO2ePer1000?: number; rootJPer1000?: number; ci95?: [number, number] }[];
  /** Gross energy of the production phases (the whole lineage), J; undefined when none ran here. */
  productionJ?: number;
  /** The error bound of productionJ, J. */
  productionUncertaintyJ?: number;
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function medianInference(run: RunJson, model: string, batchSize: number): InferenceRecord | undefined {
  return run.inference.find((r) => r.model === model && r.batchSize === batchSize && r.inferences > 0 && finite(r.energyJPer1000));
}

export function methodRows(run: RunJson): MethodRow[] {
  const withC = run.models.filter((m): m is ModelRecord & { compression: CompressionRecord } => m.compression !== undefined);
  if (withC.length === 0) return [];
  const byName = new Map(run.models.map((m) => [m.name, m]));
  const batchSizes = [...new Set(run.inference.map((r) => r.batchSize))].sort((a, b) => a - b);
  return withC.map((m) => {
    const c = m.compression;
    const root = byName.get(c.root);
    const phases = c.productionPhases.length > 0 ? distillationPhases(run, m.name) : [];
    const batches = batchSizes.flatMap((b) => {
      const inf = medianInference(run, m.name, b);
      if (!inf) return [];
      const r = root ? medianInference(run, root.name, b) : undefined;
      return [
        {
          batchSize: b,
          energyJPer1000: inf.energyJPer1000,
          ...(finite(inf.gCO2ePer1000) ? { gCO2ePer1000: inf.gCO2ePer1000 } : {}),
          ...(r ? { rootJPer1000: r.energyJPer1000 } : {}),
          ...(inf.energyJPer1000CI95 ? { ci95: inf.energyJPer1000CI95 } : {}),
        },
      ];
    });
    return {
      model: m,
      c,
      ...(root ? { root } : {}),
      ...(byName.get(c.from) ? { base: byName.get(c.from)! } : {}),
      batches,
      ...(phases.length > 0
        ? {
            productionJ: phases.reduce((s, p) => s + p.energyJ, 0),
            productionUncertaintyJ: phases.reduce((s, p) => s + (p.uncertaintyJ ?? 0), 0),
          }
        : {}),
    };
  });
}

/** Inferences after which the production energy is paid back by the per-inference saving against the root (null: never). */
export function methodBreakEven(row: MethodRow, batchSize: number): number | null | undefined {
  const b = row.batches.find((x) => x.batchSize === batchSize);
  if (!b || b.rootJPer1000 === undefined || row.productionJ === undefined) return undefined;
  return breakEvenPoint(row.productionJ, b.rootJPer1000 / 1000, b.energyJPer1000 / 1000);
}

export interface BestOption {
  batchSize: number;
  best?: MethodRow;
  /** Options within the budget, cheapest first. */
  within: MethodRow[];
  /** Options over the budget (or without an accuracy change). */
  over: MethodRow[];
}

/**
 * Per benchmarked batch size, the option with the least energy per inference among those whose accuracy
 * change against the teacher is no worse than -budget (point estimate), and only if it is cheaper than the teacher.
 */
export function bestOptions(run: RunJson, budget: AccuracyBudget): BestOption[] {
  const rows = methodRows(run);
  if (rows.length === 0 || !teacherOf(run)) return [];
  const sizes = [...new Set(rows.flatMap((r) => r.batches.map((b) => b.batchSize)))].sort((a, b) => a - b);
  return sizes.map((batchSize) => {
    const at = (r: MethodRow) => r.batches.find((b) => b.batchSize === batchSize);
    const ok = (r: MethodRow) => r.c.accuracyChange !== undefined && r.c.accuracyChange.estimate >= -budget.maxDrop - 1e-12;
    const priced = rows.filter((r) => at(r) !== undefined);
    const within = priced.filter(ok).sort((a, b) => at(a)!.energyJPer1000 - at(b)!.energyJPer1000);
    const over = priced.filter((r) => !ok(r));
    const cheapest = within[0];
    const rootJ = cheapest ? at(cheapest)!.rootJPer1000 : undefined;
    const best = cheapest && rootJ !== undefined && at(cheapest)!.energyJPer1000 < rootJ ? cheapest : undefined;
    return { batchSize, ...(best ? { best } : {}), within, over };
  });
}
