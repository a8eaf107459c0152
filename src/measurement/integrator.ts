import type { Gap, RawReading, Sample } from './types.js';

interface DeviceState {
  t: number;
  powerW: number;
  energyJ: number;
  /** For cumulative sources: the source's value at our t = first reading. */
  origin?: number;
  lastRaw?: number;
  /** Recent (time, raw value) pairs of a cumulative source, for its power over a minimum span. */
  recent?: { t: number; raw: number }[];
}

/**
 * Power of a cumulative source is its rise over at least this long. A boundary read a few ms after
 * a periodic one would otherwise turn one 10 ms CPU-time tick into a spike of tens of watts
 * (the energy is right either way; only the power trace would mislead).
 */
export const MIN_POWER_SPAN_S = 0.05;

function spanPower(s: DeviceState, t: number, raw: number): number {
  const recent = (s.recent ??= []);
  recent.push({ t, raw });
  let i = recent.length - 2;
  while (i > 0 && t - recent[i].t < MIN_POWER_SPAN_S) i--;
  const ref = recent[Math.max(0, i)];
  if (i > 0) recent.splice(0, i); // keep the reference and what follows
  return t > ref.t ? (raw - ref.raw) / (t - ref.t) : 0;
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
        this.state.set(r.device, {
          t,
          powerW: r.powerW ?? 0,
          energyJ: 0,
          origin: r.energyJ,
          lastRaw: r.energyJ,
          recent: [{ t, raw: r.energyJ }],
        });
        return { t, device: r.device, powerW: r.powerW ?? 0, energyJ: 0, phase };
      }
      if (t <= s.t) return undefined;
      const energyJ = r.energyJ - (s.origin ?? 0);
      const powerW = r.powerW ?? spanPower(s, t, r.energyJ);
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
