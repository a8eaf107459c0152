import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Meter } from '../measurement/meter.js';
import { energyByWindow, meanPower, seriesByDevice, type Window, type WindowEnergy } from '../measurement/windows.js';
import type { SourceSpec, Trace } from '../measurement/types.js';
import { energyTimeline } from '../measurement/trace-energy.js';
import type { PreparedCarbon } from '../carbon/index.js';
import { packageVersion } from '../core/host.js';
import {
  SCHEMA_VERSION,
  type DatasetRecord,
  type EnvironmentRecord,
  type InferenceRecord,
  type ModelRecord,
  type PhaseRecord,
  type RunJson,
  type RunStatus,
} from '../core/contract.js';
import { UserError } from '../core/errors.js';
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { FileWriteError, asWriteError, writeFileAtomic } from '../core/files.js';
import { checkPlausibility, powerCeilings } from '../measurement/plausibility.js';

/**
 * The most phases one run records. Each phase is a record in run.json, a row in the CSVs and a band in
 * the charts: a workload that marks every step would drown the run (and its report) in phases.
 */
export const MAX_PHASES = 10_000;

/** The run.json fields the recorder fills itself; every other (optional) field of the contract comes in through RecorderOptions.fields. */
type RecorderOwned =
  | 'schemaVersion'
  | 'runId'
  | 'kind'
  | 'status'
  | 'startedAt'
  | 'endedAt'
  | 'error'
  | 'tool'
  | 'command'
  | 'environment'
  | 'meter'
  | 'baseline'
  | 'phases'
  | 'totals'
  | 'carbon'
  | 'dataset'
  | 'models'
  | 'inference'
  | 'comparisons'
  | 'files';

/**
 * Fields a kind of run adds to run.json as they are (reproduce, suite, reportSettings, and those still
 * to come, such as a scheduler's job record): any optional field of the contract that the recorder does not own.
 */
export type RunFields = Partial<Omit<RunJson, RecorderOwned>>;

export interface RecorderOptions {
  dir: string;
  kind: RunJson['kind'];
  argv: string[];
  /** Default: a new random UUID. */
  runId?: string;
  fields?: RunFields;
  environment: EnvironmentRecord;
  intervalMs: number;
  sources: SourceSpec[];
  /** Why each device is measured the way it is (from selectSources). */
  notes?: string[];
  carbon: PreparedCarbon;
  /** Failure injection for tests of partial runs: phase() throws as this phase starts (the CLI reads KDBENCH_FAIL_IN_PHASE). */
  failInPhase?: string;
}

interface OpenPhase {
  name: string;
  model?: string;
  t0: number;
}

/**
 * Records one run: starts the meter, keeps the phase windows, and writes run.json — at the start
 * (status "running"), and atomically at the end with whatever was measured, however the run ended.
 */
export class RunRecorder {
  readonly runPath: string;
  private readonly phases: (OpenPhase & { t1: number })[] = [];
  private open?: OpenPhase;
  private baselineWindow?: Window;
  readonly models: ModelRecord[] = [];
  readonly inference: Omit<InferenceRecord, 'energyJ' | 'uncertaintyJ' | 'energyJPer1000' | 'gCO2ePer1000'>[] = [];
  dataset?: DatasetRecord;
  private readonly startedAt: string;
  readonly runId: string;
  private finished?: RunJson;

  private constructor(
    private readonly opts: RecorderOptions,
    readonly meter: Meter,
  ) {
    this.runPath = join(opts.dir, 'run.json');
    this.startedAt = meter.clock.iso(0);
    this.runId = opts.runId ?? randomUUID();
  }

  static async begin(opts: RecorderOptions): Promise<RunRecorder> {
    const meter = await Meter.start({ intervalMs: opts.intervalMs, csvPath: join(opts.dir, 'samples.csv'), sources: opts.sources });
    const rec = new RunRecorder(opts, meter);
    try {
      writeFileAtomic(rec.runPath, JSON.stringify(rec.skeleton('running'), null, 2) + '\n');
    } catch (e) {
      await meter.stop().catch(() => undefined);
      throw e;
    }
    return rec;
  }

  /** Measures the idle baseline: the meter runs while this process waits. */
  async baseline(seconds: number): Promise<void> {
    const t0 = this.meter.mark('idle-baseline');
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const t1 = this.meter.mark('');
    this.baselineWindow = { name: 'idle-baseline', t0, t1 };
  }

  /** Starts a phase now, ending the one in progress. Throws, marking nothing, past MAX_PHASES. */
  phase(name: string, model?: string): void {
    if (this.phases.length + (this.open ? 1 : 0) >= MAX_PHASES)
      throw new UserError(
        `too many phases: a run records at most ${MAX_PHASES.toLocaleString('en-US')}, and "${name.slice(0, 60)}" would be one more; mark fewer, longer phases (one per epoch rather than one per step)`,
      );
    const t = this.meter.mark(name);
    this.closePhase(t);
    this.open = { name, model, t0: t };
    if (this.opts.failInPhase === name) throw new Error(`failInPhase: injected failure at the start of phase "${name}"`);
  }

  /** Ends the phase in progress, if any. */
  endPhase(): void {
    if (this.open) this.closePhase(this.meter.mark(''));
  }

  /** The name of the phase in progress (for error reports). */
  currentPhase(): string | undefined {
    return this.open?.name;
  }

  private closePhase(t: number): void {
    if (this.open) this.phases.push({ ...this.open, t1: t });
    this.open = undefined;
  }

  private skeleton(status: RunStatus): RunJson {
    const o = this.opts;
    return {
      schemaVersion: SCHEMA_VERSION,
      runId: this.runId,
      kind: o.kind,
      status,
      startedAt: this.startedAt,
      endedAt: null,
      tool: { name: 'kdbench', version: packageVersion() },
      command: { argv: o.argv, cwd: process.cwd() },
      ...definedFields(o.fields),
      environment: o.environment,
      meter: {
        intervalMs: o.intervalMs,
        notes: o.notes ?? [],
        domains: this.meter.domains,
        failed: this.meter.failed,
        problems: [],
        samplesFile: 'samples.csv',
        sampleCount: 0,
        samplerCpuS: 0,
        samplerCpuShare: 0,
      },
      baseline: null,
      phases: [],
      totals: null,
      carbon: null,
      ...(this.dataset ? { dataset: this.dataset } : {}),
      models: this.models,
      inference: [],
      files: ['run.json', 'samples.csv'],
    };
  }

  /**
   * Stops the meter, attributes energy and carbon, and writes run.json atomically, once. `amend` adds
   * what is computed from the whole run (inference medians, comparisons); if it throws, run.json is
   * written without it. Idempotent: a second call returns the first result.
   */
  async finish(
    status: Exclude<RunStatus, 'running'>,
    error?: { message: string; phase?: string },
    amend?: (run: RunJson) => RunJson,
  ): Promise<RunJson> {
    if (this.finished) return this.finished;
    const endT = this.meter.now();
    this.closePhase(endT);
    const trace = await this.meter.stop();
    // samples.csv that could not be written makes the run failed: its raw data is incomplete.
    if (trace.writeError && status === 'completed') {
      status = 'failed';
      error = { message: `${trace.writeError}; the energy figures are complete (kept in memory), samples.csv is not` };
    }
    let run = this.assemble(trace, status, endT, error);
    if (amend) {
      try {
        run = amend(run);
      } catch (e) {
        // The measurements stand without the amendment; a completed run whose amendment failed is not complete.
        if (status === 'completed') run = { ...run, status: 'failed', error: { message: `finalising the run: ${(e as Error).message}` } };
      }
    }
    run = this.persist(run);
    this.finished = run;
    return run;
  }

  /** How run.json was last written: whole, or (on a full disk) as a compact copy or a summary. */
  persistedAs: 'full' | 'compact' | 'summary' | 'none' = 'none';

  /**
   * Writes run.json atomically. Where it cannot be written (a full disk, a read-only file system),
   * the run becomes "failed" with the reason, and smaller forms are tried in turn: the whole run
   * without indentation, then its summary (status, error, totals, carbon; phases, models and
   * inference left out), and last the summary written over the old run.json in place (where it is no
   * larger, the blocks the old file frees suffice). Returns what was written; throws a FileWriteError
   * (run.json left as it was) where nothing could be.
   */
  persist(run: RunJson): RunJson {
    try {
      writeFileAtomic(this.runPath, JSON.stringify(run, null, 2) + '\n');
      this.persistedAs = 'full';
      return run;
    } catch (e) {
      if (!(e instanceof FileWriteError)) throw e;
      const before = run.status !== 'completed' ? ` (the run had ended ${run.status}${run.error ? `: ${run.error.message}` : ''})` : '';
      const failed = (note: string): RunJson => ({
        ...run,
        status: 'failed',
        error: { message: `${e.message}${before}; ${note}`, ...(run.error?.phase ? { phase: run.error.phase } : {}) },
      });
      const compact = failed('this run.json is a compact copy (no report was written)');
      const c = run.carbon;
      const summary: RunJson = {
        ...failed('this run.json is a summary: phases, models and inference records did not fit (no report was written)'),
        environment: {},
        phases: [],
        models: [],
        inference: [],
        comparisons: undefined,
        carbon: c ? { ...c, alternatives: [], equivalents: [], notes: [] } : null,
        meter: { ...run.meter, notes: [], problems: run.meter.problems.slice(0, 5) },
      };
      const attempts: [RunJson, 'compact' | 'summary', (text: string) => void][] = [
        [compact, 'compact', (t) => writeFileAtomic(this.runPath, t)],
        [summary, 'summary', (t) => writeFileAtomic(this.runPath, t)],
        [summary, 'summary', (t) => overwriteInPlace(this.runPath, t)],
      ];
      for (const [attempt, form, write] of attempts) {
        try {
          write(JSON.stringify(attempt) + '\n');
          this.persistedAs = form;
          return attempt;
        } catch (e2) {
          if (!(e2 instanceof FileWriteError)) throw e2;
        }
      }
      throw new FileWriteError(this.runPath, { code: e.code }, 'run.json still says "running" (the end of the run could not be written)');
    }
  }

  private assemble(
    trace: Trace,
    status: Exclude<RunStatus, 'running'>,
    endT: number,
    error?: { message: string; phase?: string },
  ): RunJson {
    const o = this.opts;
    const clock = this.meter.clock;
    // One interpolated series per device serves the baseline, every phase and the total.
    const series = seriesByDevice(trace);
    const timeline = energyTimeline(trace);
    const idle = this.baselineWindow ? meanPower(trace, this.baselineWindow, series) : undefined;
    const windows: Window[] = this.phases.map((p) => ({ name: p.name, t0: p.t0, t1: p.t1 }));
    const totalWindow: Window | undefined =
      windows.length > 0 ? { name: 'total', t0: windows[0].t0, t1: windows[windows.length - 1].t1 } : undefined;
    const all = energyByWindow(trace, totalWindow ? [...windows, totalWindow] : windows, idle, series);
    const energies = all.slice(0, windows.length);
    const phases: PhaseRecord[] = energies.map((w, i) =>
      toPhaseRecord(w, this.phases[i].model, clock.iso.bind(clock), (j) => o.carbon.grams(j, windows[i], timeline)),
    );
    const total = totalWindow ? all[windows.length] : undefined;
    const totals: RunJson['totals'] = total
      ? {
          durationS: total.durationS,
          energyJ: total.energyJ,
          uncertaintyJ: total.uncertaintyJ,
          netEnergyJ: total.netEnergyJ,
          domains: total.domains,
        }
      : null;
    const byPhase = new Map(energies.map((p) => [p.name, p]));
    const inference: InferenceRecord[] = this.inference.map((r) => {
      const p = byPhase.get(r.phase);
      const energyJ = p?.energyJ ?? NaN;
      const per1000 = (energyJ / r.inferences) * 1000;
      return {
        ...r,
        energyJ,
        uncertaintyJ: p?.uncertaintyJ ?? NaN,
        energyJPer1000: per1000,
        gCO2ePer1000: p ? o.carbon.grams(p.energyJ, { name: p.name, t0: p.t0, t1: p.t1 }, timeline) * (1000 / r.inferences) : NaN,
      };
    });
    const wall = Math.max(endT, 1e-9);
    const env = o.environment as {
      gpus?: { index?: number; powerLimitW?: number }[];
      cpu?: { logicalCores?: number };
      memoryBytes?: number;
    };
    const ceilings = powerCeilings(trace.domains, {
      sources: o.sources,
      gpus: env.gpus,
      logicalCores: env.cpu?.logicalCores,
      memoryBytes: env.memoryBytes,
    });
    const plausibility = checkPlausibility(trace.samples, ceilings);
    return {
      ...this.skeleton(status),
      endedAt: clock.iso(endT),
      ...(error ? { error } : {}),
      ...(this.dataset ? { dataset: this.dataset } : {}),
      meter: {
        intervalMs: o.intervalMs,
        notes: o.notes ?? [],
        domains: trace.domains,
        failed: this.meter.failed,
        problems: [...plausibility.problems, ...trace.problems],
        samplesFile: 'samples.csv',
        sampleCount: trace.samples.length,
        samplerCpuS: trace.samplerCpuS,
        samplerCpuShare: trace.samplerCpuS / wall,
        ...(trace.gpuSharing ? { gpuSharing: trace.gpuSharing } : {}),
        ...(plausibility.implausible.length > 0 ? { implausible: plausibility.implausible } : {}),
      },
      baseline:
        this.baselineWindow && idle
          ? {
              startedAt: clock.iso(this.baselineWindow.t0),
              endedAt: clock.iso(this.baselineWindow.t1),
              durationS: this.baselineWindow.t1 - this.baselineWindow.t0,
              powerW: Object.fromEntries(idle),
            }
          : null,
      phases,
      totals,
      carbon: totals && totalWindow ? o.carbon.record(totals.energyJ, totalWindow, timeline) : null,
      inference,
    };
  }
}

function toPhaseRecord(w: WindowEnergy, model: string | undefined, iso: (t: number) => string, co2: (j: number) => number): PhaseRecord {
  return {
    name: w.name,
    ...(model ? { model } : {}),
    startedAt: iso(w.t0),
    endedAt: iso(w.t1),
    durationS: w.durationS,
    energyJ: w.energyJ,
    uncertaintyJ: w.uncertaintyJ,
    ...(w.netEnergyJ === undefined ? {} : { netEnergyJ: w.netEnergyJ }),
    gCO2e: co2(w.energyJ),
    domains: w.domains,
  };
}

/** The fields given, without undefined ones (so that run.json has no "key": undefined holes). */
function definedFields(fields: RunFields | undefined): RunFields {
  return Object.fromEntries(Object.entries(fields ?? {}).filter(([, v]) => v !== undefined && v !== '')) as RunFields;
}

/**
 * Last resort on a full disk: `text` written over the file in place, where it is no longer than the
 * file (so the blocks the file already holds suffice). Not atomic: used only where the atomic writes failed.
 */
function overwriteInPlace(path: string, text: string): void {
  const data = Buffer.from(text);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r+');
    if (fstatSync(fd).size < data.length) throw Object.assign(new Error('no room'), { code: 'ENOSPC' });
    writeSync(fd, data, 0, data.length, 0);
    ftruncateSync(fd, data.length);
  } catch (e) {
    throw asWriteError(e, path);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
