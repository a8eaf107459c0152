/**
 * The sweep folder RESULTS/PLAN: what every task and kdbench collect read, written once by kdbench sweep.
 *
 *   sweep.json        the manifest: plan name and sha256, every cell with its kdbench run arguments and
 *                     the sha256 its suite must have
 *   plan.yaml|json    the plan as emitted
 *   suites/           the suites the cells run (a copy per seed where the matrix sets seeds)
 *   logs/             the schedulers' per-task output
 *   tasks/            one record per task: cell, host, exit code, the end of its stderr
 *   CELL-HOST/        the run directory of one cell on one host (a retry on the same host gets -2, -3 ...)
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, isAbsolute, join, resolve, dirname } from 'node:path';
import { parseDocument } from 'yaml';
import { UserError } from '../core/errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../core/files.js';
import { loadSuite, parseSuite } from '../suites/load.js';
import type { Suite } from '../suites/types.js';
import { MAX_CELLS, expandPlan, type Cell } from './matrix.js';
import { suiteRef, type LoadedPlan, type Plan } from './plan.js';

export const MANIFEST = 'sweep.json';
export const MANIFEST_KIND = 'kdbench-sweep';
/** Folders of a sweep folder that are not run directories. */
export const RESERVED_DIRS = ['suites', 'logs', 'tasks'];

export interface ManifestCell extends Cell {
  suiteName: string;
  /** The suite file the cell runs, relative to the sweep folder. */
  suiteFile: string;
  /** The sha256 its runs must record (collect refuses others). */
  suiteSha256: string;
  /** kdbench run's options after the suite file (no --out: the task adds it). */
  args: string[];
  /** Environment variables of the run (the plan's run.env, then the machine class's env). */
  env: Record<string, string>;
  gpus: number;
}

export interface SweepManifest {
  kind: typeof MANIFEST_KIND;
  version: 1;
  plan: { name: string; file: string; sha256: string; copy: string };
  createdAt: string;
  quick: boolean;
  maxCells: number;
  forced: boolean;
  cells: ManifestCell[];
}

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-');

/**
 * The suite text a cell runs: the file's own bytes, unless a seed is set or a saved model's path is relative
 * (a copy moves away from the file it was relative to: the path is made absolute).
 */
export function materialiseSuite(text: string, file: string, suite: Suite, seed: number | undefined): string {
  const saved = [suite.teacher, ...suite.students].some((m) => m.kind === 'saved' && !isAbsolute(m.path));
  if (seed === undefined && !saved) return text;
  if (extname(file) === '.json') {
    const v = JSON.parse(text) as Suite;
    if (seed !== undefined) v.seed = seed;
    for (const m of [v.teacher, ...v.students]) if (m.kind === 'saved' && !isAbsolute(m.path)) m.path = resolve(dirname(file), m.path);
    return JSON.stringify(v, null, 2) + '\n';
  }
  const doc = parseDocument(text);
  if (seed !== undefined) doc.set('seed', seed);
  const models: [string[], Suite['teacher']][] = [
    [['teacher'], suite.teacher],
    ...suite.students.map((m, i): [string[], Suite['teacher']] => [['students', String(i)], m]),
  ];
  for (const [path, m] of models)
    if (m.kind === 'saved' && !isAbsolute(m.path))
      doc.setIn([...path.map((p) => (/^\d+$/.test(p) ? Number(p) : p)), 'path'], resolve(dirname(file), m.path));
  return String(doc);
}

function runArgs(plan: Plan, cell: Cell): string[] {
  const a: string[] = [];
  if (plan.quick) a.push('--quick');
  if (cell.backend !== undefined) a.push('--backend', cell.backend);
  if (cell.carbon?.region !== undefined) a.push('--region', cell.carbon.region);
  if (cell.carbon?.intensity !== undefined) a.push('--carbon-intensity', String(cell.carbon.intensity));
  if (cell.pue !== undefined) a.push('--pue', String(cell.pue));
  if (plan.run?.inferenceRepeats !== undefined) a.push('--repeats', String(plan.run.inferenceRepeats));
  if (plan.run?.intervalMs !== undefined) a.push('--interval-ms', String(plan.run.intervalMs));
  return a;
}

export function readManifest(sweepDir: string): SweepManifest {
  const path = join(sweepDir, MANIFEST);
  if (!existsSync(sweepDir)) throw new UserError(`${sweepDir}: no such folder`);
  if (!existsSync(path))
    throw new UserError(
      `${sweepDir}: not a sweep folder (no ${MANIFEST}); give RESULTS/PLAN, the folder "kdbench sweep PLAN --emit ... --out RESULTS" made`,
    );
  let m: SweepManifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as SweepManifest;
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (m?.kind !== MANIFEST_KIND || !Array.isArray(m.cells) || typeof m.plan?.name !== 'string')
    throw new UserError(`${path}: not a kdbench sweep manifest (field "kind" is not "${MANIFEST_KIND}" or "cells" is missing)`);
  if (m.version > 1) throw new UserError(`${path}: written by a newer kdbench (version ${m.version}); upgrade kdbench`);
  return m;
}

/**
 * Makes (or reuses) RESULTS/PLAN for a plan: expands the matrix, copies the plan and the suites, writes
 * sweep.json. A folder emitted from another version of the plan (or of one of its suites) is refused.
 */
export function prepareSweep(
  loaded: LoadedPlan,
  resultsRoot: string,
  opts: { force?: boolean; maxCells?: number } = {},
): {
  dir: string;
  manifest: SweepManifest;
  reused: boolean;
} {
  const { plan } = loaded;
  const suites = plan.suites.map((entry, i) => {
    try {
      return loadSuite(suiteRef(entry, loaded.file));
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`${loaded.file}: field "suites[${i}]": ${e.message}`);
      throw e;
    }
  });
  const cells = expandPlan(
    plan,
    suites.map((s) => s.suite.name),
    opts,
  );
  // One suite file per suite and seed.
  const files = new Map<string, { rel: string; text: string; sha: string }>();
  const suiteFor = (cell: Cell) => {
    const key = `${cell.suite}:${cell.seed ?? ''}`;
    let f = files.get(key);
    if (!f) {
      const s = suites[cell.suite];
      const text = materialiseSuite(readFileSync(s.file, 'utf8'), s.file, s.suite, cell.seed);
      parseSuite(text, s.file); // the copy is still a valid suite
      const rel = join(
        'suites',
        `${cell.suite}-${safe(s.suite.name)}${cell.seed === undefined ? '' : `-seed${cell.seed}`}${extname(s.file)}`,
      );
      f = { rel, text, sha: sha256(text) };
      files.set(key, f);
    }
    return f;
  };
  const mcells: ManifestCell[] = cells.map((c) => {
    const f = suiteFor(c);
    const mc = plan.machines[c.machine];
    return {
      ...c,
      suiteName: suites[c.suite].suite.name,
      suiteFile: f.rel,
      suiteSha256: f.sha,
      args: runArgs(plan, c),
      env: { ...(plan.run?.env ?? {}), ...(mc.env ?? {}) },
      gpus: mc.gpus,
    };
  });
  const dir = resolve(resultsRoot, plan.name);
  let reused = false;
  let createdAt = new Date().toISOString();
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UserError(`${dir}: exists and is not a folder`);
    if (existsSync(join(dir, MANIFEST))) {
      const old = readManifest(dir);
      if (old.plan.sha256 !== loaded.sha256) {
        throw new UserError(
          `${dir} holds the sweep of another version of plan "${plan.name}" (plan sha256 ${old.plan.sha256.slice(0, 12)}, emitted ${old.createdAt}; this plan file is ${loaded.sha256.slice(0, 12)}): runs of two plans would be mixed. Give another --out, or rename the plan.`,
        );
      }
      const changed = mcells.filter((c) => old.cells[c.index]?.suiteSha256 !== c.suiteSha256 || old.cells[c.index]?.id !== c.id);
      if (changed.length > 0 || old.cells.length !== mcells.length) {
        throw new UserError(
          `${dir}: a suite of plan "${plan.name}" changed since the sweep was emitted (cell ${(changed[0] ?? mcells[0]).id}: suite sha256 now ${(changed[0] ?? mcells[0]).suiteSha256.slice(0, 12)}): its runs would not be comparable. Give another --out, or rename the plan.`,
        );
      }
      reused = true;
      createdAt = old.createdAt;
    } else if (readdirSync(dir).length > 0) {
      throw new UserError(`${dir}: the folder exists, is not empty and is not a sweep folder (no ${MANIFEST}); give another --out`);
    }
  }
  for (const sub of RESERVED_DIRS) mkdirSync(join(dir, sub), { recursive: true });
  for (const f of files.values()) writeFileAtomic(join(dir, f.rel), f.text);
  const copy = `plan${extname(loaded.file) || '.yaml'}`;
  writeFileAtomic(join(dir, copy), loaded.text);
  const manifest: SweepManifest = {
    kind: MANIFEST_KIND,
    version: 1,
    plan: { name: plan.name, file: loaded.file, sha256: loaded.sha256, copy },
    createdAt,
    quick: Boolean(plan.quick),
    maxCells: opts.maxCells ?? MAX_CELLS,
    forced: Boolean(opts.force),
    cells: mcells,
  };
  writeJsonAtomic(join(dir, MANIFEST), manifest);
  return { dir, manifest, reused };
}
