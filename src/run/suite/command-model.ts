/**
 * Command models (suite kind "command"): a model of any framework, trained, evaluated and run by the
 * user's own commands. Each step is one measured child process (../command.ts: no shell, the process
 * tree followed by the estimates, signals forwarded, a time limit) in its own phase:
 *
 *   train     teacher-training                     distil   distillation:NAME
 *   control   control-training:NAME-control        evaluate evaluation:NAME
 *   infer     inference-setup:NAME:bN[:rK]; from the step's first phase marker inference:NAME:bN[:rK] (the
 *             timed window, the inference record's energy); from its result line inference-exit:NAME:bN[:rK]
 *
 * `::kdbench phase SUB::` lines start sub-phases (`<step phase>:SUB`, same model); `::kdbench result {...}::`
 * lines report (suites/command-result.schema.json). The command's stdout goes to logs/ in the run
 * directory and to the progress lines; its stderr is kdbench's. A step that fails, passes its time
 * limit or reports nothing fails the run, with everything measured so far kept.
 */
import { createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import type { ModelRecord, ModelRole } from '../../core/contract.js';
import { UserError } from '../../core/errors.js';
import { deriveSeed } from '../../core/random.js';
import { which } from '../../measurement/which.js';
import { accuracy, macroF1 } from '../../distillation/metrics.js';
import { commandRetrieval } from './retrieval-command.js';
import type { BenchSlot } from '../../benchmark/schedule.js';
import { checkStep, parseResult, ResultLineFilter, type StepName, type StepResult } from '../../ownmodels/protocol.js';
import type { CommandModelSpec, CommandStepSpec } from '../../suites/types.js';
import { resolveCommand, runMeasuredCommand } from '../command.js';
import type { RunContext } from '../lifecycle.js';
import type { OwnModel, SlotFigures } from './own-models.js';
import type { SuiteData, SuiteStepContext } from './types.js';

/** A step that failed on its own terms (exit code, signal, time limit): the run fails with exit code 1, everything measured kept. */
export class CommandStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandStepError';
  }
}

/** Resolves a step's program like execvp would, from the model's cwd (relative to the suite file); a UserError names the step. */
export function resolveStepCommand(
  spec: CommandModelSpec,
  step: CommandStepSpec,
  suiteDir: string,
  where: string,
): { exe: string; argv0: string; cwd: string } {
  const cwd = resolve(suiteDir, spec.cwd ?? '.');
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) throw new UserError(`${where}: field "cwd": folder ${cwd} not found`);
  const argv0 = step.argv[0];
  let target: string;
  if (argv0.includes('/')) target = resolve(cwd, argv0);
  else {
    const found = which(argv0, step.env?.PATH ?? spec.env?.PATH ?? process.env.PATH ?? '');
    if (found === undefined) throw new UserError(`${where}: cannot run "${argv0}": not found on PATH`);
    target = found;
  }
  try {
    return { exe: resolveCommand(target), argv0, cwd };
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${where}: ${e.message}`);
    throw e;
  }
}

/** What the students' steps learn about the teacher (KDBENCH_TEACHER*). */
export interface TeacherRef {
  name: string;
  /** A command teacher's model folder (KDBENCH_TEACHER_DIR). */
  dir?: string;
  /** The teacher's logits on the training split, written by kdbench (KDBENCH_TEACHER_LOGITS). */
  logitsFile?: string;
  /** An hf-onnx teacher's model folder (KDBENCH_TEACHER_PATH). */
  path?: string;
}

/** Shared by every command model of a run. */
export interface CommandShared {
  /** The suite's data as JSONL (KDBENCH_DATA; distillation/data/export.ts). */
  dataFile: string;
  teacher?: TeacherRef;
}

/** Splits text into lines for the progress sink. */
class Lines {
  private partial = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const l of parts) this.emit(l.replace(/\r$/, ''));
  }
  end(): void {
    if (this.partial) this.emit(this.partial);
    this.partial = '';
  }
}

const safe = (phase: string) => phase.replace(/[^A-Za-z0-9._-]+/g, '_');

/** One step of a command model, run as a measured child process (runCommandStep). */
export interface CommandStepRun {
  /** The model's name (phases, progress lines). */
  model: string;
  /** The step's name in progress lines. */
  step: string;
  /** The step in messages: `students[0] "small", step "evaluate"`. */
  where: string;
  spec: CommandModelSpec;
  st: CommandStepSpec;
  suiteDir: string;
  /** KDBENCH_MODEL_DIR, made before the step. */
  modelDir: string;
  /** The phase the step starts in. */
  phase: string;
  /** Names logs/<logPhase>.stdout.log (default: phase). */
  logPhase?: string;
  env: Record<string, string>;
  /** Starts what a `::kdbench phase NAME::` marker means (a sub-phase, the timed window) or ignores it. */
  marker: (run: RunContext, name: string) => Promise<void>;
  /** On each result line: the phase it starts (the command's exit after its work), or undefined. */
  afterResult?: () => string | undefined;
}

/**
 * Runs one step under the meter in its phase: the command resolved like execvp, its stdout to
 * logs/ and to the progress lines, result lines merged, markers handed to `marker`. Throws
 * CommandStepError on a time-out or a non-zero exit, and the result filter's error; returns the merged
 * (unchecked) result. Shared by classification (CommandModel) and retrieval command models.
 */
export async function runCommandStep(run: RunContext, o: CommandStepRun): Promise<StepResult | undefined> {
  const cmd = resolveStepCommand(o.spec, o.st, o.suiteDir, o.where);
  mkdirSync(o.modelDir, { recursive: true });
  const logs = join(run.dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const logName = `${safe(o.logPhase ?? o.phase)}.stdout.log`;
  const log = createWriteStream(join(logs, logName));
  await run.phase(o.phase, o.model);

  let merged: StepResult | undefined;
  let afterError: unknown;
  let after: Promise<void> = Promise.resolve();
  const lines = new Lines((l) => run.progress.log(`${o.model} ${o.step}: ${l}`));
  const filter = new ResultLineFilter(
    (text) => {
      log.write(text);
      lines.push(text);
    },
    (json) => {
      merged = { ...merged, ...parseResult(json, o.where) };
      // The result ends the measured work; the command's exit (a framework's teardown can take seconds) is not part of it.
      const next = o.afterResult?.();
      if (next !== undefined) after = run.phase(next, o.model).catch((e: unknown) => void (afterError ??= e));
    },
  );
  const sub: RunContext = Object.assign(Object.create(run) as RunContext, { phase: (name: string) => o.marker(run, name) });
  const out = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, cb) {
      filter.push(String(chunk));
      cb();
    },
  });
  const timeoutS = o.st.timeoutS ?? o.spec.timeoutS;
  let res;
  try {
    res = await runMeasuredCommand(sub, {
      exe: cmd.exe,
      argv0: cmd.argv0,
      args: o.st.argv.slice(1),
      stdout: out,
      cwd: cmd.cwd,
      env: { ...process.env, ...o.env },
      ...(timeoutS !== undefined ? { timeoutMs: timeoutS * 1000 } : {}),
    });
  } finally {
    filter.end();
    lines.end();
    await new Promise((done) => log.end(done));
  }
  await after;
  if (res.phaseError) throw res.phaseError;
  if (afterError !== undefined) throw afterError;
  run.check();
  const logFile = `logs/${logName}`;
  if (res.timedOut)
    throw new CommandStepError(`${o.where}: did not finish within timeoutS = ${timeoutS} s; stopped (its stdout: ${logFile})`);
  if (res.exitCode !== 0)
    throw new CommandStepError(
      `${o.where}: the command exited with code ${res.exitCode}${res.signal ? ` (${res.signal})` : ''} (its stdout: ${logFile})`,
    );
  if (filter.error !== undefined) throw filter.error;
  return merged;
}

interface StepRun {
  step: StepName;
  /** The phase the step runs in (for infer: the setup before its first marker). */
  phase: string;
  /** infer: the phase the first marker starts (the timed window), exactly the name the inference record refers to. */
  timedPhase?: string;
  /** infer: the phase the result line starts (the command's exit after its timed loop). */
  afterPhase?: string;
  extraEnv?: Record<string, string>;
  /** The step's name in messages where it differs from `step` (a compressed model's "compress" runs as a training step). */
  label?: 'compress';
}

/** A command model of this run: one spec, one instance (a student, or its control "NAME-control"). */
export class CommandModel implements OwnModel {
  readonly kind = 'command' as const;
  /** Merged results of the training steps (params, epochs, framework ...). */
  private facts: StepResult = {};
  training: ModelRecord['training'] = { epochs: NaN, steps: NaN, phase: '', finalLoss: NaN };

  constructor(
    readonly spec: CommandModelSpec,
    readonly name: string,
    readonly role: ModelRole,
    /** "teacher", "students[0]" */
    readonly path: string,
    private readonly shared: CommandShared,
    readonly pairedWith?: string,
  ) {}

  private where(step: StepName | 'compress'): string {
    return `${this.path} "${this.name}", step "${step}"`;
  }

  modelDir(run: RunContext): string {
    return join(run.dir, 'models', this.name);
  }

  private env(s: SuiteStepContext, d: SuiteData, step: StepName): Record<string, string> {
    const { suite } = s;
    const t = this.shared.teacher;
    const seedKey = this.role === 'control' && this.pairedWith ? this.pairedWith : this.name;
    return {
      PYTHONUNBUFFERED: '1',
      ...this.spec.env,
      ...this.spec[step]?.env,
      KDBENCH_RUN_DIR: s.run.dir,
      KDBENCH_STEP: step,
      KDBENCH_MODEL: this.name,
      KDBENCH_ROLE: this.role,
      KDBENCH_MODEL_DIR: this.modelDir(s.run),
      KDBENCH_DATA: this.shared.dataFile,
      KDBENCH_CLASSES: JSON.stringify(d.data.dataset.classes),
      // A student and its control start from the same seed, as kdbench's own models do.
      KDBENCH_SEED: String(deriveSeed(suite.seed, `model:${seedKey}`)),
      KDBENCH_QUICK: s.quick ? '1' : '0',
      KDBENCH_TEMPERATURE: String(suite.distillation.temperature),
      KDBENCH_SOFT_WEIGHT: String(suite.distillation.softWeight),
      KDBENCH_HARD_WEIGHT: String(suite.distillation.hardWeight),
      KDBENCH_LOGIT_LOSS: suite.distillation.logitLoss ?? 'soft-ce',
      ...(t && this.role !== 'teacher'
        ? {
            KDBENCH_TEACHER: t.name,
            ...(t.dir ? { KDBENCH_TEACHER_DIR: t.dir } : {}),
            ...(t.logitsFile ? { KDBENCH_TEACHER_LOGITS: t.logitsFile } : {}),
            ...(t.path ? { KDBENCH_TEACHER_PATH: t.path } : {}),
          }
        : {}),
    };
  }

  /** Runs one step as a measured command in its phase; returns its merged, checked result. */
  private async runStep(s: SuiteStepContext, d: SuiteData, r: StepRun): Promise<StepResult> {
    const { run } = s;
    const st = this.spec[r.step];
    const where = this.where(r.label ?? r.step);
    if (!st) throw new Error(`${where}: no such step`);
    let timed = false;
    let ended = false;
    let ignored = 0;
    const merged = await runCommandStep(run, {
      model: this.name,
      step: r.step,
      where,
      spec: this.spec,
      st,
      suiteDir: s.suiteDir,
      modelDir: this.modelDir(run),
      phase: r.phase,
      logPhase: r.timedPhase ?? r.phase,
      env: { ...this.env(s, d, r.step), ...r.extraEnv },
      // Sub-phases: `<step phase>:NAME`; in infer, the first marker starts the timed window instead.
      marker: (run, name) => {
        if (r.timedPhase === undefined) return run.phase(`${r.phase}:${name}`, this.name);
        if (timed || ended) {
          ignored++;
          return Promise.resolve();
        }
        timed = true;
        return run.phase(r.timedPhase, this.name);
      },
      // infer: the result ends the timed window.
      afterResult: () => {
        if (r.afterPhase === undefined || !timed || ended) return undefined;
        ended = true;
        return r.afterPhase;
      },
    });
    if (ignored > 0) run.progress.log(`${where}: ${ignored} later phase marker(s) ignored: in infer, only the first one counts`);
    if (r.timedPhase !== undefined && !timed)
      throw new UserError(
        `${where}: printed no "::kdbench phase NAME::" line; an infer step prints one when its timed loop starts, so that loading the model is not counted as inference`,
      );
    return checkStep(r.step, merged, where);
  }

  /** train (teacher), distil (student) or control, in `phase`. */
  async train(
    s: SuiteStepContext,
    d: SuiteData,
    step: 'train' | 'distil' | 'control',
    phase: string,
    extraEnv?: Record<string, string>,
  ): Promise<void> {
    s.run.progress.log(`${this.name}: ${extraEnv?.KDBENCH_STEP ?? step} (command)`);
    const r = await this.runStep(s, d, {
      step,
      phase,
      ...(extraEnv ? { extraEnv } : {}),
      ...(extraEnv?.KDBENCH_STEP === 'compress' ? { label: 'compress' as const } : {}),
    });
    this.facts = { ...this.facts, ...r };
    this.training = { epochs: r.epochs ?? NaN, steps: r.steps ?? NaN, phase, finalLoss: r.finalLoss ?? NaN };
  }

  async evaluate(s: SuiteStepContext, d: SuiteData): Promise<{ record: ModelRecord; correct?: Uint8Array }> {
    const where = this.where('evaluate');
    const reported = await this.runStep(s, d, { step: 'evaluate', phase: `evaluation:${this.name}` });
    const r = checkStep('evaluate', { ...pick(this.facts, ['params']), ...reported }, where);
    const { test } = d.data;
    const classes = d.data.dataset.classes;
    let acc = r.accuracy;
    let f1 = r.macroF1;
    let correct: Uint8Array | undefined;
    if (r.predictions) {
      if (r.predictions.length !== test.n)
        throw new UserError(`${where}: field "predictions" has ${r.predictions.length} entries; the test split has ${test.n} examples`);
      const pred = Int32Array.from(r.predictions, (p, i) => {
        const c = typeof p === 'number' ? p : classes.indexOf(p);
        if (!(c >= 0 && c < classes.length))
          throw new UserError(
            `${where}: field "predictions[${i}]": ${JSON.stringify(p)} is not a class (${classes.join(', ')}) nor its index`,
          );
        return c;
      });
      correct = Uint8Array.from(pred, (p, i) => (p === test.labels[i] ? 1 : 0));
      const a = accuracy(pred, test.labels);
      const f = macroF1(pred, test.labels, classes.length);
      if (acc !== undefined && Math.abs(acc - a) > 1e-3)
        throw new UserError(
          `${where}: field "accuracy" (${acc}) disagrees with the predictions (${a}); are they in the order of the test split in KDBENCH_DATA?`,
        );
      if (f1 !== undefined && Math.abs(f1 - f) > 1e-3)
        throw new UserError(`${where}: field "macroF1" (${f1}) disagrees with the predictions (${f})`);
      acc = a;
      f1 = f;
    }
    // A retrieval model reports ranking metrics or ranks instead (retrieval-command.ts): accuracy is then recall@1, macro-F1 unknown.
    const retrieval = commandRetrieval(r, where, s.suite.seed);
    const all = { ...this.facts, ...r };
    const dir = this.modelDir(s.run);
    const size = r.sizeBytes ?? this.facts.sizeBytes ?? dirSize(dir);
    const record: ModelRecord = {
      name: this.name,
      role: this.role,
      kind: 'command',
      params: r.params!,
      accuracy: acc ?? retrieval?.record.metrics['recall@1'] ?? NaN,
      macroF1: f1 ?? NaN,
      ...(this.pairedWith ? { pairedWith: this.pairedWith } : {}),
      architecture: { ...all.architecture, ...(all.info ? { info: all.info } : {}) },
      training: this.training,
      ...(size !== undefined ? { sizeBytes: size } : {}),
      ...(existsSync(dir) && readdirSync(dir).length > 0 ? { savedTo: `models/${this.name}` } : {}),
      runtime: {
        ...(all.framework ? { framework: all.framework } : {}),
        ...(all.device ? { device: all.device } : {}),
        command: this.commandLines(),
      },
      ...(retrieval ? { retrieval: retrieval.record } : {}),
    };
    return { record, ...(correct ? { correct } : {}) };
  }

  private commandLines(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const step of ['train', 'distil', 'control', 'evaluate', 'infer'] as const) if (this.spec[step]) out[step] = this.spec[step]!.argv;
    return out;
  }

  async benchmark(s: SuiteStepContext, d: SuiteData, slot: BenchSlot): Promise<SlotFigures> {
    const where = this.where('infer');
    const r = await this.runStep(s, d, {
      step: 'infer',
      phase: slot.phase.replace(/^inference:/, 'inference-setup:'),
      timedPhase: slot.phase,
      afterPhase: slot.phase.replace(/^inference:/, 'inference-exit:'),
      extraEnv: {
        KDBENCH_BATCH_SIZE: String(slot.batchSize),
        KDBENCH_TIME_MS: String(s.suite.inference.timeMs),
        KDBENCH_ROUND: String(slot.round),
      },
    });
    if (r.batchSize !== slot.batchSize)
      throw new UserError(`${where}: field "batchSize" is ${r.batchSize}, but this slot asked for KDBENCH_BATCH_SIZE=${slot.batchSize}`);
    return {
      batchSize: slot.batchSize,
      inferences: r.inferences!,
      latencyMsP50: r.latencyMsP50!,
      latencyMsP99: r.latencyMsP99!,
      latencyMsMean: r.latencyMsMean!,
      throughputPerS: r.throughputPerS ?? (1000 / r.latencyMsMean!) * slot.batchSize,
    };
  }

  async dispose(): Promise<void> {}
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Bytes of the files under `dir` (recursively), or undefined when it is missing or empty. */
export function dirSize(dir: string): number | undefined {
  if (!existsSync(dir)) return undefined;
  let total = 0;
  let files = 0;
  const walk = (p: string) => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      const q = join(p, e.name);
      if (e.isDirectory()) walk(q);
      else if (e.isFile()) {
        total += statSync(q).size;
        files++;
      }
    }
  };
  walk(dir);
  return files > 0 ? total : undefined;
}
