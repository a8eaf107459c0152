/**
 * Energy of a whole trace (all devices) as a function of meter time: the sum of each device's
 * cumulative energy, linearly interpolated between samples and held constant outside them.
 * Energy between two times is a difference of this function.
 */
import type { Trace } from '../measurement/types.js';

export type CumulativeEnergy = (t: number) => number;

function interpolator(ts: number[], es: number[]): CumulativeEnergy {
  const n = ts.length;
  return (t) => {
    if (n === 0) return 0;
    if (t <= ts[0]) return es[0];
    if (t >= ts[n - 1]) return es[n - 1];
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (ts[mid] <= t) lo = mid;
      else hi = mid;
    }
    const span = ts[hi] - ts[lo];
    return span > 0 ? es[lo] + ((t - ts[lo]) / span) * (es[hi] - es[lo]) : es[hi];
  };
}

export function cumulativeEnergy(trace: Trace): CumulativeEnergy {
  const by = new Map<string, { t: number[]; e: number[] }>();
  for (const s of trace.samples) {
    let d = by.get(s.device);
    if (!d) by.set(s.device, (d = { t: [], e: [] }));
    d.t.push(s.t);
    d.e.push(s.energyJ);
  }
  const parts = [...by.values()].map((d) => interpolator(d.t, d.e));
  return (t) => parts.reduce((sum, f) => sum + f(t), 0);
}
