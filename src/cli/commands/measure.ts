/**
 * `kdbench measure -- CMD [ARGS...]`: runs a command (no shell), measures its energy with the best
 * meters this machine offers, and writes a run directory (run.json, samples.csv) with the same
 * contract as `kdbench run`. The command's exit code is passed through.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { basename } from 'node:path';
import os from 'node:os';
import { UserError } from '../../core/errors.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { prepareCarbon } from '../../carbon/index.js';
import { CARBON_FLAGS, CARBON_USAGE, carbonOptionsFromFlags } from '../carbon-flags.js';
import { probeAll, selectSources } from '../../measurement/select.js';
import { which } from '../../measurement/which.js';
import { readStat } from '../../measurement/proc.js';
import { PhaseMarkerFilter } from '../../measurement/phase-markers.js';
import { RunRecorder } from '../../run/recorder.js';
import { createRunDir } from '../../run/run-dir.js';
import { collectEnvironment, gpuInventory } from '../../run/environment.js';
import type { RunJson } from '../../core/contract.js';

export const usage = `Usage: kdbench measure [options] -- CMD [ARGS...]

Runs CMD (without a shell) and measures the energy of the whole run: each GPU (NVML energy
counter, else nvidia-smi sampled power), CPU and DRAM (RAPL counters for the whole socket, else an
estimate for CMD's process tree). CMD's exit code is passed through. Ctrl-C / SIGTERM are
forwarded to CMD and the run is still written (status "interrupted").

A workload marks phases by printing lines "::kdbench phase NAME::" on stdout; they start phase
NAME and are removed from the output. Time before the first marker is phase "main".

Options:
  --interval-ms N       sampling interval of the power meters (default 100)
  --out DIR             run directory (must be new or empty; default reports/<time>-<cmd>)
  --baseline-s S        measure S seconds of idle power before CMD starts (net energy = gross - idle)
  --gpus LIST           measure only these GPUs (NVML / nvidia-smi indices, e.g. 0,2); default all:
                        GPU meters cover the whole GPU, whatever process uses it
  --quiet               no summary on stderr
${CARBON_USAGE}
`;

const FLAGS = {
  'interval-ms': { type: 'string' },
  out: { type: 'string' },
  'baseline-s': { type: 'string' },
  gpus: { type: 'string' },
  quiet: { type: 'boolean' },
  ...CARBON_FLAGS,
} as const;

/** Resolves CMD like execvp would, so that a missing command fails before anything is started. */
function resolveCommand(cmd: string): string {
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

function parseGpuList(text: string): number[] {
  const parts = text.split(',').map((x) => x.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new UserError(`--gpus: expected GPU indices like 0,2, got "${text}"`);
  return [...new Set(parts.map(Number))];
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? os.constants.signals[signal] : undefined;
  return 128 + (n ?? 1);
}

function fmtJ(j: number): string {
  return Math.abs(j) >= 3.6e5 ? `${(j / 3.6e6).toFixed(4)} kWh` : `${j.toFixed(1)} J`;
}

function summary(run: RunJson, dir: string): string {
  const lines = [`kdbench: run ${run.status}; ${dir}/run.json`];
  const t = run.totals;
  if (t) {
    lines.push(
      `  ${t.durationS.toFixed(2)} s, ${fmtJ(t.energyJ)} +/- ${fmtJ(t.uncertaintyJ)}${t.netEnergyJ !== undefined ? ` (net of idle: ${fmtJ(t.netEnergyJ)})` : ''}`,
    );
    for (const d of t.domains) {
      const scope = run.meter.domains.find((x) => x.device === d.device)?.scope ?? '';
      lines.push(
        `  ${d.device.padEnd(16)} ${fmtJ(d.energyJ).padStart(14)} +/- ${fmtJ(d.uncertaintyJ).padStart(12)}  ${d.method}${d.gapS ? `, ${d.gapS.toFixed(2)} s gap` : ''}; ${scope}`,
      );
    }
  }
  for (const p of run.meter.problems) lines.push(`  meter problem: ${p}`);
  for (const f of run.meter.failed) lines.push(`  meter failed: ${f}`);
  if (run.carbon)
    lines.push(
      `  ${run.carbon.gCO2e.toFixed(3)} gCO2e at ${run.carbon.intensityGCO2ePerKWh} g/kWh (${run.carbon.region || run.carbon.intensitySource})`,
    );
  return lines.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  const sep = argv.indexOf('--');
  if (sep < 0 || sep === argv.length - 1) throw new UserError(`measure: give the command after "--"\n\n${usage}`);
  const { values, positionals } = parseCommandArgs(argv.slice(0, sep), FLAGS, usage);
  if (positionals.length > 0) throw new UserError(`measure: unexpected argument "${positionals[0]}" before "--"\n\n${usage}`);
  const [cmd, ...cmdArgs] = argv.slice(sep + 1);
  const intervalMs = numberFlag('interval-ms', values['interval-ms'], { min: 10, max: 60_000, integer: true }) ?? 100;
  const baselineS = numberFlag('baseline-s', values['baseline-s'], { min: 0, max: 3600 }) ?? 0;
  const carbon = prepareCarbon(carbonOptionsFromFlags(values));
  const gpus = values.gpus === undefined ? undefined : parseGpuList(values.gpus);
  const exe = resolveCommand(cmd);

  let interrupted: NodeJS.Signals | undefined;
  let child: ChildProcess | undefined;
  // Ctrl-C in a terminal reaches the whole foreground process group, the command included:
  // forwarding it again would be a second Ctrl-C (which many programs take as "abort now").
  // A signal sent to kdbench alone (kill, a scheduler, a non-interactive parent) is forwarded.
  const terminalDelivers = (sig: NodeJS.Signals) => sig === 'SIGINT' && process.stdin.isTTY === true;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupted ??= sig;
    if (child && child.exitCode === null && child.signalCode === null && !terminalDelivers(sig)) child.kill(sig);
  };
  const handlers = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM') };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  try {
    const probes = probeAll();
    const selection = selectSources({ intervalMs, attach: true, probes, ...(gpus ? { gpus } : {}) });
    const environment = await collectEnvironment({ gpus: gpuInventory(probes) });
    const dir = createRunDir(values.out, `measure-${basename(cmd)}`);
    if (!values.quiet) for (const n of selection.notes) process.stderr.write(`kdbench: ${n.replace(/\n/g, '\n  ')}\n`);
    const rec = await RunRecorder.begin({
      dir,
      kind: 'measure',
      argv: ['measure', ...argv],
      environment,
      intervalMs,
      sources: selection.sources,
      notes: selection.notes,
      carbon,
    });
    try {
      if (baselineS > 0) await rec.baseline(baselineS);
      rec.phase('main');
      if (interrupted) return await finishEarly(rec, dir, interrupted, values.quiet === true);
      const ownChildrenS0 = readStat('/proc/self/stat')?.childrenS ?? 0;
      const c = spawn(exe, cmdArgs, { stdio: ['inherit', 'pipe', 'inherit'], argv0: cmd });
      child = c;
      const spawned = new Promise<Error | undefined>((resolve) => {
        c.once('spawn', () => resolve(undefined));
        c.once('error', resolve);
      });
      if (c.pid !== undefined) rec.meter.attach(c.pid, ownChildrenS0);
      // Backpressure: a slow reader of our stdout pauses the command's output, not our memory.
      const filter = new PhaseMarkerFilter(
        (text) => {
          if (!process.stdout.write(text) && !c.stdout!.isPaused()) {
            c.stdout!.pause();
            process.stdout.once('drain', () => c.stdout!.resume());
          }
        },
        (name) => rec.phase(name),
      );
      c.stdout!.setEncoding('utf8');
      c.stdout!.on('data', (d: string) => filter.push(d));
      const streamEnd = new Promise<void>((resolve) => c.stdout!.once('close', resolve));
      const spawnError = await spawned;
      if (spawnError) {
        const run = await rec.finish('failed', { message: `cannot run "${cmd}": ${spawnError.message}` });
        if (!values.quiet) process.stderr.write(summary(run, dir));
        throw new UserError(`cannot run "${cmd}": ${spawnError.message}`);
      }
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        c.once('exit', (co, si) => resolve([co, si])),
      );
      // Wait for the rest of stdout (the last markers), unless a daemonised grandchild holds it open.
      await Promise.race([streamEnd, new Promise((r) => setTimeout(r, 1000).unref())]);
      filter.end();
      const exitCode = exitCodeOf(code, signal);
      const status = interrupted ? 'interrupted' : exitCode === 0 ? 'completed' : 'failed';
      const error = interrupted
        ? { message: `interrupted by ${interrupted}; the command exited with code ${exitCode}`, phase: rec.currentPhase() }
        : exitCode !== 0
          ? { message: `the command exited with code ${exitCode}${signal ? ` (${signal})` : ''}`, phase: rec.currentPhase() }
          : undefined;
      const run = await rec.finish(status, error);
      await writeReadableReport(dir);
      if (!values.quiet) process.stderr.write(summary(run, dir));
      return exitCode;
    } finally {
      await rec.finish('failed', { message: 'measure ended unexpectedly' });
    }
  } finally {
    process.off('SIGINT', handlers.SIGINT);
    process.off('SIGTERM', handlers.SIGTERM);
  }
}

/** report.md, report.html, CSVs and charts beside the raw data; the command's exit code wins over a report problem. */
async function writeReadableReport(dir: string): Promise<void> {
  try {
    const { writeReports } = await import('../../report/index.js');
    await writeReports(dir);
  } catch (e) {
    process.stderr.write(
      `kdbench: the run is written, but its report could not be drawn: ${(e as Error).message} (retry with "kdbench report ${dir}")\n`,
    );
  }
}

async function finishEarly(rec: RunRecorder, dir: string, sig: NodeJS.Signals, quiet: boolean): Promise<number> {
  const run = await rec.finish('interrupted', { message: `interrupted by ${sig} before the command started` });
  await writeReadableReport(dir);
  if (!quiet) process.stderr.write(summary(run, dir));
  return 128 + (os.constants.signals[sig] ?? 1);
}
