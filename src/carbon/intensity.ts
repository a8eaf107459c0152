import { averageIntensity, electricityMaps } from '@tgwf/co2/data';
import { UserError } from '../errors.js';
import { dependencyVersion } from '../run/environment.js';

export interface Intensity {
  gCO2ePerKWh: number;
  source: string;
  region: string;
  fallback: boolean;
  year?: number;
  licence?: string;
}

type EmZone = { zone?: { zoneName?: string }; carbonIntensity?: { value?: number } };
const EM_YEARS: [number, Record<string, EmZone>][] = [
  [2025, electricityMaps.yearly2025 as unknown as Record<string, EmZone>],
  [2024, electricityMaps.yearly2024 as unknown as Record<string, EmZone>],
  [2023, electricityMaps.yearly2023 as unknown as Record<string, EmZone>],
];

const co2Version = () => dependencyVersion('@tgwf/co2') ?? 'unknown';

/** The world average of Ember's annual data, flagged as a fallback. */
export function worldIntensity(): Intensity {
  return {
    gCO2ePerKWh: (averageIntensity.data as Record<string, number>).WORLD,
    source: `Ember world annual average (via @tgwf/co2 ${co2Version()}); fallback: no region given`,
    region: 'WORLD',
    fallback: true,
    licence: 'CC BY-SA 4.0',
  };
}

/**
 * Annual location-based intensity for a region: an ISO 3166 alpha-3 country code (Ember data), or an
 * Electricity Maps zone code (DE, FR, US-CAL-CISO ...; latest year available).
 */
export function regionIntensity(region: string): Intensity {
  const code = region.trim().toUpperCase();
  const ember = (averageIntensity.data as Record<string, number>)[code];
  if (/^[A-Z]{3}$/.test(code) && ember !== undefined) {
    return { gCO2ePerKWh: ember, source: `Ember annual average for ${code} (via @tgwf/co2 ${co2Version()})`, region: code, fallback: false, licence: 'CC BY-SA 4.0' };
  }
  for (const [year, table] of EM_YEARS) {
    const zone = Object.keys(table).find((k) => k.toUpperCase() === code);
    const v = zone ? table[zone]?.carbonIntensity?.value : undefined;
    if (zone && typeof v === 'number') {
      return {
        gCO2ePerKWh: v,
        source: `Electricity Maps ${year} yearly average for zone ${zone} (${table[zone].zone?.zoneName ?? zone}) (via @tgwf/co2 ${co2Version()})`,
        region: zone,
        fallback: false,
        year,
        licence: 'ODbL (Electricity Maps, attribution required)',
      };
    }
  }
  throw new UserError(`--region ${region}: unknown region; use an ISO 3166 alpha-3 country code (DEU, FRA, USA) or an Electricity Maps zone (DE, FR, US-CAL-CISO)`);
}
