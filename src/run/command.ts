/**
 * A measured child process inside a run: spawned without a shell, its process tree followed by the
 * estimates (Meter.attach), `::kdbench phase NAME::` lines on its stdout turned into phases, signals
 * forwarded, an optional time limit. `kdbench measure` runs one; a command suite would run one per step.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import os from 'node:os';
import { UserError } from '../core/errors.js';
import { which } from '../measurement/which.js';
import { readStat } from '../measurement/proc.js';
import { PhaseMarkerFilter } from '../measurement/phase-markers.js';
import type { RunContext } from './lifecycle.js';
import type { RunSignal } from './signals.js';

/** Resolves CMD like execvp would, so that a missing command fails before anything is started. */
export function resolveCommand(cmd: string): string {
  const path = which(cmd);
  if (path === undefined) throw new UserError(`cannot run "${cmd}": not found on PATH`);
  try {
    if (statSync(path).isDirectory()) throw new UserError(`cannot run "${cmd}": it is a directory`);
    accessSync(path, constants.X_OK);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot run "${cmd}": ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not executable (permission denied)' : (e as Error).message}`,
    );
  }
  return path;
}

/** The exit code a shell would report: the code, else 128 + the number of the signal that ended it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? os.constants.signals[signal] : undefined;
  return 128 + (n ?? 1);
}

export interface CommandSpec {
  /** The executable's path (resolveCommand). */
  exe: string;
  /** The command as the user gave it (argv[0] of the child, and its name in messages). */
  argv0: string;
  args: string[];
  /** Where the command's stdout goes, phase markers removed (default process.stdout; backpressure pauses the command). */
  stdout?: NodeJS.WritableStream;
  /** `::kdbench phase NAME::` lines start phases (default true). */
  markers?: boolean;
  /** Time limit: SIGTERM when it passes, SIGKILL killGraceMs later (default 5000). */
  timeoutMs?: number;
  killGraceMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface CommandResult {
  /** As a shell reports it (exitCodeOf). */
  exitCode: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The time limit passed and the command was stopped. */
  timedOut: boolean;
  /** A phase the command's markers started failed to start (failure injection); the command was stopped. */
  phaseError?: Error;
}

/**
 * Runs a command in the run's phase in progress and waits for it. A command that cannot be spawned
 * is a UserError. Ctrl-C in a terminal reaches the whole foreground process group, the command
 * included: forwarding it again would be a second Ctrl-C (which many programs take as "abort now");
 * a signal sent to kdbench alone (kill, a scheduler, a non-interactive parent) is forwarded.
 */
export async function runMeasuredCommand(ctx: RunContext, spec: CommandSpec): Promise<CommandResult> {
  const ownChildrenS0 = readStat('/proc/self/stat')?.childrenS ?? 0;
  const c = spawn(spec.exe, spec.args, {
    stdio: ['inherit', 'pipe', 'inherit'],
    argv0: spec.argv0,
    ...(spec.cwd ? { cwd: spec.cwd } : {}),
    ...(spec.env ? { env: spec.env } : {}),
  });
  const spawned = new Promise<Error | undefined>((resolve) => {
    c.once('spawn', () => resolve(undefined));
    c.once('error', resolve);
  });
  if (c.pid !== undefined) ctx.attach(c.pid, ownChildrenS0);
  const running = () => c.exitCode === null && c.signalCode === null;
  const terminalDelivers = (sig: RunSignal) => sig === 'SIGINT' && process.stdin.isTTY === true;
  const stopForwarding = ctx.onSignal((sig) => {
    if (running() && !terminalDelivers(sig)) c.kill(sig);
  });
  let phaseError: Error | undefined;
  let timedOut = false;
  const timers: NodeJS.Timeout[] = [];
  const stop = () => {
    if (!running()) return;
    c.kill('SIGTERM');
    timers.push(setTimeout(() => running() && c.kill('SIGKILL'), spec.killGraceMs ?? 5000).unref());
  };
  try {
    const out = spec.stdout ?? process.stdout;
    // Backpressure: a slow reader of our stdout pauses the command's output, not our memory.
    const write = (text: string) => {
      if (!out.write(text) && !c.stdout!.isPaused()) {
        c.stdout!.pause();
        out.once('drain', () => c.stdout!.resume());
      }
    };
    const filter =
      spec.markers === false
        ? undefined
        : new PhaseMarkerFilter(write, (name) => {
            ctx.phase(name).catch((e: Error) => {
              phaseError ??= e;
              stop();
            });
          });
    c.stdout!.setEncoding('utf8');
    c.stdout!.on('data', (d: string) => (filter ? filter.push(d) : write(d)));
    const streamEnd = new Promise<void>((resolve) => c.stdout!.once('close', resolve));
    const spawnError = await spawned;
    if (spawnError) throw new UserError(`cannot run "${spec.argv0}": ${spawnError.message}`);
    if (spec.timeoutMs !== undefined)
      timers.push(
        setTimeout(() => {
          timedOut = true;
          stop();
        }, spec.timeoutMs),
      );
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      if (!running()) resolve([c.exitCode, c.signalCode]);
      else c.once('exit', (co, si) => resolve([co, si]));
    });
    // Wait for the rest of stdout (the last markers), unless a daemonised grandchild holds it open.
    await Promise.race([streamEnd, new Promise((r) => setTimeout(r, 1000).unref())]);
    filter?.end();
    return { exitCode: exitCodeOf(code, signal), code, signal, timedOut, ...(phaseError ? { phaseError } : {}) };
  } finally {
    for (const t of timers) clearTimeout(t);
    stopForwarding();
  }
}
