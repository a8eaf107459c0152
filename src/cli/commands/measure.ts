/**
 * `kdbench measure -- CMD [ARGS...]`: runs a command (no shell), measures its energy with the best
 * meters this machine offers, and writes a run directory (run.json, samples.csv) with the same
 * contract as `kdbench run`. The command's exit code is passed through.
 */
import { UserError } from '../../core/errors.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { prepareCarbon } from '../../carbon/index.js';
import { CARBON_FLAGS, CARBON_USAGE, carbonOptionsFromFlags } from '../carbon-flags.js';
import { checkOutDir } from '../../run/run-dir.js';
import { resolveCommand } from '../../run/command.js';
import { measureCommand } from '../../run/measure.js';
import { reproduceCommand } from '../../run/reproduce.js';
import type { ProgressSink } from '../../run/progress.js';
import type { RunJson } from '../../core/contract.js';
import type { GpuChoice } from '../../measurement/select.js';

export const usage = `Usage: kdbench measure [options] -- CMD [ARGS...]

Runs CMD (without a shell) and measures the energy of the whole run: each GPU (NVML energy
counter, else nvidia-smi sampled power), CPU and DRAM (RAPL counters for the whole socket, else an
estimate for CMD's process tree). CMD's exit code is passed through. CMD runs in its own process
group: Ctrl-C / SIGTERM are forwarded to the group (SIGKILL --kill-after seconds later if it still
runs) and the run is still written (status "interrupted", exit code 130 / 143).

A workload marks phases by printing lines "::kdbench phase NAME::" on stdout; they start phase
NAME and are removed from the output. Time before the first marker is phase "main". NAME: 1 to 128
letters, digits, spaces and _ . : / # ( ) + -, starting with a letter, digit or _; a marker line that
breaks the rules (or is longer than 4096 characters) passes through as output and is noted in
run.json. A run records at most 10,000 phases; one more stops CMD and fails the run.

Options:
  --interval-ms N       sampling interval of the power meters (default 100)
  --out DIR             run directory (must be new or empty; default reports/<time>-<cmd>)
  --baseline-s S        measure S seconds of idle power before CMD starts (net energy = gross - idle)
  --gpus LIST|all       measure only these GPUs (NVML / nvidia-smi indices, e.g. 0,2), or every GPU (all).
                        Default: the GPUs the environment allots to the task (CUDA_VISIBLE_DEVICES,
                        SLURM_STEP_GPUS / SLURM_JOB_GPUS, NVIDIA_VISIBLE_DEVICES), else every GPU.
                        A GPU meter covers the whole GPU, whatever process uses it: other processes
                        seen on a measured GPU are recorded and flagged in the run
  --kill-after S        after forwarding SIGINT / SIGTERM / SIGHUP to CMD's process group, SIGKILL it if it still runs
                        S seconds later (default 10; 0 to 3600)
  --requests-per-day N  inferences a day in production (an integer >= 1), recorded in run.json for the report
  --quiet               no summary on stderr
${CARBON_USAGE}
`;

const FLAGS = {
  'interval-ms': { type: 'string' },
  out: { type: 'string' },
  'baseline-s': { type: 'string' },
  gpus: { type: 'string' },
  'kill-after': { type: 'string' },
  'requests-per-day': { type: 'string' },
  quiet: { type: 'boolean' },
  ...CARBON_FLAGS,
} as const;

function parseGpuList(text: string): GpuChoice {
  if (text.trim() === 'all') return 'all';
  const parts = text.split(',').map((x) => x.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new UserError(`--gpus: expected GPU indices like 0,2, or all, got "${text}"`);
  return [...new Set(parts.map(Number))];
}

function fmtJ(j: number): string {
  return Math.abs(j) >= 3.6e5 ? `${(j / 3.6e6).toFixed(4)} kWh` : `${j.toFixed(1)} J`;
}

function summary(run: RunJson, dir: string): string {
  const lines = [`kdbench: run ${run.status}; ${dir}/run.json`];
  if (run.status !== 'completed' && run.error) lines.push(`  ${run.error.message}`);
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

/** Measure's lines on stderr: "kdbench: ..." (nothing with --quiet); it draws no progress bars. */
function stderrLines(quiet: boolean): ProgressSink {
  const log = (line: string) => {
    if (!quiet) process.stderr.write(`kdbench: ${line.replace(/\n/g, '\n  ')}\n`);
  };
  return { begin: () => {}, update: () => {}, end: () => {}, log };
}

export async function run(argv: string[]): Promise<number> {
  const sep = argv.indexOf('--');
  if (sep < 0 || sep === argv.length - 1) throw new UserError(`measure: give the command after "--"\n\n${usage}`);
  const { values, positionals } = parseCommandArgs(argv.slice(0, sep), FLAGS, usage);
  if (positionals.length > 0) throw new UserError(`measure: unexpected argument "${positionals[0]}" before "--"\n\n${usage}`);
  const [cmd, ...args] = argv.slice(sep + 1);
  const intervalMs = numberFlag('interval-ms', values['interval-ms'], { min: 10, max: 60_000, integer: true }) ?? 100;
  const baselineS = numberFlag('baseline-s', values['baseline-s'], { min: 0, max: 3600 }) ?? 0;
  const requestsPerDay = numberFlag('requests-per-day', values['requests-per-day'], { min: 1, integer: true });
  const killAfterS = numberFlag('kill-after', values['kill-after'], { min: 0, max: 3600 });
  const carbon = prepareCarbon(carbonOptionsFromFlags(values));
  const gpus = values.gpus === undefined ? undefined : parseGpuList(values.gpus);
  const exe = resolveCommand(cmd);
  checkOutDir(values.out);
  const quiet = values.quiet === true;
  const outcome = await measureCommand({
    cmd,
    exe,
    args,
    out: values.out,
    intervalMs,
    baselineS,
    gpus,
    carbon,
    ...(killAfterS === undefined ? {} : { killAfterS }),
    argv: ['measure', ...argv],
    reproduce: reproduceCommand('measure', values, { tail: [cmd, ...args] }),
    ...(requestsPerDay === undefined ? {} : { reportSettings: { requestsPerDay } }),
    progress: stderrLines(quiet),
    // Failure injection for tests of partial runs, read here and nowhere else.
    failInPhase: process.env.KDBENCH_FAIL_IN_PHASE || undefined,
    onFinished: ({ run, dir }) => {
      if (!quiet) process.stderr.write(summary(run, dir));
    },
  });
  return outcome.exitCode;
}
