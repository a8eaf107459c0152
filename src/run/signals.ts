/**
 * The one signal watcher of a run: SIGINT, SIGTERM and SIGHUP (the terminal closed) become a flag the run reads (check() throws
 * RunInterrupted), handlers a body registers (measure forwards the signal to its command), and, where
 * the run stops between steps, a second signal that exits at once.
 */
import os from 'node:os';
import { InterruptedError } from '../core/errors.js';

export type RunSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
/**
 * SIGHUP too: a measured command runs in its own process group, so the kernel's hangup for the
 * terminal's foreground group no longer reaches it; kdbench forwards it like the others.
 */
const WATCHED: RunSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** 128 + the signal's number, as a shell reports a process ended by it (SIGHUP 129, SIGINT 130, SIGTERM 143). */
export function signalExitCode(sig: NodeJS.Signals): number {
  return 128 + (os.constants.signals[sig] ?? 2);
}

/** The run was interrupted by a signal; the CLI exits with `exitCode` (130 for SIGINT, 143 for SIGTERM). */
export class RunInterrupted extends InterruptedError {
  readonly exitCode: number;
  constructor(readonly signal: RunSignal) {
    super(signal);
    this.exitCode = signalExitCode(signal);
  }
}

export interface SignalWatcherOptions {
  /**
   * "steps" (suites): the run stops at its next check(), a line on stderr says so, and a second
   * signal exits at once (run.json then stays "running"). "wait" (measure): handlers decide; the
   * run goes on until its work ends (a command that got the forwarded signal).
   */
  mode: 'steps' | 'wait';
  /** Where the "stopping after the current step" line goes (default stderr). */
  notice?: (line: string) => void;
  /** Ends the process on a second signal (default process.exit); tests replace it. */
  exit?: (code: number) => void;
}

export class SignalWatcher {
  private got?: RunSignal;
  private done = false;
  private readonly handlers = new Set<(sig: RunSignal) => void>();
  private readonly listeners = new Map<RunSignal, () => void>();

  constructor(private readonly opts: SignalWatcherOptions) {
    for (const sig of WATCHED) {
      const l = () => this.receive(sig);
      this.listeners.set(sig, l);
      process.on(sig, l);
    }
  }

  /** The first signal received, if any. */
  get signal(): RunSignal | undefined {
    return this.got;
  }

  /** Throws RunInterrupted once a signal has arrived. */
  check(): void {
    if (this.got) throw new RunInterrupted(this.got);
  }

  /** The run's work is over and its files are being written: a first signal then says so instead of "stopping". */
  finishing(): void {
    this.done = true;
  }

  /** Calls `fn` on every signal from now on; returns its removal. */
  onSignal(fn: (sig: RunSignal) => void): () => void {
    this.handlers.add(fn);
    return () => this.handlers.delete(fn);
  }

  private receive(sig: RunSignal): void {
    const first = this.got === undefined;
    if (this.opts.mode === 'steps') {
      if (!first) (this.opts.exit ?? process.exit)(signalExitCode(sig));
      else
        (this.opts.notice ?? ((l: string) => process.stderr.write(l)))(
          this.done
            ? `\n[kdbench] ${sig}: the run's work is done; writing its files (again to quit at once and leave them unfinished)\n`
            : `\n[kdbench] ${sig}: stopping after the current step and writing the partial run (again to quit at once)\n`,
        );
    }
    this.got ??= sig;
    for (const fn of this.handlers) fn(sig);
  }

  dispose(): void {
    for (const [sig, l] of this.listeners) process.off(sig, l);
    this.listeners.clear();
    this.handlers.clear();
  }
}
