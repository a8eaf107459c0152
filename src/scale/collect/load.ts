/**
 * Reads a sweep folder for kdbench collect: every run directory and task record, matched to the plan's
 * cells. Runs that are not of this plan (another plan, another version of it, another suite hash, a
 * run not started by the sweep) make collect refuse, with the reason for each; a cell with no run is
 * missing, one whose runs all failed or were interrupted is listed as such.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, isUserError } from '../../core/errors.js';
import type { RunJson, SchedulerRecord } from '../../core/contract.js';
import { partialReason, readRun } from '../../report/load.js';
import { MANIFEST, RESERVED_DIRS, readManifest, type ManifestCell, type SweepManifest } from '../sweep-dir.js';
import { TASKS_DIR, type TaskRecord } from '../task.js';

export type AttemptState = 'completed' | 'failed' | 'interrupted' | 'no run.json';
export type CellState = 'completed' | 'failed' | 'interrupted' | 'missing';

export interface Attempt {
  /** The run directory's name in the sweep folder. */
  name: string;
  dir: string;
  state: AttemptState;
  reason?: string;
  run?: RunJson;
  task?: TaskRecord;
  startedAt?: string;
}

export interface CollectedCell {
  cell: ManifestCell;
  state: CellState;
  /** Why it is not completed (the latest attempt's reason), or a note. */
  reason?: string;
  /** The completed run used (the latest completed attempt). */
  used?: Attempt;
  attempts: Attempt[];
}

export interface CollectedSweep {
  dir: string;
  manifest: SweepManifest;
  cells: CollectedCell[];
}

const lastLine = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-1)[0] ?? '';

function readTasks(dir: string): Map<string, TaskRecord> {
  const out = new Map<string, TaskRecord>();
  const tdir = join(dir, TASKS_DIR);
  if (!existsSync(tdir)) return out;
  for (const f of readdirSync(tdir).filter((x) => x.endsWith('.json'))) {
    try {
      const t = JSON.parse(readFileSync(join(tdir, f), 'utf8')) as TaskRecord;
      if (typeof t?.dir === 'string' && typeof t.cell === 'string') out.set(t.dir, t);
    } catch {
      /* a task record written half (a node lost mid-write) says nothing: the run directory still does */
    }
  }
  return out;
}

/** Why a run does not belong to this sweep's cell, or undefined when it does. */
function foreignReason(run: RunJson, m: SweepManifest, cell: ManifestCell | undefined, name: string): string | undefined {
  const sched = run.environment?.scheduler as SchedulerRecord | null | undefined;
  const sweep = sched?.sweep;
  if (!sweep) return 'records no sweep plan: a run not started by kdbench sweep';
  if (sweep.plan !== m.plan.name) return `a run of plan "${sweep.plan}", not "${m.plan.name}"`;
  if (sweep.planSha256 !== undefined && sweep.planSha256 !== m.plan.sha256)
    return `a run of another version of plan "${m.plan.name}" (plan sha256 ${sweep.planSha256.slice(0, 12)}, this sweep's is ${m.plan.sha256.slice(0, 12)})`;
  const recorded = m.cells.find((c) => c.id === sweep.cell);
  if (!recorded) return `records cell "${sweep.cell}", which plan "${m.plan.name}" does not have`;
  if (cell && recorded.id !== cell.id) return `its folder name says cell ${cell.id}, its run.json says ${recorded.id} (moved or renamed?)`;
  if (!cell) return `its folder name "${name}" is not "CELL-HOST" of cell ${recorded.id} (moved or renamed?)`;
  const sha = run.suite?.sha256;
  if (sha !== cell.suiteSha256)
    return `suite sha256 ${sha?.slice(0, 12) ?? 'none'}, but cell ${cell.id} runs ${cell.suiteFile} (sha256 ${cell.suiteSha256.slice(0, 12)}): another suite, or the suite was edited`;
  if (run.kind !== 'suite') return 'written by "kdbench measure", not kdbench run';
  return undefined;
}

function attemptOf(name: string, dir: string, run: RunJson | undefined, task: TaskRecord | undefined, unreadable?: string): Attempt {
  if (unreadable) return { name, dir, state: 'failed', reason: `run.json unreadable: ${unreadable}`, task };
  if (run) {
    const state: AttemptState = run.status === 'completed' ? 'completed' : run.status === 'failed' ? 'failed' : 'interrupted';
    return { name, dir, state, run, task, startedAt: run.startedAt, reason: state === 'completed' ? undefined : partialReason(run) };
  }
  if (task) {
    const why = lastLine(task.stderrTail) || 'no message';
    const how = task.signal ? `killed by ${task.signal}` : `exit code ${task.exitCode}`;
    return {
      name,
      dir,
      state: 'failed',
      task,
      startedAt: task.startedAt,
      reason: `kdbench run ended before writing run.json (${how}): ${why}`,
    };
  }
  return {
    name,
    dir,
    state: 'no run.json',
    reason: 'no run.json and no task record: still starting, or the task was killed before the run began',
  };
}

/** Loads a sweep folder (UserError when it is not one, or when it holds runs of another plan or suite). */
export function loadSweep(dir: string): CollectedSweep {
  const m = readManifest(dir);
  const tasks = readTasks(dir);
  const byCell = new Map<string, Attempt[]>(m.cells.map((c) => [c.id, []]));
  const refused: string[] = [];
  const cellOfName = (name: string) => m.cells.find((c) => name.startsWith(`${c.id}-`));
  const seen = new Set<string>();
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (RESERVED_DIRS.includes(name) || name === MANIFEST || !statSync(path).isDirectory()) continue;
    const cell = cellOfName(name);
    const hasRun = existsSync(join(path, 'run.json'));
    if (!cell && !hasRun) continue; // collect output, or anything else that is not a run
    seen.add(name);
    let run: RunJson | undefined;
    let unreadable: string | undefined;
    if (hasRun) {
      try {
        run = readRun(path);
      } catch (e) {
        if (!isUserError(e)) throw e;
        unreadable = e.message;
      }
    }
    if (run) {
      const why = foreignReason(run, m, cell, name);
      if (why) {
        refused.push(`${name}: ${why}`);
        continue;
      }
    }
    if (cell) byCell.get(cell.id)!.push(attemptOf(name, path, run, tasks.get(name), unreadable));
  }
  // Tasks whose run directory is gone (kdbench run removes the folder of a run that failed before measuring anything).
  for (const [name, t] of tasks) {
    if (seen.has(name)) continue;
    const cell = m.cells.find((c) => c.id === t.cell);
    if (!cell) {
      refused.push(`${TASKS_DIR}/${name}.json: a task of cell "${t.cell}", which plan "${m.plan.name}" does not have`);
      continue;
    }
    byCell.get(cell.id)!.push(attemptOf(name, join(dir, name), undefined, t));
  }
  if (refused.length > 0) {
    const shown = refused.slice(0, 12);
    throw new UserError(
      `${dir}: refusing to collect: it holds runs that are not of plan "${m.plan.name}" (sha256 ${m.plan.sha256.slice(0, 12)}) as emitted here, and merging them would set unlike runs side by side:\n  - ${shown.join('\n  - ')}${
        refused.length > shown.length ? `\n  - ... and ${refused.length - shown.length} more` : ''
      }\nMove them out of the folder (or collect each plan's folder on its own), then collect again.`,
    );
  }
  const cells: CollectedCell[] = m.cells.map((cell) => {
    const attempts = byCell.get(cell.id)!.sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
    const completed = attempts.filter((a) => a.state === 'completed');
    if (completed.length > 0) {
      const used = completed[completed.length - 1];
      const others = attempts.length - 1;
      return {
        cell,
        state: 'completed',
        used,
        attempts,
        reason: others > 0 ? `${others} other attempt(s); the latest completed run is used` : undefined,
      };
    }
    if (attempts.length === 0) return { cell, state: 'missing', attempts, reason: 'no run directory: never ran, still queued, or lost' };
    const last = attempts[attempts.length - 1];
    const state: CellState = last.state === 'failed' ? 'failed' : last.state === 'no run.json' ? 'missing' : 'interrupted';
    return { cell, state, attempts, reason: `${last.name}: ${last.reason ?? last.state}` };
  });
  return { dir, manifest: m, cells };
}
