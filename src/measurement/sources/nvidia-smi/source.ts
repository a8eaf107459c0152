import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readStat } from '../../proc.js';
import type { DomainInfo, EnergySource, RawReading, SmiGpuSpec } from '../../types.js';
import type { Clock } from '../../clock.js';
import { parseSmiLine, parseSmiNumber, parseSmiTimestamp, smiQueryArgs } from './csv.js';
import { listSmiGpus, smiFieldSupport } from './probe.js';

/** How often a dead nvidia-smi child is restarted before GPU power is given up for the run. */
const MAX_RESTARTS = 3;

/**
 * GPU power sampled from one long-lived `nvidia-smi --query-gpu=... -lms N` child, integrated over
 * time by the meter (method "sampled"). Per GPU it uses power.draw.instant where the GPU reports
 * it, else power.draw. Timestamps are nvidia-smi's own (local time), mapped onto the meter clock.
 * A reading of [N/A], or a child that dies (it is restarted, up to 3 times), leaves a gap that is
 * recorded: the next reading is marked `afterGap`, and the report shows the bridged time.
 */
export class NvidiaSmiSource implements EnergySource {
  readonly name = 'nvidia-smi';
  private child?: ChildProcess;
  private buffer: RawReading[] = [];
  private readonly issues: string[] = [];
  private stopping = false;
  private restarts = 0;
  private restartTimer?: NodeJS.Timeout;
  private args: string[] = [];
  /** The queried fields: timestamp, index, then the power fields in order of preference. */
  private fields: string[] = [];
  /** Devices whose next reading follows an outage. */
  private readonly gapPending = new Set<string>();
  private readonly naReported = new Set<string>();
  private readonly devicesSeen = new Set<string>();
  private helperCpuS = 0;
  private firstLine?: () => void;
  private firstFail?: (e: Error) => void;
  readonly lagMs: number;

  constructor(
    private readonly opts: { binary: string; intervalMs: number; gpus?: number[]; probed?: SmiGpuSpec[] },
    private readonly clock: Clock,
  ) {
    // A probe's line arrives at most one interval (plus pipe latency) after its moment.
    this.lagMs = opts.intervalMs + 50;
  }

  async start(): Promise<DomainInfo[]> {
    const wanted = this.opts.gpus ? new Set(this.opts.gpus) : undefined;
    const probed = this.opts.probed;
    const gpus = (probed ?? listSmiGpus(this.opts.binary)).filter((g) => !wanted || wanted.has(g.index));
    if (gpus.length === 0) throw new Error(wanted ? `nvidia-smi lists none of GPUs ${[...wanted].join(',')}` : 'nvidia-smi lists no GPU');
    // Each nvidia-smi call can take a second on a large machine: reuse what select.ts learnt.
    const instant = probed
      ? new Map(probed.map((g) => [g.index, g.powerField === 'power.draw.instant']))
      : smiFieldSupport(this.opts.binary, 'power.draw.instant');
    const anyInstant = [...instant.values()].some(Boolean);
    this.fields = anyInstant ? ['timestamp', 'index', 'power.draw.instant', 'power.draw'] : ['timestamp', 'index', 'power.draw'];
    this.args = [...smiQueryArgs(this.fields), '-lms', String(this.opts.intervalMs)];
    if (wanted) this.args.push('-i', gpus.map((g) => g.index).join(','));
    // Ready when the first probe arrives (nvidia-smi takes a moment to start), so that the
    // meter's first window is covered; a child that prints nothing within 10 s is a failure.
    const first = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('nvidia-smi printed no reading within 10 s')), 10_000);
      this.firstLine = () => {
        clearTimeout(timer);
        resolve();
      };
      this.firstFail = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
    });
    this.spawnChild();
    try {
      await first;
    } catch (e) {
      this.firstFail = undefined;
      this.stop();
      throw e;
    }
    return gpus.map((g) => {
      const field = instant.get(g.index) ? 'power.draw.instant' : 'power.draw';
      return {
        device: `gpu:${g.index}`,
        method: 'sampled' as const,
        source: `nvidia-smi ${field} every ${this.opts.intervalMs} ms (${g.name}, ${g.uuid}), integrated over time (trapezoid rule)`,
        scope: 'the whole GPU (all processes on it)',
        resolution: `0.01 W per reading, one reading per ${this.opts.intervalMs} ms (the driver refreshes power about every 100 ms)`,
        uncertainty: {
          relative: 0,
          absoluteW: 5,
          basis:
            field === 'power.draw'
              ? 'NVIDIA states power readings are accurate to +/-5 W; power.draw is a 1 s average on Ampere and newer, so bursts are smoothed; plus the sample-spacing bound and any gaps (computed from the trace)'
              : 'NVIDIA states power readings are accurate to +/-5 W; on A100/H100 the instant reading covers ~25 ms of every 100 ms (Yang et al., SC24), so bursty work can be off; plus the sample-spacing bound and any gaps (computed from the trace)',
        },
      };
    });
  }

  private spawnChild(): void {
    const child = spawn(this.opts.binary, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => (stderr = (stderr + d).slice(-500)));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopping) return;
      if (this.firstFail) {
        // Died before its first reading: the source fails to start (with nvidia-smi's words).
        this.firstFail(
          new Error(
            `nvidia-smi exited before its first reading (code ${code}, signal ${signal})${stderr.trim() ? `: ${stderr.trim()}` : ''}`,
          ),
        );
        return;
      }
      const t = this.clock.now().toFixed(1);
      for (const g of this.devicesSeen) this.gapPending.add(g);
      if (this.restarts < MAX_RESTARTS) {
        this.restarts++;
        this.issues.push(
          `nvidia-smi exited during the run at t=${t} s (code ${code}, signal ${signal}); restarted (${this.restarts}/${MAX_RESTARTS}); the gap is bridged and counted into the uncertainty`,
        );
        this.restartTimer = setTimeout(() => this.spawnChild(), Math.max(100, this.opts.intervalMs));
      } else {
        this.issues.push(
          `nvidia-smi exited during the run at t=${t} s (code ${code}, signal ${signal}) after ${MAX_RESTARTS} restarts; GPU power after t=${t} s is missing (counted into the uncertainty)`,
        );
      }
    });
    child.on('error', (e) => {
      if (this.firstFail) this.firstFail(new Error(`cannot run nvidia-smi: ${e.message}`));
      else this.issues.push(`nvidia-smi: ${e.message}`);
    });
  }

  private onLine(line: string): void {
    const row = parseSmiLine(line, this.fields);
    if (!row) return;
    const index = row.index;
    const device = `gpu:${index}`;
    // power.draw.instant first where queried, then power.draw.
    const values = this.fields.slice(2).map((f) => row[f]);
    const powerW = values.map(parseSmiNumber).find((v) => v !== undefined);
    if (powerW === undefined) {
      if (!this.naReported.has(device)) {
        this.naReported.add(device);
        this.issues.push(
          `nvidia-smi reported no power for GPU ${index} ("${values.join(', ')}"); such readings are skipped and the gaps counted into the uncertainty`,
        );
      }
      if (this.devicesSeen.has(device)) this.gapPending.add(device);
      return;
    }
    this.devicesSeen.add(device);
    this.firstLine?.();
    this.firstLine = undefined;
    this.firstFail = undefined;
    const now = this.clock.now();
    const t = this.timeOf(row.timestamp, now);
    const afterGap = this.gapPending.delete(device);
    this.buffer.push({ device, t, powerW, ...(afterGap ? { afterGap } : {}) });
  }

  private clockWarned = false;

  /**
   * The meter time of a probe: nvidia-smi's own timestamp (local time, ms) where it agrees with
   * our clock, else the arrival time (a time-zone or clock mismatch must not shift the trace).
   */
  private timeOf(ts: string, now: number): number {
    const wall = parseSmiTimestamp(ts);
    if (wall === undefined) return now;
    const t = this.clock.fromWallMs(wall);
    const skew = now - t;
    if (skew < -1 || skew > Math.max(5, (3 * this.opts.intervalMs) / 1000)) {
      if (!this.clockWarned) {
        this.clockWarned = true;
        this.issues.push(
          `nvidia-smi timestamps differ from this process's clock by ${skew.toFixed(1)} s (time zone or clock mismatch?); arrival times are used instead`,
        );
      }
      return now;
    }
    return Math.min(now, t);
  }

  poll(): RawReading[] {
    const out = this.buffer;
    this.buffer = [];
    return out;
  }

  problems(): string[] {
    return this.issues;
  }

  /** CPU seconds used by the nvidia-smi child (read just before it is stopped). */
  overheadCpuS(): number {
    return this.helperCpuS;
  }

  stop(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const pid = this.child?.pid;
    if (pid !== undefined) this.helperCpuS += readStat(`/proc/${pid}/stat`)?.selfS ?? 0;
    this.child?.kill('SIGTERM');
  }
}
