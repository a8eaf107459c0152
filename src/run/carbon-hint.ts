import type { RunJson } from '../core/contract.js';

/**
 * One line for the end of a run whose carbon fell back to the world-average intensity (no region
 * given): how to name the grid next time, and the command that converts this run's energy without
 * running it again. undefined where the run's carbon did not fall back.
 */
export function carbonHint(run: RunJson): string | undefined {
  const c = run.carbon;
  if (!c?.fallback) return undefined;
  const head = `no --region given, so CO2e uses the world-average grid intensity (${Number(c.intensityGCO2ePerKWh.toPrecision(4))} gCO2e/kWh); add --region CODE (e.g. DE, FRA, US-CAL-CISO) for your grid`;
  const energyJ = run.totals?.energyJ;
  if (energyJ === undefined || !Number.isFinite(energyJ)) return `${head} next time`;
  const pue = c.pue !== 1 ? ` --pue ${c.pue}` : '';
  return `${head}, or convert this run without rerunning it: kdbench carbon --energy ${energyJ.toFixed(3)}J${pue} --region CODE`;
}
