import type { DomainInfo, Method, Sample, Trace } from './types.js';

/** A named span on the meter's clock. */
export interface Window {
  name: string;
  t0: number;
  t1: number;
}

export interface DomainEnergy {
  device: string;
  energyJ: number;
  method: Method;
  source: string;
  /** Bound on the error of energyJ, joules (see DomainInfo.uncertainty). */
  uncertaintyJ: number;
  /** Share of the window covered by this device's samples (1 = fully). */
  coverage: number;
  /** Idle-baseline power times the window's duration, where a baseline was measured. */
  idleJ?: number;
}

export interface WindowEnergy {
  name: string;
  t0: number;
  t1: number;
  durationS: number;
  energyJ: number;
  uncertaintyJ: number;
  /** Energy net of the idle baseline (gross minus baseline power x duration); undefined without baseline. */
  netEnergyJ?: number;
  domains: DomainEnergy[];
}

/** Samples of one device, in time order, for interpolation. */
export class DeviceSeries {
  readonly t: Float64Array;
  readonly e: Float64Array;
  constructor(samples: Sample[]) {
    this.t = Float64Array.from(samples, (s) => s.t);
    this.e = Float64Array.from(samples, (s) => s.energyJ);
  }

  /** Cumulative energy at time t, linearly interpolated; held constant outside the sampled range. */
  at(t: number): number {
    const { t: ts, e } = this;
    const n = ts.length;
    if (n === 0) return 0;
    if (t <= ts[0]) return e[0];
    if (t >= ts[n - 1]) return e[n - 1];
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (ts[mid] <= t) lo = mid;
      else hi = mid;
    }
    const f = (t - ts[lo]) / (ts[hi] - ts[lo]);
    return e[lo] + f * (e[hi] - e[lo]);
  }

  /** The part of [t0, t1] inside the sampled range, as a share of the window. */
  coverage(t0: number, t1: number): number {
    const n = this.t.length;
    if (n === 0 || t1 <= t0) return n === 0 ? 0 : 1;
    const a = Math.max(t0, this.t[0]);
    const b = Math.min(t1, this.t[n - 1]);
    return Math.max(0, b - a) / (t1 - t0);
  }
}

export function seriesByDevice(trace: Trace): Map<string, DeviceSeries> {
  const by = new Map<string, Sample[]>();
  for (const d of trace.domains) by.set(d.device, []);
  for (const s of trace.samples) by.get(s.device)?.push(s);
  return new Map([...by].map(([k, v]) => [k, new DeviceSeries(v)]));
}

function domainEnergy(d: DomainInfo, series: DeviceSeries, w: Window, idleW?: number): DomainEnergy {
  const energyJ = series.at(w.t1) - series.at(w.t0);
  const dur = w.t1 - w.t0;
  return {
    device: d.device,
    energyJ,
    method: d.method,
    source: d.source,
    uncertaintyJ: d.uncertainty.relative * Math.abs(energyJ) + d.uncertainty.absoluteW * dur,
    coverage: series.coverage(w.t0, w.t1),
    ...(idleW === undefined ? {} : { idleJ: idleW * dur }),
  };
}

/**
 * Energy per device in each window. Windows that share boundaries add up exactly to the window
 * that spans them, because every figure is a difference of one interpolated cumulative series.
 */
export function energyByWindow(trace: Trace, windows: Window[], idlePowerW?: Map<string, number>): WindowEnergy[] {
  const series = seriesByDevice(trace);
  return windows.map((w) => {
    const domains = trace.domains.map((d) => domainEnergy(d, series.get(d.device)!, w, idlePowerW?.get(d.device)));
    const energyJ = domains.reduce((a, d) => a + d.energyJ, 0);
    const uncertaintyJ = domains.reduce((a, d) => a + d.uncertaintyJ, 0);
    const netEnergyJ = idlePowerW ? domains.reduce((a, d) => a + d.energyJ - (d.idleJ ?? 0), 0) : undefined;
    return { name: w.name, t0: w.t0, t1: w.t1, durationS: w.t1 - w.t0, energyJ, uncertaintyJ, netEnergyJ, domains };
  });
}

/** Mean power per device over a window (the idle baseline). */
export function meanPower(trace: Trace, w: Window): Map<string, number> {
  const series = seriesByDevice(trace);
  const dur = w.t1 - w.t0;
  return new Map([...series].map(([dev, s]) => [dev, dur > 0 ? (s.at(w.t1) - s.at(w.t0)) / dur : 0]));
}
