import type { Gap, RawReading, Sample } from './types.js';

interface DeviceState {
  t: number;
  powerW: number;
  energyJ: number;
  /** For cumulative sources: the source's value at our t = first reading. */
  origin?: number;
  lastRaw?: number;
}

/**
 * Turns raw readings into samples with both power and cumulative energy per device.
 * Cumulative readings (counters, CPU-time models) give energy directly and power as the difference
 * quotient (or the power the source reported alongside); power readings are integrated with the
 * trapezoid rule. A reading marked `afterGap` still bridges the outage (trapezoid between the last
 * reading before and the first after) but the outage is recorded in `gaps`, so that windows.ts
 * counts its time into the uncertainty instead of trusting the bridge silently.
 */
export class Integrator {
  private readonly state = new Map<string, DeviceState>();
  readonly gaps: Gap[] = [];

  add(r: RawReading, now: number, phase: string): Sample | undefined {
    const t = r.t ?? now;
    const s = this.state.get(r.device);
    if (s && r.afterGap && t > s.t) this.gaps.push({ device: r.device, t0: s.t, t1: t });
    if (r.energyJ !== undefined) {
      if (!s) {
        this.state.set(r.device, { t, powerW: r.powerW ?? 0, energyJ: 0, origin: r.energyJ, lastRaw: r.energyJ });
        return { t, device: r.device, powerW: r.powerW ?? 0, energyJ: 0, phase };
      }
      if (t <= s.t) return undefined;
      const energyJ = r.energyJ - (s.origin ?? 0);
      const powerW = r.powerW ?? (r.energyJ - (s.lastRaw ?? r.energyJ)) / (t - s.t);
      Object.assign(s, { t, powerW, energyJ, lastRaw: r.energyJ });
      return { t, device: r.device, powerW, energyJ, phase };
    }
    if (r.powerW !== undefined) {
      if (!s) {
        this.state.set(r.device, { t, powerW: r.powerW, energyJ: 0 });
        return { t, device: r.device, powerW: r.powerW, energyJ: 0, phase };
      }
      if (t <= s.t) return undefined;
      const energyJ = s.energyJ + ((s.powerW + r.powerW) / 2) * (t - s.t);
      Object.assign(s, { t, powerW: r.powerW, energyJ });
      return { t, device: r.device, powerW: r.powerW, energyJ, phase };
    }
    return undefined;
  }
}
