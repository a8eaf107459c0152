import type { DomainInfo, EnergySource, RawReading } from '../../types.js';
import { treeRssBytes } from '../../proc-tree.js';

/**
 * DRAM power estimated from the resident memory of a process tree times a power per GB
 * (method "estimated"). Shared pages count once per process, so this errs high for forked workers.
 */
export class ProcessDramEstimate implements EnergySource {
  readonly name = 'process-dram-estimate';
  private pid?: number;
  private ended = false;
  private readonly issues: string[] = [];

  constructor(private readonly opts: { pid?: number; attach?: boolean; wattsPerGB: number; wattsPerGBSource: string }) {
    this.pid = opts.attach ? undefined : (opts.pid ?? process.pid);
  }

  async start(): Promise<DomainInfo[]> {
    if (this.pid !== undefined && treeRssBytes(this.pid) === undefined) throw new Error(`cannot read /proc/${this.pid}/statm`);
    const scope = this.opts.attach
      ? 'memory resident in the measured command and its descendants'
      : this.opts.pid === undefined
        ? 'memory resident in this kdbench process and its children'
        : `memory resident in process ${this.opts.pid} and its descendants`;
    return [
      {
        device: 'dram',
        method: 'estimated',
        source: `resident memory of the process tree (/proc statm) x ${this.opts.wattsPerGB} W/GB (${this.opts.wattsPerGBSource})`,
        scope,
        resolution: 'one page per process, sampled each interval',
        uncertainty: {
          relative: 0.5,
          absoluteW: 0,
          basis: 'model estimate: DRAM power per GB varies with technology and traffic; +/-50 % assumed',
        },
      },
    ];
  }

  attach(pid: number): void {
    if (this.opts.attach && this.pid === undefined) this.pid = pid;
  }

  poll(): RawReading[] {
    if (this.pid === undefined) return [{ device: 'dram', powerW: 0 }];
    if (this.ended) return [];
    const rss = treeRssBytes(this.pid);
    if (rss === undefined) {
      // The process ended: it holds no memory any more. One reading of 0 W closes the series.
      this.ended = true;
      return [{ device: 'dram', powerW: 0 }];
    }
    return [{ device: 'dram', powerW: (rss / 1e9) * this.opts.wattsPerGB }];
  }

  problems(): string[] {
    return this.issues;
  }

  stop(): void {}
}
