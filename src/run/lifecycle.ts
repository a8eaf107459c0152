/**
 * One run lifecycle for every kind of run (a suite, a measured command, and those still to come):
 * watch signals, claim the run directory, start the meter (run.json "running"), run the body's phases,
 * and, however the body ends (completed, failed, interrupted), stop the meter, attribute energy and
 * carbon, write run.json atomically, write the reports and say how the run ended.
 *
 *   executeRun(options, async (ctx) => {
 *     await ctx.baseline(3);
 *     await ctx.phase('training', 'teacher');   // the GPU hook runs first, then the boundary is marked
 *     ...; ctx.check();                         // throws RunInterrupted after Ctrl-C / SIGTERM
 *     return {};                                // completed, exit code 0
 *   });
 *
 * A body that throws ends the run "failed" (or "interrupted" for an InterruptedError) with the phase it
 * was in; the run is finalised, then the error is thrown on to the CLI, which maps it to an exit code.
 * A body that decides its own outcome (a command's exit code) returns it instead.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { InterruptedError } from '../core/errors.js';
import { FileWriteError } from '../core/files.js';
import type { DatasetRecord, EnvironmentRecord, InferenceRecord, ModelRecord, RunJson, RunStatus } from '../core/contract.js';
import type { PreparedCarbon } from '../carbon/index.js';
import type { Selection } from '../measurement/select.js';
import { REPORT_FILES, writeReports } from '../report/index.js';
import type { ProgressSink } from './progress.js';
import { claimRunDir, type ClaimedDir } from './run-dir.js';
import { RunRecorder, type RunFields } from './recorder.js';
import { SignalWatcher, signalExitCode, type RunSignal } from './signals.js';
import { carbonHint } from './carbon-hint.js';

export type FinalStatus = Exclude<RunStatus, 'running'>;

export interface RunOptions {
  /** --out (must not exist or be empty), else a new folder `<reportsRoot>/<time>-<label>`. */
  out?: string;
  label: string;
  /** Default "reports" (relative to the working directory). */
  reportsRoot?: string;
  kind: RunJson['kind'];
  /** The command line as given (recorded in run.json). */
  argv: string[];
  /** Optional run.json fields of this kind of run: reproduce, suite, reportSettings, a scheduler's record ... */
  fields?: RunFields;
  environment: EnvironmentRecord;
  intervalMs: number;
  /** The meters' sources and the notes saying why (measurement/select.ts selectSources). */
  selection: Selection;
  carbon: PreparedCarbon;
  progress: ProgressSink;
  /**
   * How signals stop the run: "steps" (default): check() throws after the first, a second exits at once;
   * "wait": the body's onSignal handlers act (forward to a command) and the body ends the run itself.
   */
  interruption?: 'steps' | 'wait';
  /**
   * Called before every phase boundary (baseline, each phase change, the end of the last phase): a GPU
   * backend waits here for the device to finish its queued work, so that energy lands in the right phase.
   */
  beforeBoundary?: () => Promise<void>;
  /** Failure injection for tests of partial runs (KDBENCH_FAIL_IN_PHASE, read by the CLI): fail as this phase starts. */
  failInPhase?: string;
  /** Write report.md, report.html, CSVs and charts at the end (default true). */
  reports?: boolean;
  /** Called once run.json and the reports are written, whatever the outcome (the CLI's summary). */
  onFinished?: (end: RunEnd) => void;
  /** Default crypto.randomUUID(). */
  runId?: string;
  /** Tests: replaces process.exit for a second signal in "steps" mode. */
  exit?: (code: number) => void;
  /** Tests: receives the line a first signal prints (default stderr). */
  signalNotice?: (line: string) => void;
}

/** What the body records besides energy: the recorder's lists, which run.json carries. */
export interface RunRecords {
  dataset?: DatasetRecord;
  readonly models: ModelRecord[];
  readonly inference: Omit<InferenceRecord, 'energyJ' | 'uncertaintyJ' | 'energyJPer1000' | 'gCO2ePer1000'>[];
}

export interface RunContext {
  readonly dir: string;
  readonly runId: string;
  readonly progress: ProgressSink;
  readonly records: RunRecords;
  /** Ends the phase in progress and starts `name` (after beforeBoundary). Rejects where failInPhase names it. */
  phase(name: string, model?: string): Promise<void>;
  /** Ends the phase in progress (after beforeBoundary); time until the next phase is in no phase. */
  endPhase(): Promise<void>;
  /** The phase in progress. */
  currentPhase(): string | undefined;
  /** Measures idle power for `seconds` while this process waits (net energy = gross - idle). */
  baseline(seconds: number): Promise<void>;
  /** Throws RunInterrupted once SIGINT, SIGTERM or SIGHUP has arrived. */
  check(): void;
  /** The first signal received, if any. */
  readonly signal: RunSignal | undefined;
  /** Calls `fn` on every SIGINT / SIGTERM / SIGHUP while the run lasts (measure forwards it to its command); returns its removal. */
  onSignal(fn: (sig: RunSignal) => void): () => void;
  /** Adds something computed from the whole run to run.json at finalisation, whatever the outcome (medians, comparisons). */
  amend(fn: (run: RunJson) => RunJson): void;
  /** The energy meter, for sources that follow a command spawned later (Meter.attach). */
  attach(pid: number, ownChildrenS0: number): void;
}

/** How a body that does not throw ended. Default: completed, exit code 0. */
export interface BodyResult {
  status?: FinalStatus;
  error?: { message: string; phase?: string };
  /** Default: 0 completed, 1 failed, 128 + signal interrupted. */
  exitCode?: number;
}

export interface RunEnd {
  dir: string;
  run: RunJson;
  /** Report files written (empty where reports were off or failed). */
  reportFiles: string[];
  /** Why the reports could not be written, if they could not. */
  reportError?: string;
}

export interface RunOutcome extends RunEnd {
  status: FinalStatus;
  exitCode: number;
}

/**
 * Runs `body` as one measured run in a new run directory. Returns the outcome of a body that returned;
 * a body's error is thrown on after the run is finalised (RunInterrupted carries the exit code of its signal).
 */
export async function executeRun(opts: RunOptions, body: (ctx: RunContext) => Promise<BodyResult | void>): Promise<RunOutcome> {
  const signals = new SignalWatcher({
    mode: opts.interruption ?? 'steps',
    ...(opts.exit ? { exit: opts.exit } : {}),
    ...(opts.signalNotice ? { notice: opts.signalNotice } : {}),
  });
  let claimed: ClaimedDir | undefined;
  try {
    // Atomic: exactly one run gets the folder; a second one is refused, naming the holder.
    claimed = claimRunDir(opts.out, opts.label, opts.reportsRoot, opts.argv);
    const dir = claimed.dir;
    let rec: RunRecorder;
    try {
      rec = await RunRecorder.begin({
        dir,
        kind: opts.kind,
        argv: opts.argv,
        runId: opts.runId,
        fields: opts.fields,
        environment: opts.environment,
        intervalMs: opts.intervalMs,
        sources: opts.selection.sources,
        notes: opts.selection.notes,
        carbon: opts.carbon,
        failInPhase: opts.failInPhase,
      });
    } catch (e) {
      // Nothing measured: remove what this run made (its files; the folder where it made it), nothing else.
      claimed.abandon(['run.json', 'samples.csv']);
      if (e instanceof FileWriteError) throw new FileWriteError(e.path, { code: e.code }, 'the run could not start; nothing was measured');
      throw e;
    }
    return await drive(opts, dir, rec, signals, body);
  } finally {
    claimed?.release();
    signals.dispose();
  }
}

async function drive(
  opts: RunOptions,
  dir: string,
  rec: RunRecorder,
  signals: SignalWatcher,
  body: (ctx: RunContext) => Promise<BodyResult | void>,
): Promise<RunOutcome> {
  const amendments: ((run: RunJson) => RunJson)[] = [];
  const hook = opts.beforeBoundary;
  // Boundaries are marked in call order, each after its hook: a queue, so that a phase started while
  // the hook of the previous one runs cannot overtake it.
  let queue: Promise<void> = Promise.resolve();
  const boundary = (mark: () => void): Promise<void> => {
    if (!hook) {
      try {
        mark();
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const p = queue.then(async () => {
      await hook();
      mark();
    });
    queue = p.catch(() => undefined);
    return p;
  };
  const ctx: RunContext = {
    dir,
    runId: rec.runId,
    progress: opts.progress,
    records: rec,
    phase: (name, model) => boundary(() => rec.phase(name, model)),
    endPhase: () => boundary(() => rec.endPhase()),
    currentPhase: () => rec.currentPhase(),
    baseline: async (seconds) => {
      if (hook) await hook();
      await rec.baseline(seconds);
    },
    check: () => {
      signals.check();
      // samples.csv cannot be written (a full disk): stop at the next step rather than run on for nothing.
      const w = rec.meter.writeError;
      if (w) throw new FileWriteError(w.path, { code: w.code }, 'the run stopped at its next step');
    },
    get signal() {
      return signals.signal;
    },
    onSignal: (fn) => signals.onSignal(fn),
    amend: (fn) => void amendments.push(fn),
    attach: (pid, s0) => rec.meter.attach(pid, s0),
  };
  const amendAll = (run: RunJson) => amendments.reduce((r, f) => f(r), run);

  let result: BodyResult;
  try {
    result = (await body(ctx)) ?? {};
    await queue;
  } catch (e) {
    await queue;
    const interrupted = e instanceof InterruptedError;
    const phase = rec.currentPhase();
    await finalise(opts, dir, rec, interrupted ? 'interrupted' : 'failed', amendAll, {
      message: (e as Error)?.message ?? String(e),
      ...(phase ? { phase } : {}),
    });
    throw e;
  }
  // The work is over: a signal from here on no longer stops anything (the run is finalised as it ended).
  signals.finishing();
  let status: FinalStatus = result.status ?? 'completed';
  let error = result.error;
  if (status === 'completed' && hook) {
    // The end of the last phase is a boundary too: wait for the device before the meter stops.
    try {
      await hook();
    } catch (e) {
      status = 'failed';
      error = { message: `waiting for the device at the end of the run: ${(e as Error).message}` };
    }
  }
  const end = await finalise(opts, dir, rec, status, amendAll, error);
  const final = end.run.status as FinalStatus;
  let exitCode: number;
  // An interrupted run exits as a shell reports its signal (130, 143), whatever its command returned.
  if (final === 'interrupted' && signals.signal) exitCode = signalExitCode(signals.signal);
  // Finalisation changed the outcome (run.json or the reports could not be written): failed, exit 1.
  else if (final !== status) exitCode = final === 'completed' ? 0 : 1;
  else exitCode = result.exitCode ?? (final === 'completed' ? 0 : 1);
  return { ...end, status: final, exitCode };
}

/**
 * Stops the meter, writes run.json (with the amendments) and the reports, and says how the run ended.
 * A write that fails (a full disk, a read-only file system) ends the run "failed" with the reason in
 * run.json where anything can still be written: reports that could not all be written are removed
 * (they are rebuilt with `kdbench report`), and run.json says why.
 */
async function finalise(
  opts: RunOptions,
  dir: string,
  rec: RunRecorder,
  status: FinalStatus,
  amend: (run: RunJson) => RunJson,
  error?: { message: string; phase?: string },
): Promise<RunEnd> {
  let run = await rec.finish(status, error, amend);
  if (run.status !== status && run.error) opts.progress.log(`the run failed: ${run.error.message}`);
  const end: RunEnd = { dir, run, reportFiles: [] };
  // run.json had to be cut down to fit (a full disk): no room for reports either, and run.json says so.
  if (opts.reports !== false && rec.persistedAs === 'full') {
    try {
      end.reportFiles = await writeReports(dir);
    } catch (e) {
      end.reportError = (e as Error).message;
      if (e instanceof FileWriteError) {
        for (const f of [...REPORT_FILES, 'charts']) rmSync(join(dir, f), { recursive: true, force: true });
        run = rec.persist({
          ...run,
          status: 'failed',
          error: {
            message: `writing the reports: ${e.message}${run.status !== 'completed' ? ` (the run had ended ${run.status}${run.error ? `: ${run.error.message}` : ''})` : ''}; the measurements are in run.json and samples.csv: make room, then run "kdbench report ${dir}"`,
            ...(run.error?.phase ? { phase: run.error.phase } : {}),
          },
        });
        end.run = run;
        opts.progress.log(`the run failed: ${run.error!.message}`);
      } else
        opts.progress.log(`the run is written, but its report could not be drawn: ${end.reportError} (retry with "kdbench report ${dir}")`);
    }
  }
  opts.onFinished?.(end);
  const hint = carbonHint(run);
  if (hint) opts.progress.log(hint);
  return end;
}
