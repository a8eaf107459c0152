/** Warnings a reader must see before any figure: devices whose readings were physically implausible (measurement/plausibility.ts). */
import type { RunJson } from '../../core/contract.js';
import { warning, type Block } from '../doc.js';
import { sig } from '../format.js';

export function implausibleWarnings(run: RunJson): Block[] {
  return (run.meter?.implausible ?? []).map((r) =>
    warning(
      { b: `IMPLAUSIBLE READINGS on ${r.device}: ` },
      `${r.count} reading(s) outside 0 to ${sig(r.ceilingW)} W (${r.basis}), ` +
        `${r.maxW > r.ceilingW ? `up to ${sig(r.maxW)} W` : `down to ${sig(r.minW)} W`}, from ${sig(r.firstT)} s to ${sig(r.lastT)} s. ` +
        `The energy and CO2e figures that include ${r.device} are not trustworthy.`,
    ),
  );
}
