/**
 * A measured child process inside a run: spawned without a shell, its process tree followed by the
 * estimates (Meter.attach), `::kdbench phase NAME::` lines on its stdout turned into phases, signals
 * forwarded, an optional time limit. `kdbench measure` runs one; a command suite would run one per step.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import os from 'node:os';
import { UserError } from '../core/errors.js';
import { ioCause } from '../core/files.js';
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
  /** Time limit: SIGTERM to the command's process group when it passes, SIGKILL killGraceMs later. */
  timeoutMs?: number;
  /** After a SIGTERM / SIGINT (forwarded, or the time limit), SIGKILL to the group if it still runs this much later (default 10000). */
  killGraceMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Grace between a forwarded SIGTERM / SIGINT and SIGKILL, unless the spec says otherwise (--kill-after). */
export const DEFAULT_KILL_GRACE_MS = 10_000;

export interface CommandResult {
  /** As a shell reports it (exitCodeOf). */
  exitCode: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The time limit passed and the command was stopped. */
  timedOut: boolean;
  /** The command did not end within the grace period after SIGTERM / SIGINT and was killed (SIGKILL to its group). */
  killed: boolean;
  /** A phase the command's markers started failed to start (failure injection, the phase limit); the command was stopped. */
  phaseError?: Error;
  /** kdbench's stdout could not take the command's output (its reader closed the pipe): the cause; the command's pipe was closed too. */
  outputError?: string;
  /** Marker lines not taken as phases, with the reason (passed through as text). */
  ignoredMarkers: { reason: string; line: string }[];
}

/**
 * Runs a command in the run's phase in progress and waits for it. A command that cannot be spawned
 * is a UserError. The command runs in its own process group: SIGINT, SIGTERM and SIGHUP that reach kdbench
 * (Ctrl-C in a terminal, kill, a scheduler) are forwarded to the whole group, so that what the
 * command started ends too, and SIGKILL follows killGraceMs later where the group is still there.
 * Being in its own group, the command cannot read the terminal: where kdbench's stdin is a
 * terminal, the command's stdin is /dev/null; otherwise it is kdbench's.
 */
export async function runMeasuredCommand(ctx: RunContext, spec: CommandSpec): Promise<CommandResult> {
  const ownChildrenS0 = readStat('/proc/self/stat')?.childrenS ?? 0;
  const c = spawn(spec.exe, spec.args, {
    stdio: [process.stdin.isTTY ? 'ignore' : 'inherit', 'pipe', 'inherit'],
    argv0: spec.argv0,
    detached: true,
    ...(spec.cwd ? { cwd: spec.cwd } : {}),
    ...(spec.env ? { env: spec.env } : {}),
  });
  const spawned = new Promise<Error | undefined>((resolve) => {
    c.once('spawn', () => resolve(undefined));
    c.once('error', resolve);
  });
  if (c.pid !== undefined) ctx.attach(c.pid, ownChildrenS0);
  const running = () => c.exitCode === null && c.signalCode === null;
  const grace = spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  /** Signals the command's whole process group (the leader alone where the group is gone). */
  const signalGroup = (sig: NodeJS.Signals) => {
    if (c.pid === undefined) return;
    try {
      process.kill(-c.pid, sig);
    } catch {
      try {
        c.kill(sig);
      } catch {
        /* already gone */
      }
    }
  };
  /** True while any process of the command's group is left (zombies included). */
  const groupAlive = () => {
    if (c.pid === undefined) return false;
    try {
      process.kill(-c.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  let killed = false;
  let killTimer: NodeJS.Timeout | undefined;
  let killAt: number | undefined;
  /** SIGTERM / SIGINT to the group now, SIGKILL to what is left of it `grace` ms later (once). */
  const stopGroup = (sig: NodeJS.Signals) => {
    if (!running() && !groupAlive()) return;
    signalGroup(sig);
    if (killTimer) return;
    killAt = Date.now() + grace;
    killTimer = setTimeout(() => {
      if (running() || groupAlive()) {
        killed = true;
        signalGroup('SIGKILL');
      }
    }, grace);
  };
  const stopForwarding = ctx.onSignal((sig: RunSignal) => stopGroup(sig));
  let phaseError: Error | undefined;
  let timedOut = false;
  let timeout: NodeJS.Timeout | undefined;
  const stop = () => stopGroup('SIGTERM');
  const ignoredMarkers: CommandResult['ignoredMarkers'] = [];
  let outputError: string | undefined;
  const out = spec.stdout ?? process.stdout;
  // The reader of kdbench's stdout went away (`kdbench measure -- yes | head`): close the command's
  // pipe too, so that it gets EPIPE / SIGPIPE as it would have without kdbench in between.
  const onOutError = (e: NodeJS.ErrnoException) => {
    outputError ??= `kdbench's standard output could not take the command's output: ${ioCause(e)}`;
    c.stdout?.destroy();
  };
  out.on('error', onOutError);
  try {
    // Backpressure: a slow reader of our stdout pauses the command's output, not our memory.
    const write = (text: string) => {
      if (outputError !== undefined) return;
      if (!out.write(text) && !c.stdout!.isPaused()) {
        c.stdout!.pause();
        out.once('drain', () => c.stdout!.resume());
      }
    };
    const filter =
      spec.markers === false
        ? undefined
        : new PhaseMarkerFilter(
            write,
            (name) => {
              ctx.phase(name).catch((e: Error) => {
                phaseError ??= e;
                stop();
              });
            },
            (reason, line) => {
              if (ignoredMarkers.length < 100) ignoredMarkers.push({ reason, line });
            },
          );
    c.stdout!.setEncoding('utf8');
    c.stdout!.on('data', (d: string) => (filter ? filter.push(d) : write(d)));
    const streamEnd = new Promise<void>((resolve) => c.stdout!.once('close', resolve));
    const spawnError = await spawned;
    if (spawnError) throw new UserError(`cannot run "${spec.argv0}": ${spawnError.message}`);
    // A signal that came between the run's last check and the spawn.
    if (ctx.signal) stopGroup(ctx.signal);
    if (spec.timeoutMs !== undefined)
      timeout = setTimeout(() => {
        timedOut = true;
        stop();
      }, spec.timeoutMs);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      if (!running()) resolve([c.exitCode, c.signalCode]);
      else c.once('exit', (co, si) => resolve([co, si]));
    });
    // Stopped by a signal or the time limit: what the command started ends too. The group gets until
    // the SIGKILL (killGraceMs after the signal) to go; processes that ignore the signal (a shell's
    // background jobs ignore SIGINT) are killed then. Zombies count as gone after the SIGKILL.
    if (killAt !== undefined) {
      while (groupAlive() && !killed && Date.now() < killAt + 50) await new Promise((r) => setTimeout(r, 50));
      if (killed) await new Promise((r) => setTimeout(r, 100));
    }
    // Wait for the rest of stdout (the last markers), unless a daemonised grandchild holds it open.
    await Promise.race([streamEnd, new Promise((r) => setTimeout(r, 1000).unref())]);
    filter?.end();
    return {
      exitCode: exitCodeOf(code, signal),
      code,
      signal,
      timedOut,
      killed,
      ignoredMarkers,
      ...(phaseError ? { phaseError } : {}),
      ...(outputError ? { outputError } : {}),
    };
  } finally {
    clearTimeout(timeout);
    clearTimeout(killTimer);
    out.off('error', onOutError);
    stopForwarding();
  }
}
