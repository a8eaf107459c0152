import type { DomainInfo, EnergySource, RawReading } from '../types.js';
import { treeCpuSeconds } from '../proc-tree.js';
import { readStat } from '../proc.js';

/**
 * CPU energy estimated from the CPU time of a process tree (every live member's threads, and
 * children they have reaped) times a per-core power. Method "estimated": there is no counter.
 * The total never goes down: time of a member that is reparented away (a daemon) is kept.
 */
export class ProcessCpuEstimate implements EnergySource {
  readonly name = 'process-cpu-estimate';
  private base = 0;
  private last = 0;
  private readonly issues: string[] = [];

  constructor(
    private readonly opts: { pid?: number; wattsPerCore: number; wattsPerCoreSource: string; cpuModel: string },
  ) {}

  /** Our own reaped-children CPU time at start, where the measured process is our child. */
  private ownChildren0?: number;

  private cpuSeconds(): number | undefined {
    const live = treeCpuSeconds(this.opts.pid ?? process.pid);
    if (live !== undefined || this.ownChildren0 === undefined) return live;
    // Our child has exited and been reaped: its whole tree's time is now in our cutime/cstime.
    const own = readStat('/proc/self/stat');
    return own === undefined ? undefined : own.childrenS - this.ownChildren0;
  }

  async start(): Promise<DomainInfo[]> {
    const pid = this.opts.pid;
    if (pid !== undefined && readStat(`/proc/${pid}/stat`)?.ppid === process.pid) this.ownChildren0 = readStat('/proc/self/stat')?.childrenS;
    const s = this.cpuSeconds();
    if (s === undefined) throw new Error(`cannot read /proc/${this.opts.pid ?? 'self'}/stat`);
    this.base = s;
    this.last = s;
    return [
      {
        device: 'cpu',
        method: 'estimated',
        source: `process-tree CPU time (/proc stat utime+stime+cutime+cstime of every live member) x ${this.opts.wattsPerCore} W per busy core (${this.opts.wattsPerCoreSource}; CPU "${this.opts.cpuModel}")`,
        scope: this.opts.pid === undefined ? 'this kdbench process and its children (all threads, including the sampler)' : `process ${this.opts.pid} and all its descendants`,
        resolution: '10 ms of CPU time (one clock tick) per process',
        uncertainty: {
          relative: 0.5,
          absoluteW: 0,
          basis: 'model estimate: real per-core power depends on frequency, instruction mix and shared uncore power; +/-50 % is the assumed bound, not a measured one',
        },
      },
    ];
  }

  poll(): RawReading[] {
    const s = this.cpuSeconds();
    if (s === undefined) {
      if (this.issues.length < 1) this.issues.push(`process-cpu-estimate: /proc/${this.opts.pid ?? process.pid}/stat unreadable (the process ended); CPU time after that is not counted`);
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
