import type { Equivalent } from '../core/contract.js';
export type { Equivalent } from '../core/contract.js';
/**
 * Everyday equivalents of a mass of CO2e, each with its source. Figures from the US EPA Greenhouse
 * Gas Equivalencies Calculator, "Calculations and References"
 * (https://www.epa.gov/energy/greenhouse-gas-equivalencies-calculator-calculations-and-references).
 */

const EPA = 'US EPA Greenhouse Gas Equivalencies Calculator, Calculations and References';
const KM_PER_MILE = 1.609344;

export const EQUIVALENCE_FACTORS = [
  {
    key: 'carKm',
    label: 'driven by an average gasoline passenger car',
    unit: 'km',
    gPerUnit: 393 / KM_PER_MILE,
    source: `${EPA}: 3.93 x 10^-4 metric tons CO2e per mile driven by the average gasoline-powered passenger vehicle; per km = per mile / 1.609344 (our conversion)`,
  },
  {
    key: 'smartphoneCharges',
    label: 'smartphone charges',
    unit: '',
    gPerUnit: 12.4,
    source: `${EPA}: 1.24 x 10^-5 metric tons CO2 per smartphone charged (US electricity)`,
  },
] as const;

export function equivalents(gCO2e: number): Equivalent[] {
  return EQUIVALENCE_FACTORS.map((f) => ({
    key: f.key,
    label: f.label,
    value: gCO2e / f.gPerUnit,
    unit: f.unit,
    gPerUnit: f.gPerUnit,
    source: f.source,
  }));
}
