/**
 * The grid-intensity data shipped in the npm package @tgwf/co2, typed, with what a report must say
 * about each dataset: who publishes it, the year, the licence.
 */
import { averageIntensity, electricityMaps, marginalIntensity } from '@tgwf/co2/data';
import { dependencyVersion } from '../core/host.js';

export const CO2JS_VERSION = dependencyVersion('@tgwf/co2') ?? 'unknown';
const via = `via @tgwf/co2 ${CO2JS_VERSION}`;

export const EMBER = {
  name: 'Ember',
  licence: 'CC BY-SA 4.0',
  url: 'https://ember-climate.org/data/data-explorer/',
  describe: (key: string) =>
    `Ember annual average grid intensity for ${key}, latest year Ember had for it when @tgwf/co2 ${CO2JS_VERSION} was built ` +
    `(the year is not shipped with the data) (${via}; https://ember-climate.org/data/data-explorer/)`,
};

export const ELECTRICITY_MAPS = {
  name: 'Electricity Maps',
  licence: 'ODbL 1.0 (Electricity Maps; attribution and share-alike required)',
  url: 'https://www.electricitymaps.com/data/methodology',
};

export const UNFCCC_MARGINAL = {
  name: 'UNFCCC marginal intensity',
  licence: 'CC BY-SA 4.0 (as republished by the Green Web Foundation in @tgwf/co2)',
  year: Number((marginalIntensity as { year?: string | number }).year ?? 2021),
};

/** Ember: ISO alpha-3 countries and aggregates (WORLD, EU, G20 ...), gCO2e/kWh. */
export const EMBER_DATA: Readonly<Record<string, number>> = averageIntensity.data;
export const EMBER_WORLD = EMBER_DATA.WORLD;

/** UNFCCC 2021 marginal intensities by ISO alpha-3 (the package stores them as strings). */
export function marginalFor(alpha3: string): number | undefined {
  const v = (marginalIntensity.data as Record<string, unknown>)[alpha3];
  const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export interface EmZone {
  zoneName: string;
  countryName?: string;
  displayName?: string;
  gCO2ePerKWh: number;
}

type RawZone = { zone?: { zoneName?: string; countryName?: string; displayName?: string }; carbonIntensity?: { value?: unknown } };

function zones(table: unknown): Map<string, EmZone> {
  const data = ((table as { data?: Record<string, RawZone> }).data ?? {}) as Record<string, RawZone>;
  const out = new Map<string, EmZone>();
  for (const [code, z] of Object.entries(data)) {
    const v = z.carbonIntensity?.value;
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    out.set(code, {
      zoneName: z.zone?.zoneName ?? code,
      countryName: z.zone?.countryName,
      displayName: z.zone?.displayName,
      gCO2ePerKWh: v,
    });
  }
  return out;
}

/** Electricity Maps yearly zone averages, by year, newest first. */
export const EM_YEARS: ReadonlyMap<number, Map<string, EmZone>> = new Map(
  Object.entries(electricityMaps)
    .map(([key, table]) => [Number(/(\d{4})$/.exec(key)?.[1]), zones(table)] as const)
    .filter(([year]) => Number.isInteger(year))
    .sort((a, b) => b[0] - a[0]),
);

export const EM_LATEST_YEAR = Math.max(...EM_YEARS.keys());

export function emDescribe(zone: string, z: EmZone, year: number): string {
  const name = z.displayName ?? z.zoneName;
  return `Electricity Maps ${year} yearly average for zone ${zone} (${name}) (${via}; methodology ${ELECTRICITY_MAPS.url})`;
}
