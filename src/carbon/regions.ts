/**
 * `--region CODE` lookup in the data shipped with @tgwf/co2.
 *
 * Accepted codes: ISO 3166-1 alpha-2 (DE) or alpha-3 (DEU) countries, Electricity Maps zones
 * (US-CAL-CISO, DK-DK1 ...), and Ember's aggregates (WORLD, EU, G20 ...). Case-insensitive.
 *
 * Which dataset wins when both have the country: Electricity Maps, because its shipped figure names
 * its year (2025 unless --carbon-year says otherwise) and covers sub-national zones, whereas the
 * Ember figure in @tgwf/co2 is "the latest year Ember had" with the year not shipped. The Ember
 * figure for the same country is recorded next to it as an alternative, so a reader sees both.
 * `--carbon-dataset ember` forces Ember (country level only).
 */
import { UserError } from '../core/errors.js';
import { country } from './iso3166.js';
import {
  EMBER,
  EMBER_DATA,
  ELECTRICITY_MAPS,
  EM_LATEST_YEAR,
  EM_YEARS,
  emDescribe,
  marginalFor,
  UNFCCC_MARGINAL,
  CO2JS_VERSION,
} from './datasets.js';
import type { Intensity } from './intensity.js';
import { suggestRegions } from './suggest.js';
import type { AlternativeIntensity, MarginalIntensity } from '../core/contract.js';
export type { AlternativeIntensity, MarginalIntensity } from '../core/contract.js';

export type DatasetChoice = 'auto' | 'ember' | 'electricity-maps';
export const DATASET_CHOICES: readonly DatasetChoice[] = ['auto', 'ember', 'electricity-maps'];

export interface RegionResult {
  average: Intensity;
  alternatives: AlternativeIntensity[];
  marginal?: MarginalIntensity;
  notes: string[];
}

function emberIntensity(key: string): Intensity {
  return {
    gCO2ePerKWh: EMBER_DATA[key],
    source: EMBER.describe(key),
    region: key,
    fallback: false,
    kind: 'region',
    dataset: EMBER.name,
    licence: EMBER.licence,
  };
}

/** Country (alpha-2, alpha-3) a code stands for: itself, or the prefix of a sub-national zone ("US-CAL-CISO" -> US). */
function countryOf(code: string) {
  return country(code) ?? country(code.split('-')[0]);
}

export function resolveRegion(input: string, opts: { dataset?: DatasetChoice; year?: number } = {}): RegionResult {
  const code = input.trim().toUpperCase().replace(/_/g, '-');
  const dataset = opts.dataset ?? 'auto';
  const year = opts.year ?? EM_LATEST_YEAR;
  const em = EM_YEARS.get(year);
  if (!em)
    throw new UserError(
      `--carbon-year ${year}: Electricity Maps yearly data in @tgwf/co2 ${CO2JS_VERSION} covers ${[...EM_YEARS.keys()].sort().join(', ')}`,
    );
  if (code === '') throw new UserError('--region: empty region code');

  const c = countryOf(code);
  const isCountryCode = country(code) !== undefined;
  const emKey = em.has(code) ? code : isCountryCode && em.has(c!.alpha2) ? c!.alpha2 : undefined;
  const aggregate = [code, code.replace(/-/g, ' ')].find((k) => EMBER_DATA[k] !== undefined); // WORLD, EU, "LATIN AMERICA AND CARIBBEAN"
  const emberKey = isCountryCode && EMBER_DATA[c!.alpha3] !== undefined ? c!.alpha3 : aggregate;
  const emberCountryKey = c && EMBER_DATA[c.alpha3] !== undefined ? c.alpha3 : undefined;

  const emIntensity = (key: string): Intensity => ({
    gCO2ePerKWh: em.get(key)!.gCO2ePerKWh,
    source: emDescribe(key, em.get(key)!, year),
    region: key,
    fallback: false,
    kind: 'region',
    dataset: ELECTRICITY_MAPS.name,
    year,
    licence: ELECTRICITY_MAPS.licence,
  });

  let average: Intensity;
  const alternatives: AlternativeIntensity[] = [];
  const notes: string[] = [];
  if (dataset === 'ember') {
    if (!emberKey) {
      const hint = emberCountryKey ? `; Ember has country-level data only: use --region ${emberCountryKey}` : '';
      throw new UserError(`--region ${input}: not in Ember's data${hint}${emberCountryKey ? '' : suggestionText(code)}`);
    }
    average = emberIntensity(emberKey);
    if (emKey) alternatives.push(alt(emIntensity(emKey)));
  } else if (dataset === 'electricity-maps') {
    if (!emKey) throw new UserError(`--region ${input}: not an Electricity Maps zone in the ${year} data${suggestionText(code)}`);
    average = emIntensity(emKey);
    if (emberCountryKey) alternatives.push(alt(emberIntensity(emberCountryKey)));
  } else if (emKey) {
    average = emIntensity(emKey);
    if (emberCountryKey) alternatives.push(alt(emberIntensity(emberCountryKey)));
    notes.push(
      emberCountryKey
        ? `Electricity Maps chosen over Ember for ${code}: its figure names its year; Ember's ${emberCountryKey} figure is shown as an alternative (--carbon-dataset ember to use it)`
        : `Electricity Maps zone ${emKey}`,
    );
  } else if (emberKey) {
    average = emberIntensity(emberKey);
  } else {
    throw new UserError(`--region ${input}: unknown region${suggestionText(code)}`);
  }
  if (alternatives.some((a) => a.dataset === EMBER.name && a.region !== average.region && !isCountryCode && c)) {
    notes.push(`the Ember alternative is for the whole country ${c!.alpha3}, not zone ${average.region}`);
  }

  const marginalValue = c ? marginalFor(c.alpha3) : undefined;
  let marginal: MarginalIntensity | undefined;
  if (c && marginalValue !== undefined) {
    marginal = {
      gCO2ePerKWh: marginalValue,
      region: c.alpha3,
      year: UNFCCC_MARGINAL.year,
      source: `UNFCCC ${UNFCCC_MARGINAL.year} marginal grid intensity for ${c.alpha3}${isCountryCode ? '' : ` (country level; none for zone ${average.region})`} (via @tgwf/co2 ${CO2JS_VERSION})`,
      licence: UNFCCC_MARGINAL.licence,
    };
  } else {
    notes.push(`no marginal intensity: the shipped UNFCCC ${UNFCCC_MARGINAL.year} data has none for ${c ? c.alpha3 : code}`);
  }
  return { average, alternatives, ...(marginal ? { marginal } : {}), notes };
}

function alt(i: Intensity): AlternativeIntensity {
  return {
    dataset: i.dataset ?? '',
    region: i.region,
    gCO2ePerKWh: i.gCO2ePerKWh,
    ...(i.year === undefined ? {} : { year: i.year }),
    source: i.source,
  };
}

function suggestionText(code: string): string {
  const s = suggestRegions(code);
  const forms = 'use an ISO 3166 country code (DE or DEU), an Electricity Maps zone (US-CAL-CISO) or an Ember aggregate (WORLD, EU)';
  return s.length > 0 ? `; did you mean ${s.join(', ')}? (${forms})` : `; ${forms}`;
}
