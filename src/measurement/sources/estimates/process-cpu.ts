import type { DomainInfo, EnergySource, RawReading } from '../../types.js';
import { treeCpuSeconds } from '../../proc-tree.js';
import { readStat } from '../../proc.js';

/**
 * CPU energy estimated from the CPU time of a process tree (every live member's threads, and
 * children they have reaped) times a per-core power. Method "estimated": there is no counter.
 * The total never goes down: time of a member that is reparented away (a daemon) is kept.
 * Once the followed process is our own reaped child, its whole tree's time is read from our
 * cutime/cstime instead, so the last moments before its exit are not lost.
 */
export class ProcessCpuEstimate implements EnergySource {
  readonly name = 'process-cpu-estimate';
  private pid?: number;
  private base = 0;
  private last = 0;
  /** Our own reaped-children CPU time before the followed process was born, where it is our child. */
  private ownChildren0?: number;
  private readonly issues: string[] = [];

  constructor(
    private readonly opts: { pid?: number; attach?: boolean; wattsPerCore: number; wattsPerCoreSource: string; cpuModel: string },
  ) {
    this.pid = opts.attach ? undefined : (opts.pid ?? process.pid);
  }

  private cpuSeconds(pid: number): number | undefined {
    const live = treeCpuSeconds(pid);
    if (live !== undefined || this.ownChildren0 === undefined) return live;
    const own = readStat('/proc/self/stat');
    return own === undefined ? undefined : own.childrenS - this.ownChildren0;
  }

  async start(): Promise<DomainInfo[]> {
    const pid = this.pid;
    if (pid !== undefined) {
      if (pid !== process.pid && readStat(`/proc/${pid}/stat`)?.ppid === process.pid)
        this.ownChildren0 = readStat('/proc/self/stat')?.childrenS;
      const s = this.cpuSeconds(pid);
      if (s === undefined) throw new Error(`cannot read /proc/${pid}/stat`);
      this.base = s;
      this.last = s;
    }
    const scope = this.opts.attach
      ? 'the measured command: its process and all its descendants, from its start'
      : this.opts.pid === undefined
        ? 'this kdbench process and its children (all threads, including the sampler)'
        : `process ${this.opts.pid} and all its descendants`;
    return [
      {
        device: 'cpu',
        method: 'estimated',
        source: `process-tree CPU time (/proc stat utime+stime+cutime+cstime of every live member) x ${this.opts.wattsPerCore} W per busy core (${this.opts.wattsPerCoreSource}; CPU "${this.opts.cpuModel}")`,
        scope,
        resolution: '10 ms of CPU time (one clock tick) per process',
        uncertainty: {
          relative: 0.5,
          absoluteW: 0,
          basis:
            'model estimate: real per-core power depends on frequency, instruction mix and shared uncore power; +/-50 % is the assumed bound, not a measured one',
        },
      },
    ];
  }

  attach(pid: number, ownChildrenS0: number): void {
    if (!this.opts.attach || this.pid !== undefined) return;
    this.pid = pid;
    this.ownChildren0 = ownChildrenS0;
    this.base = 0; // a fresh child: all its CPU time belongs to the run
  }

  poll(): RawReading[] {
    if (this.pid === undefined) return [{ device: 'cpu', energyJ: 0 }];
    const s = this.cpuSeconds(this.pid);
    if (s === undefined) {
      if (this.issues.length < 1)
        this.issues.push(`process-cpu-estimate: /proc/${this.pid}/stat unreadable (the process ended); CPU time after that is not counted`);
      return [];
    }
    this.last = Math.max(this.last, s);
    return [{ device: 'cpu', energyJ: (this.last - this.base) * this.opts.wattsPerCore }];
  }

  problems(): string[] {
    return this.issues;
  }

  stop(): void {}
}
