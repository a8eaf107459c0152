import type { DomainInfo, EnergySource, RawReading } from '../types.js';
import { readRssBytes } from '../proc.js';

/** DRAM power estimated from the resident memory of a process times a power per GB. Method "estimated". */
export class ProcessDramEstimate implements EnergySource {
  readonly name = 'process-dram-estimate';
  private readonly issues: string[] = [];

  constructor(private readonly opts: { pid?: number; wattsPerGB: number; wattsPerGBSource: string }) {}

  async start(): Promise<DomainInfo[]> {
    if (readRssBytes(this.opts.pid ?? 'self') === undefined) throw new Error('cannot read /proc statm');
    return [
      {
        device: 'dram',
        method: 'estimated',
        source: `resident memory (/proc statm) x ${this.opts.wattsPerGB} W/GB (${this.opts.wattsPerGBSource})`,
        scope: this.opts.pid === undefined ? 'memory resident in this kdbench process' : `memory resident in process ${this.opts.pid}`,
        uncertainty: {
          relative: 0.5,
          absoluteW: 0,
          basis: 'model estimate: DRAM power per GB varies with technology and traffic; +/-50 % assumed',
        },
      },
    ];
  }

  poll(): RawReading[] {
    const rss = readRssBytes(this.opts.pid ?? 'self');
    if (rss === undefined) {
      if (this.issues.length < 5) this.issues.push('process-dram-estimate: /proc statm unreadable');
      return [];
    }
    return [{ device: 'dram', powerW: (rss / 1e9) * this.opts.wattsPerGB }];
  }

  problems(): string[] {
    return this.issues;
  }

  stop(): void {}
}
