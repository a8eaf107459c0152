/** Synthetic traces for the carbon tests: devices at known, piecewise-constant power. */
import type { Trace } from '../../src/measurement/types.js';

/**
 * A trace starting at `startWallMs` where each device draws `segments` of [durationS, watts] in turn,
 * sampled every `stepS` seconds (cumulative energy is exact at every sample).
 */
export function piecewiseTrace(startWallMs: number, devices: Record<string, [number, number][]>, stepS = 60): Trace {
  const samples: Trace['samples'] = [];
  for (const [device, segments] of Object.entries(devices)) {
    let t = 0;
    let e = 0;
    samples.push({ t: 0, device, powerW: segments[0][1], energyJ: 0, phase: 'p' });
    for (const [dur, w] of segments) {
      const end = t + dur;
      while (t < end - 1e-9) {
        const dt = Math.min(stepS, end - t);
        t += dt;
        e += w * dt;
        samples.push({ t, device, powerW: w, energyJ: e, phase: 'p' });
      }
    }
  }
  samples.sort((a, b) => a.t - b.t);
  return {
    startWallMs,
    domains: Object.keys(devices).map((device) => ({
      device,
      method: 'counter',
      source: 'test',
      scope: 'test',
      uncertainty: { relative: 0, absoluteW: 0, basis: 'test' },
    })),
    samples,
    problems: [],
    samplerCpuS: 0,
    intervalMs: stepS * 1000,
  };
}

export const KWH = 3.6e6;
