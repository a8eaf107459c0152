import type { DomainInfo, EnergySource, RawReading } from '../types.js';
import { readStat } from '../proc.js';

/**
 * CPU energy estimated from the CPU time of a process (all its threads plus reaped children)
 * times a per-core power. Method "estimated": there is no counter on this machine.
 */
export class ProcessCpuEstimate implements EnergySource {
  readonly name = 'process-cpu-estimate';
  private base = 0;
  private readonly issues: string[] = [];

  constructor(
    private readonly opts: { pid?: number; wattsPerCore: number; wattsPerCoreSource: string; cpuModel: string },
  ) {}

  private cpuSeconds(): number | undefined {
    const s = readStat(`/proc/${this.opts.pid ?? 'self'}/stat`);
    return s === undefined ? undefined : s.selfS + s.childrenS;
  }

  async start(): Promise<DomainInfo[]> {
    const s = this.cpuSeconds();
    if (s === undefined) throw new Error(`cannot read /proc/${this.opts.pid ?? 'self'}/stat`);
    this.base = s;
    return [
      {
        device: 'cpu',
        method: 'estimated',
        source: `process CPU time (/proc stat utime+stime+cutime+cstime) x ${this.opts.wattsPerCore} W per busy core (${this.opts.wattsPerCoreSource}; CPU "${this.opts.cpuModel}")`,
        scope: this.opts.pid === undefined ? 'this kdbench process (all threads, including the sampler)' : `process ${this.opts.pid} and its reaped children`,
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
      if (this.issues.length < 5) this.issues.push('process-cpu-estimate: /proc stat unreadable (process gone?)');
      return [];
    }
    return [{ device: 'cpu', energyJ: (s - this.base) * this.opts.wattsPerCore }];
  }

  problems(): string[] {
    return this.issues;
  }

  stop(): void {}
}
