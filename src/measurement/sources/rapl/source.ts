import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DomainInfo, EnergySource, RawReading, RaplZoneSpec } from '../../types.js';

interface ZoneState {
  spec: RaplZoneSpec;
  path: string;
  last?: number;
  /** Joules added by wraparounds so far. */
  wrappedUj: number;
  failing: boolean;
}

/**
 * CPU package and DRAM energy from RAPL counters (powercap energy_uj, microjoules). A read lower
 * than the previous one is a wraparound: max_energy_range_uj is added (so the meter must poll at
 * least once per wrap period: minutes at full load on every CPU we know). Method "counter".
 */
export class RaplSource implements EnergySource {
  readonly name = 'rapl';
  private readonly zones: ZoneState[];
  private readonly issues: string[] = [];

  constructor(private readonly opts: { root: string; zones: RaplZoneSpec[] }) {
    this.zones = opts.zones.map((spec) => ({ spec, path: join(opts.root, spec.zone, 'energy_uj'), wrappedUj: 0, failing: false }));
  }

  async start(): Promise<DomainInfo[]> {
    if (this.zones.length === 0) throw new Error('no RAPL zone to read');
    for (const z of this.zones) z.last = this.readUj(z.path);
    return this.zones.map((z) => ({
      device: z.spec.device,
      method: 'counter' as const,
      source: `RAPL powercap ${z.spec.zone}/energy_uj (wraps at ${z.spec.maxRangeUj} uJ)`,
      scope: z.spec.device.startsWith('dram')
        ? 'the whole DRAM of this socket (all processes)'
        : 'the whole CPU package (all processes on this socket)',
      resolution: '1 uJ as exposed (hardware energy unit ~15-61 uJ); updated about every 1 ms',
      uncertainty: {
        relative: 0.05,
        absoluteW: 0,
        stalenessS: 0.001,
        basis:
          "RAPL is the CPU's own energy estimate, not a calibrated meter: +/-5 % assumed (not measured by kdbench); reads at a boundary may be ~1 ms old",
      },
    }));
  }

  private readUj(path: string): number {
    const text = readFileSync(path, 'utf8').trim();
    // Number('') is 0: an empty read would look like a counter back at 0 (a phantom wrap or reset).
    const v = text === '' ? NaN : Number(text);
    if (!Number.isFinite(v)) throw new Error(`${path}: not a number`);
    return v;
  }

  poll(): RawReading[] {
    const out: RawReading[] = [];
    for (const z of this.zones) {
      let v: number;
      try {
        v = this.readUj(z.path);
      } catch (e) {
        if (!z.failing && this.issues.length < 20) this.issues.push(`rapl: ${z.spec.zone}: ${(e as Error).message}`);
        z.failing = true;
        continue;
      }
      if (z.last !== undefined && v < z.last) {
        if (z.spec.maxRangeUj > 0) z.wrappedUj += z.spec.maxRangeUj;
        else {
          z.wrappedUj += z.last; // treat it as a reset to 0: the part of the range above `last` is lost
          if (this.issues.length < 20) this.issues.push(`rapl: ${z.spec.zone} went down without a known range; treated as a reset to 0`);
        }
      }
      z.last = v;
      // A counter keeps counting while reads fail: no energy is lost (as long as it wrapped at most once).
      z.failing = false;
      out.push({ device: z.spec.device, energyJ: (z.wrappedUj + v) / 1e6 });
    }
    return out;
  }

  problems(): string[] {
    return this.issues;
  }

  stop(): void {}
}
