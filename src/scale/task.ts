/**
 * One task of a sweep: the cell's kdbench run, as a child process (no shell), into a run directory of its
 * own, RESULTS/PLAN/CELL-HOST/, claimed atomically (mkdir fails if the name exists: a retry on the same
 * host gets CELL-HOST-2, -3 ...). The run records the plan and cell through KDBENCH_SWEEP_PLAN and
 * KDBENCH_SWEEP_CELL (core/scheduler.ts), and the task leaves a record in tasks/: exit code, signal and
 * the end of stderr, so a cell that failed before its run.json existed is still reported with its reason.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeJsonAtomic } from '../core/files.js';
import { PACKAGE_ROOT } from '../core/host.js';
import { SWEEP_ENV, schedulerInfo, type SchedulerRecord } from '../core/scheduler.js';
import { readManifest, type ManifestCell, type SweepManifest } from './sweep-dir.js';

/** The kdbench command line this installation runs (the CLI is above this layer, so it is found by path). */
export const KDBENCH_MAIN = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
export const TASKS_DIR = 'tasks';
const STDERR_TAIL = 4000;

/** What tasks/NAME.json holds. */
export interface TaskRecord {
  cell: string;
  index: number;
  /** The run directory claimed for it, relative to the sweep folder (it may be gone: kdbench run removes an empty one). */
  dir: string;
  host: string;
  startedAt: string;
  endedAt: string;
  exitCode: number | null;
  signal: string | null;
  scheduler: SchedulerRecord | null;
  /** The last characters kdbench run wrote to stderr. */
  stderrTail: string;
}

/** The cell a task index names: the global index, or with `machineClass` the index among that class's cells (Kubernetes, one Job per class). */
export function selectCell(m: SweepManifest, task: number, machineClass?: string): ManifestCell {
  const cells = machineClass === undefined ? m.cells : m.cells.filter((c) => c.machine === machineClass);
  if (machineClass !== undefined && cells.length === 0)
    throw new UserError(
      `--class ${machineClass}: plan "${m.plan.name}" has no cell of that machine class (classes: ${[...new Set(m.cells.map((c) => c.machine))].join(', ')})`,
    );
  const cell = cells[task];
  if (!Number.isInteger(task) || cell === undefined)
    throw new UserError(
      `--task ${task}: plan "${m.plan.name}" has ${cells.length} cells${machineClass === undefined ? '' : ` of class ${machineClass}`} (0 to ${cells.length - 1})`,
    );
  return cell;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'host';

/** Claims RESULTS/PLAN/CELL-HOST (then -2, -3 ...) with mkdir, which fails when the name exists: two tasks never share a folder. */
export function claimRunDir(sweepDir: string, cell: string, host: string): string {
  const base = `${cell}-${safe(host)}`;
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    try {
      mkdirSync(join(sweepDir, name));
      return name;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export interface TaskOptions {
  /** The environment the task runs in (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where kdbench run's stdout and stderr go (default this process's). */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/**
 * Runs one cell and returns kdbench run's exit code. SIGTERM is passed on to the run (so it writes an
 * interrupted run.json), except under Slurm, which signals every process of the job itself; SIGINT
 * (Ctrl-C) reaches the run from the terminal. Either way this process waits for the run to end.
 */
export async function runCell(sweepDir: string, cell: ManifestCell, manifest: SweepManifest, opts: TaskOptions = {}): Promise<number> {
  const env = { ...(opts.env ?? process.env) };
  const sched = schedulerInfo(env);
  const host = sched?.node ?? os.hostname().split('.')[0];
  const name = claimRunDir(sweepDir, cell.id, host);
  const runEnv: NodeJS.ProcessEnv = {
    ...env,
    ...cell.env,
    [SWEEP_ENV.plan]: manifest.plan.name,
    [SWEEP_ENV.cell]: cell.id,
    [SWEEP_ENV.planSha256]: manifest.plan.sha256,
  };
  const argv = [KDBENCH_MAIN, 'run', join(sweepDir, cell.suiteFile), ...cell.args, '--out', join(sweepDir, name)];
  const startedAt = new Date().toISOString();
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  let tail = '';
  const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((done, fail) => {
    const child = spawn(process.execPath, argv, { env: runEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => stdout.write(b));
    child.stderr.on('data', (b: Buffer) => {
      stderr.write(b);
      tail = (tail + b.toString('utf8')).slice(-STDERR_TAIL);
    });
    // A terminal's Ctrl-C reaches the whole process group and Slurm signals every process of the job: the
    // run has the signal already, and a second one would make it quit without writing run.json. SIGTERM
    // from Kubernetes (to the container's first process) or from kill reaches this process alone.
    const forward = (sig: NodeJS.Signals) => {
      if (sig === 'SIGTERM' && sched?.scheduler !== 'slurm') child.kill(sig);
    };
    process.on('SIGTERM', forward);
    process.on('SIGINT', forward);
    child.on('error', fail);
    child.on('close', (c, s) => {
      process.off('SIGTERM', forward);
      process.off('SIGINT', forward);
      done({ code: c, signal: s });
    });
  });
  const record: TaskRecord = {
    cell: cell.id,
    index: cell.index,
    dir: name,
    host,
    startedAt,
    endedAt: new Date().toISOString(),
    exitCode: code,
    signal,
    scheduler: schedulerInfo(runEnv),
    stderrTail: tail,
  };
  writeJsonAtomic(join(sweepDir, TASKS_DIR, `${name}.json`), record);
  return code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 130 : 1);
}

/** `kdbench sweep --task N [--class C] RESULTS/PLAN`: the entry point of a scheduler's task. */
export async function runTask(sweepDir: string, task: number, machineClass?: string, opts: TaskOptions = {}): Promise<number> {
  const m = readManifest(sweepDir);
  return runCell(sweepDir, selectCell(m, task, machineClass), m, opts);
}
