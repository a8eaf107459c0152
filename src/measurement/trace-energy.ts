/**
 * Energy of a whole trace (all devices) as a function of meter time: the sum of each device's
 * cumulative energy, interpolated by the meter's own DeviceSeries, so carbon and phase energies
 * agree exactly. Energy between two times is a difference of this function.
 */
import type { Sample, Trace } from './types.js';
import { DeviceSeries } from './windows.js';

export type CumulativeEnergy = (t: number) => number;

/** What carbon/ needs of a trace to apply an hourly intensity series: wall time at t = 0 and energy so far at t. */
export interface EnergyTimeline {
  startWallMs: number;
  energyAt: CumulativeEnergy;
}

export function energyTimeline(trace: Trace): EnergyTimeline {
  return { startWallMs: trace.startWallMs, energyAt: cumulativeEnergy(trace) };
}

/** Every device that has samples, including ones the trace lists no domain for (a synthetic trace). */
export function cumulativeEnergy(trace: Trace): CumulativeEnergy {
  const by = new Map<string, Sample[]>();
  for (const s of trace.samples) {
    const list = by.get(s.device);
    if (list) list.push(s);
    else by.set(s.device, [s]);
  }
  const parts = [...by.values()].map((samples) => new DeviceSeries(samples));
  return (t) => parts.reduce((sum, d) => sum + d.at(t), 0);
}
