import type { DomainInfo, EnergySource, RawReading } from '../../types.js';
import { Nvml } from './binding.js';

/**
 * GPU energy from NVML's total-energy counter (nvmlDeviceGetTotalEnergyConsumption, mJ since the
 * driver loaded), read every interval and at each phase boundary; the energy of a window is the
 * difference of two reads (method "counter"). nvmlDeviceGetPowerUsage goes into the trace as the
 * power column. select.ts routes GPUs without the counter to nvidia-smi instead.
 */
export class NvmlSource implements EnergySource {
  readonly name = 'nvml';
  private nvml?: Nvml;
  private readonly issues: string[] = [];
  /** GPUs whose last read failed: their next good reading is marked as following a gap. */
  private readonly failing = new Set<number>();
  private powerOk = true;
  private gpus: number[];

  constructor(private readonly opts: { library: string; gpus: number[] }) {
    this.gpus = opts.gpus;
  }

  async start(): Promise<DomainInfo[]> {
    const nvml = Nvml.open(this.opts.library);
    this.nvml = nvml;
    const domains: DomainInfo[] = [];
    const usable: number[] = [];
    for (const index of this.opts.gpus) {
      let g;
      try {
        g = nvml.gpu(index);
        nvml.energyMj(index); // fails here, not mid-run, if the counter is missing
      } catch (e) {
        this.issues.push(`nvml: GPU ${index} NOT MEASURED: its energy counter failed at start (${(e as Error).message})`);
        continue;
      }
      usable.push(index);
      domains.push({
        device: `gpu:${index}`,
        method: 'counter',
        source: `NVML nvmlDeviceGetTotalEnergyConsumption (${g.name}, ${g.uuid}), difference of reads at window boundaries`,
        scope: 'the whole GPU (all processes on it)',
        resolution: '1 mJ; the driver updates the counter every ~10-100 ms',
        uncertainty: {
          relative: 0,
          absoluteW: 5,
          stalenessS: 0.1,
          basis:
            "NVIDIA states its power readings are accurate to +/-5 W and the counter integrates the same sensor; a read at a window boundary may be up to ~100 ms old (the counter's update period)",
        },
      });
    }
    if (usable.length === 0) {
      this.stop();
      throw new Error(this.issues.join('; '));
    }
    this.gpus = usable;
    return domains;
  }

  poll(): RawReading[] {
    const nvml = this.nvml;
    if (!nvml) return [];
    const out: RawReading[] = [];
    for (const index of this.gpus) {
      const device = `gpu:${index}`;
      let energyJ: number;
      try {
        energyJ = nvml.energyMj(index) / 1000;
      } catch (e) {
        if (!this.failing.has(index))
          this.issues.push(
            `nvml: GPU ${index}: ${(e as Error).message}; the counter keeps counting, so the next good read still gives the energy in between`,
          );
        this.failing.add(index);
        continue;
      }
      let powerW: number | undefined;
      if (this.powerOk) {
        try {
          powerW = nvml.powerMw(index) / 1000;
        } catch (e) {
          this.powerOk = false;
          this.issues.push(
            `nvml: power reading unavailable (${(e as Error).message}); the trace's power column is the counter's difference quotient`,
          );
        }
      }
      this.failing.delete(index);
      out.push({ device, energyJ, ...(powerW === undefined ? {} : { powerW }) });
    }
    return out;
  }

  problems(): string[] {
    return this.issues;
  }

  stop(): void {
    try {
      this.nvml?.close();
    } catch (e) {
      this.issues.push(`nvml: shutdown: ${(e as Error).message}`);
    }
    this.nvml = undefined;
  }
}
