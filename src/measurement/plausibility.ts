/**
 * Plausibility of power readings: a reading above what its device can physically draw (or below 0,
 * or not a number) is not a measurement but a fault (a counter that jumped, a broken driver, a fake
 * file). Each device gets a ceiling with its basis: twice the GPU's enforced power limit where the
 * probe read it, else a ceiling stated per kind of source, well above any device of that kind sold
 * today; estimates get theirs from their own model. Readings are kept as they are (nothing is
 * silently dropped); the device and the run are marked, in run.json (meter.implausible and
 * meter.problems) and in the report.
 */
import type { DomainInfo, ImplausibleReadings } from '../core/contract.js';
import type { Sample, SourceSpec } from './types.js';

export type { ImplausibleReadings } from '../core/contract.js';

/** The most a device of each kind can draw, where nothing better is known: stated, with the reason. */
export const STATED_CEILINGS_W = {
  gpu: {
    w: 1500,
    basis: 'stated ceiling for one GPU: the largest single GPUs sold (B200/GB200 modules) are rated 1000 to 1200 W',
  },
  cpuPackage: {
    w: 1000,
    basis: 'stated ceiling for one CPU package: the largest server CPUs are rated up to about 500 W TDP',
  },
  dram: { w: 500, basis: 'stated ceiling for the DRAM of one socket: 16 DIMMs draw well under 300 W' },
  platform: { w: 5000, basis: 'stated ceiling for a whole machine (RAPL psys or another platform domain)' },
} as const;

/** A device's ceiling: readings above maxW are implausible. */
export interface PowerCeiling {
  device: string;
  maxW: number;
  basis: string;
}

/** What the ceilings are computed from: the run's sources and the machine's inventory. */
export interface PlausibilityFacts {
  sources?: SourceSpec[];
  /** GPUs with their enforced power limit where the probe read it. */
  gpus?: { index?: number; powerLimitW?: number }[];
  logicalCores?: number;
  memoryBytes?: number;
}

/** One ceiling per measured device. */
export function powerCeilings(domains: DomainInfo[], facts: PlausibilityFacts = {}): PowerCeiling[] {
  const cpuEst = facts.sources?.find((s) => s.kind === 'process-cpu-estimate');
  const dramEst = facts.sources?.find((s) => s.kind === 'process-dram-estimate');
  return domains.map((d): PowerCeiling => {
    const gpu = /^gpu:(\d+)$/.exec(d.device);
    if (gpu) {
      const limit = facts.gpus?.find((g) => g.index === Number(gpu[1]))?.powerLimitW;
      if (limit !== undefined && Number.isFinite(limit) && limit > 0)
        return { device: d.device, maxW: 2 * limit, basis: `twice the enforced power limit of ${limit} W read from the driver` };
      return { device: d.device, maxW: STATED_CEILINGS_W.gpu.w, basis: STATED_CEILINGS_W.gpu.basis };
    }
    if (d.method === 'estimated' && cpuEst?.kind === 'process-cpu-estimate' && d.device === 'cpu' && facts.logicalCores) {
      const w = cpuEst.wattsPerCore * facts.logicalCores;
      return {
        device: d.device,
        maxW: 2 * w,
        basis: `twice the estimate's own maximum: ${cpuEst.wattsPerCore.toFixed(2)} W x ${facts.logicalCores} logical CPUs all busy`,
      };
    }
    if (d.method === 'estimated' && dramEst?.kind === 'process-dram-estimate' && d.device === 'dram' && facts.memoryBytes) {
      const w = dramEst.wattsPerGB * (facts.memoryBytes / 1e9);
      return {
        device: d.device,
        maxW: 2 * w,
        basis: `twice the estimate's own maximum: ${dramEst.wattsPerGB} W/GB x ${(facts.memoryBytes / 1e9).toFixed(1)} GB, all memory in use`,
      };
    }
    if (d.device.startsWith('dram')) return { device: d.device, maxW: STATED_CEILINGS_W.dram.w, basis: STATED_CEILINGS_W.dram.basis };
    if (d.device.startsWith('cpu'))
      return { device: d.device, maxW: STATED_CEILINGS_W.cpuPackage.w, basis: STATED_CEILINGS_W.cpuPackage.basis };
    return { device: d.device, maxW: STATED_CEILINGS_W.platform.w, basis: STATED_CEILINGS_W.platform.basis };
  });
}

/** Negative power within this much of 0 is rounding (a counter read twice in the same microsecond), not a fault. */
const NEGATIVE_TOLERANCE_W = 0.5;

/** The devices whose readings left [0, ceiling], with counts, the extreme and the first time; and one problem line each. */
export function checkPlausibility(samples: Sample[], ceilings: PowerCeiling[]): { implausible: ImplausibleReadings[]; problems: string[] } {
  const byDevice = new Map(ceilings.map((c) => [c.device, c]));
  const found = new Map<string, ImplausibleReadings>();
  for (const s of samples) {
    const c = byDevice.get(s.device);
    if (!c) continue;
    const p = s.powerW;
    const bad = !Number.isFinite(p) || p > c.maxW || p < -NEGATIVE_TOLERANCE_W;
    if (!bad) continue;
    let r = found.get(s.device);
    if (!r) {
      r = { device: s.device, ceilingW: c.maxW, basis: c.basis, count: 0, maxW: p, minW: p, firstT: s.t, lastT: s.t };
      found.set(s.device, r);
    }
    r.count++;
    if (Number.isFinite(p)) {
      r.maxW = Number.isFinite(r.maxW) ? Math.max(r.maxW, p) : p;
      r.minW = Number.isFinite(r.minW) ? Math.min(r.minW, p) : p;
    }
    r.lastT = s.t;
  }
  const implausible = [...found.values()];
  const problems = implausible.map(describeImplausible);
  return { implausible, problems };
}

const fmtW = (w: number) => (Number.isFinite(w) ? (Math.abs(w) >= 1e5 ? w.toExponential(2) : w.toFixed(1)) : String(w));

/** One line: which device, how far out, how often, and what that means for its figures. */
export function describeImplausible(r: ImplausibleReadings): string {
  const range = r.maxW > r.ceilingW ? `up to ${fmtW(r.maxW)} W` : `down to ${fmtW(r.minW)} W`;
  return (
    `IMPLAUSIBLE readings: ${r.device} read ${range} in ${r.count} reading(s) from t = ${r.firstT.toFixed(2)} s to ${r.lastT.toFixed(2)} s, ` +
    `outside 0 to ${fmtW(r.ceilingW)} W (${r.basis}); its energy figures are kept but not trustworthy`
  );
}
