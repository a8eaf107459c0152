/**
 * Embodied carbon: the manufacturing emissions of the devices used, spread evenly over their
 * service life and charged for the run's duration (g = kgCO2e x 1000 x count x duration / lifetime).
 *
 * kdbench ships no default footprints: vendors publish product carbon footprints for some systems
 * (whole servers or boards, with their own scopes and assumptions), not a per-device figure we can
 * apply to any machine, so the user states them: `--embodied NAME=MASS:LIFETIME[:xCOUNT]`, e.g.
 * `--embodied gpu=150kg:5y:x8 --embodied server=1300kg:4y` (repeatable).
 */
import { UserError } from '../core/errors.js';
import { parseDuration, parseMass } from './units.js';
import type { EmbodiedDevice, EmbodiedRecord } from '../core/contract.js';
export type { EmbodiedDevice, EmbodiedRecord, EmbodiedShare } from '../core/contract.js';

const YEAR_S = 365.25 * 86400;
const FORM = 'expected NAME=MASS:LIFETIME[:xCOUNT], e.g. gpu=150kg:5y or gpu=150kg:5y:x8';

export function parseEmbodied(spec: string): EmbodiedDevice {
  const m = /^\s*([A-Za-z0-9_.-]+)\s*=\s*([^:]+):([^:]+)(?::\s*[xX]\s*(\d+)\s*)?$/.exec(spec);
  if (!m) throw new UserError(`--embodied ${spec}: ${FORM}`);
  const kg = parseMass('embodied', m[2]) / 1000;
  const lifeS = parseDuration('embodied', m[3]);
  if (lifeS <= 0) throw new UserError(`--embodied ${spec}: the lifetime must be more than 0`);
  if (lifeS < 86400) throw new UserError(`--embodied ${spec}: the lifetime must be at least a day (1d); a device's service life is years`);
  const count = m[4] === undefined ? 1 : Number(m[4]);
  if (!Number.isInteger(count) || count < 1 || count > 1e6)
    throw new UserError(`--embodied ${spec}: the count must be a whole number from 1 to 1000000`);
  return { name: m[1], kgCO2e: kg, lifetimeYears: lifeS / YEAR_S, count };
}

export function embodiedFor(devices: EmbodiedDevice[], durationS: number): EmbodiedRecord {
  const shares = devices.map((d) => ({ ...d, gCO2e: (d.kgCO2e * 1000 * d.count * Math.max(0, durationS)) / (d.lifetimeYears * YEAR_S) }));
  return {
    included: devices.length > 0,
    durationS,
    devices: shares,
    gCO2e: shares.reduce((a, d) => a + d.gCO2e, 0),
    method: 'kgCO2e x 1000 x count x run duration / service lifetime (straight-line; a year is 365.25 days)',
    source:
      devices.length > 0
        ? 'footprints and lifetimes given with --embodied'
        : "not included: no --embodied given, and kdbench ships no default device footprints (no public per-device figure fits every machine; use the vendor's product carbon footprint)",
  };
}
