import type { DomainInfo, EnergySource, RawReading } from '../types.js';
import { treeRssBytes } from '../proc-tree.js';

/** DRAM power estimated from the resident memory of a process tree times a power per GB. Method "estimated". */
export class ProcessDramEstimate implements EnergySource {
  readonly name = 'process-dram-estimate';
  private readonly issues: string[] = [];

  constructor(private readonly opts: { pid?: number; wattsPerGB: number; wattsPerGBSource: string }) {}

  async start(): Promise<DomainInfo[]> {
    if (treeRssBytes(this.opts.pid ?? process.pid) === undefined) throw new Error(`cannot read /proc/${this.opts.pid ?? process.pid}/statm`);
    return [
      {
        device: 'dram',
        method: 'estimated',
        source: `resident memory of the process tree (/proc statm) x ${this.opts.wattsPerGB} W/GB (${this.opts.wattsPerGBSource})`,
        scope: this.opts.pid === undefined ? 'memory resident in this kdbench process and its children' : `memory resident in process ${this.opts.pid} and its descendants`,
        resolution: 'one 4 KiB page per process, sampled each interval',
        uncertainty: {
          relative: 0.5,
          absoluteW: 0,
          basis: 'model estimate: DRAM power per GB varies with technology and traffic; +/-50 % assumed',
        },
      },
    ];
  }

  poll(): RawReading[] {
    const rss = treeRssBytes(this.opts.pid ?? process.pid);
    if (rss === undefined) {
      if (this.issues.length < 1) this.issues.push(`process-dram-estimate: /proc/${this.opts.pid ?? process.pid}/statm unreadable (the process ended)`);
      return [];
    }
    return [{ device: 'dram', powerW: (rss / 1e9) * this.opts.wattsPerGB }];
  }

  problems(): string[] {
    return this.issues;
  }

  stop(): void {}
}
