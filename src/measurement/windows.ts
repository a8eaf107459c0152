import type { DomainInfo, Gap, Sample, Trace } from './types.js';
import type { DomainEnergy } from '../core/contract.js';
export type { DomainEnergy } from '../core/contract.js';

/** A named span on the meter's clock. */
export interface Window {
  name: string;
  t0: number;
  t1: number;
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
  readonly p: Float64Array;
  /** Highest power seen on this device (bounds what a gap can have hidden). */
  readonly peakW: number;
  constructor(samples: Sample[]) {
    this.t = Float64Array.from(samples, (s) => s.t);
    this.e = Float64Array.from(samples, (s) => s.energyJ);
    this.p = Float64Array.from(samples, (s) => s.powerW);
    this.peakW = this.p.reduce((a, x) => Math.max(a, Math.abs(x)), 0);
  }

  /**
   * Bound on the trapezoid rule's error in [t0, t1] for power sampled at discrete times, assuming
   * power moves monotonically between two samples: half the change of power times the spacing,
   * summed over the sample intervals (the gap between the left and right Riemann sums, halved).
   */
  spacingErrorJ(t0: number, t1: number): number {
    const { t: ts, p } = this;
    let err = 0;
    for (let i = 1; i < ts.length; i++) {
      const a = Math.max(t0, ts[i - 1]);
      const b = Math.min(t1, ts[i]);
      if (b > a) err += (Math.abs(p[i] - p[i - 1]) / 2) * (b - a);
    }
    return err;
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

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/**
 * Energy of one device in one window and its error bound: the source's own model (relative and
 * absolute terms, counter staleness at both boundaries), for sampled power the sample-spacing
 * bound, and for time the trace does not cover or that bridges an outage, that time at the
 * device's peak power.
 */
export function domainEnergy(d: DomainInfo, series: DeviceSeries, w: Window, idleW?: number, gaps: Gap[] = []): DomainEnergy {
  const energyJ = series.at(w.t1) - series.at(w.t0);
  const dur = w.t1 - w.t0;
  const coverage = series.coverage(w.t0, w.t1);
  const bridged = gaps.filter((g) => g.device === d.device).reduce((a, g) => a + overlap(g.t0, g.t1, w.t0, w.t1), 0);
  const gapS = bridged + (1 - coverage) * Math.max(0, dur);
  const u = d.uncertainty;
  const meanW = dur > 0 ? Math.abs(energyJ) / dur : 0;
  const uncertaintyJ =
    u.relative * Math.abs(energyJ) +
    u.absoluteW * dur +
    Math.min(2 * (u.stalenessS ?? 0) * meanW, Math.abs(energyJ)) +
    (d.method === 'sampled' ? series.spacingErrorJ(w.t0, w.t1) : 0) +
    gapS * series.peakW;
  return {
    device: d.device,
    energyJ,
    method: d.method,
    source: d.source,
    uncertaintyJ,
    coverage,
    ...(idleW === undefined ? {} : { idleJ: idleW * dur }),
    ...(gapS > 1e-3 ? { gapS } : {}),
  };
}

/**
 * Energy per device in each window. Windows that share boundaries add up exactly to the window
 * that spans them, because every figure is a difference of one interpolated cumulative series.
 */
export function energyByWindow(
  trace: Trace,
  windows: Window[],
  idlePowerW?: Map<string, number>,
  series = seriesByDevice(trace),
): WindowEnergy[] {
  return windows.map((w) => {
    const domains = trace.domains.map((d) => domainEnergy(d, series.get(d.device)!, w, idlePowerW?.get(d.device), trace.gaps));
    const energyJ = domains.reduce((a, d) => a + d.energyJ, 0);
    const uncertaintyJ = domains.reduce((a, d) => a + d.uncertaintyJ, 0);
    const netEnergyJ = idlePowerW ? domains.reduce((a, d) => a + d.energyJ - (d.idleJ ?? 0), 0) : undefined;
    return { name: w.name, t0: w.t0, t1: w.t1, durationS: w.t1 - w.t0, energyJ, uncertaintyJ, netEnergyJ, domains };
  });
}

/** Mean power per device over a window (the idle baseline). */
export function meanPower(trace: Trace, w: Window, series = seriesByDevice(trace)): Map<string, number> {
  const dur = w.t1 - w.t0;
  return new Map([...series].map(([dev, s]) => [dev, dur > 0 ? (s.at(w.t1) - s.at(w.t0)) / dur : 0]));
}
