/**
 * `kdbench measure`: one command as one run of the lifecycle. Phase "main" from the start (after an
 * optional idle baseline), then the phases the command's markers name; the run's status and exit
 * code are the command's (interrupted where a signal came first).
 */
import { basename } from 'node:path';
import type { ReportSettings } from '../core/contract.js';
import type { PreparedCarbon } from '../carbon/index.js';
import { probeAll, selectSources, type GpuChoice } from '../measurement/select.js';
import { collectEnvironment, gpuInventory } from './environment.js';
import { executeRun, type RunEnd, type RunOutcome } from './lifecycle.js';
import type { ProgressSink } from './progress.js';
import { DEFAULT_KILL_GRACE_MS, runMeasuredCommand } from './command.js';
import { signalExitCode } from './signals.js';

export interface MeasureOptions {
  /** The command as given, its resolved path (resolveCommand) and its arguments. */
  cmd: string;
  exe: string;
  args: string[];
  /** --out (new or empty), else reports/<time>-measure-<cmd>. */
  out?: string;
  intervalMs: number;
  /** Seconds of idle power measured before the command starts (0: none). */
  baselineS: number;
  /** Only these GPUs (NVML / nvidia-smi indices), or 'all'; default the environment's allotment, else all. */
  gpus?: GpuChoice;
  carbon: PreparedCarbon;
  /** The command line as given, recorded in run.json. */
  argv: string[];
  reproduce?: string;
  reportSettings?: ReportSettings;
  progress: ProgressSink;
  failInPhase?: string;
  /** --kill-after: seconds between a forwarded SIGTERM / SIGINT and SIGKILL to the command's process group (default 10). */
  killAfterS?: number;
  onFinished?: (end: RunEnd) => void;
}

export async function measureCommand(opts: MeasureOptions): Promise<RunOutcome> {
  const probes = probeAll();
  const selection = selectSources({ intervalMs: opts.intervalMs, attach: true, probes, ...(opts.gpus ? { gpus: opts.gpus } : {}) });
  const environment = await collectEnvironment({ gpus: gpuInventory(probes) });
  return executeRun(
    {
      out: opts.out,
      label: `measure-${basename(opts.cmd)}`,
      kind: 'measure',
      argv: opts.argv,
      fields: { reproduce: opts.reproduce, reportSettings: opts.reportSettings },
      environment,
      intervalMs: opts.intervalMs,
      selection,
      carbon: opts.carbon,
      progress: opts.progress,
      interruption: 'wait',
      failInPhase: opts.failInPhase,
      onFinished: opts.onFinished,
    },
    async (run) => {
      for (const n of selection.notes) run.progress.log(n);
      if (opts.baselineS > 0) await run.baseline(opts.baselineS);
      await run.phase('main');
      if (run.signal) {
        return {
          status: 'interrupted',
          error: { message: `interrupted by ${run.signal} before the command started` },
          exitCode: signalExitCode(run.signal),
        };
      }
      const killGraceMs = opts.killAfterS === undefined ? DEFAULT_KILL_GRACE_MS : opts.killAfterS * 1000;
      const r = await runMeasuredCommand(run, { exe: opts.exe, argv0: opts.cmd, args: opts.args, killGraceMs });
      if (r.ignoredMarkers.length > 0) {
        const lines = [
          ...new Set(r.ignoredMarkers.map((m) => `phase marker ignored (passed through as output): ${m.reason}: "${m.line}"`)),
        ];
        for (const l of lines.slice(0, 5)) run.progress.log(l);
        run.amend((j) => ({ ...j, meter: { ...j.meter, problems: [...j.meter.problems, ...lines.slice(0, 20)] } }));
      }
      if (r.phaseError) throw r.phaseError;
      const phase = run.currentPhase();
      const sig = run.signal;
      if (sig)
        return {
          status: 'interrupted',
          error: {
            message:
              r.killed && r.signal === 'SIGKILL'
                ? `interrupted by ${sig}; the command was still running ${killGraceMs / 1000} s later and was killed (SIGKILL to its process group)`
                : `interrupted by ${sig}; the command exited with code ${r.exitCode}${r.killed ? `; processes it left in its group were still running ${killGraceMs / 1000} s later and were killed (SIGKILL)` : ''}`,
            ...(phase ? { phase } : {}),
          },
          exitCode: signalExitCode(sig),
        };
      if (r.outputError)
        return {
          status: 'failed',
          error: {
            message: `${r.outputError}, so the command's output pipe was closed too; the command exited with code ${r.exitCode}${r.signal ? ` (${r.signal})` : ''}`,
            ...(phase ? { phase } : {}),
          },
          exitCode: r.exitCode || 1,
        };
      if (r.exitCode !== 0)
        return {
          status: 'failed',
          error: { message: `the command exited with code ${r.exitCode}${r.signal ? ` (${r.signal})` : ''}`, ...(phase ? { phase } : {}) },
          exitCode: r.exitCode,
        };
      return { status: 'completed', exitCode: 0 };
    },
  );
}
