/**
 * Carbon accounting entry point used by `run`, `measure` and `carbon`: flags, early validation, and
 * the conversion of measured energy (per window of the trace) into gCO2e.
 *
 * Intensity, in this order of precedence (the choice is recorded as `intensityKind`):
 *   1. --carbon-intensity G (gCO2e/kWh);
 *   2. --carbon-series FILE, applied sample by sample to the power trace (series.ts);
 *   3. --region CODE, from the data shipped in @tgwf/co2 (regions.ts);
 *   4. the world average (Ember), flagged as a fallback.
 * gCO2e = measured kWh x PUE x location-based intensity (operational). Marginal intensity, embodied
 * carbon and everyday equivalents are recorded next to it, each with its source.
 */
import { UserError } from '../errors.js';
import { numberFlag } from '../cli/args.js';
import type { CarbonRecord } from '../run/contract.js';
import type { Trace } from '../measurement/types.js';
import type { Window } from '../measurement/windows.js';
import { explicitIntensity, worldIntensity, type Intensity } from './intensity.js';
import { DATASET_CHOICES, resolveRegion, type DatasetChoice, type RegionResult } from './regions.js';
import { applySeries, describeSpan, readSeries, seriesMean, type IntensitySeries } from './series.js';
import { resolvePue, PUE_PRESETS } from './pue.js';
import { embodiedFor, parseEmbodied, type EmbodiedDevice } from './embodied.js';
import { equivalents } from './equivalents.js';
import { cumulativeEnergy, type CumulativeEnergy } from './trace-energy.js';
import { JOULES_PER_KWH } from './units.js';
import { EM_LATEST_YEAR } from './datasets.js';

export type { Intensity } from './intensity.js';
export { DEFAULT_PUE, PUE_PRESETS } from './pue.js';

export interface CarbonOptions {
  /** --carbon-intensity, gCO2e/kWh. */
  intensity?: number;
  /** --carbon-series FILE. */
  seriesFile?: string;
  /** --region CODE. */
  region?: string;
  /** --carbon-dataset: which dataset a region is looked up in (default auto: Electricity Maps, else Ember). */
  dataset?: DatasetChoice;
  /** --carbon-year: year of the Electricity Maps yearly data (default the latest shipped). */
  year?: number;
  /** --pue X. */
  pue?: number;
  /** --pue-preset NAME. */
  puePreset?: string;
  /** --embodied NAME=MASS:LIFETIME[:xCOUNT], repeatable. */
  embodied?: EmbodiedDevice[];
  /**
   * Wall-clock time (ms) at which the run starts; a --carbon-series must contain it, else prepareCarbon
   * fails before any work. Default: now. null: do not check (converting a past run).
   */
  runStartMs?: number | null;
}

/** parseArgs option definitions shared by every command that converts energy to carbon. */
export const CARBON_FLAGS = {
  'carbon-intensity': { type: 'string' },
  'carbon-series': { type: 'string' },
  region: { type: 'string' },
  'carbon-dataset': { type: 'string' },
  'carbon-year': { type: 'string' },
  pue: { type: 'string' },
  'pue-preset': { type: 'string' },
  embodied: { type: 'string', multiple: true },
} as const;

export const CARBON_USAGE = `Carbon (first given wins: --carbon-intensity, --carbon-series, --region; else the world average, flagged):
  --carbon-intensity G  grid intensity in gCO2e/kWh, stated by you
  --carbon-series FILE  CSV "timestamp,gCO2e/kWh" rows, hourly or finer, timestamps ISO 8601 with a time zone
                        or Unix seconds; applied sample by sample to the power trace. Parts of the run
                        outside the series use the nearest value and are flagged in run.json
  --region CODE         ISO country (DE or DEU), Electricity Maps zone (US-CAL-CISO) or Ember aggregate (WORLD, EU);
                        Electricity Maps yearly average where it has the place (its year is stated), else Ember
  --carbon-dataset D    auto (default), electricity-maps or ember
  --carbon-year Y       year of the Electricity Maps yearly averages (2021-${EM_LATEST_YEAR}; default ${EM_LATEST_YEAR})
  --pue X               power usage effectiveness applied to energy before carbon (default 1.0, a local machine)
  --pue-preset NAME     ${Object.entries(PUE_PRESETS)
    .map(([k, p]) => `${k} (${p.pue})`)
    .join(', ')}
  --embodied SPEC       manufacturing footprint charged for the run's duration, NAME=MASS:LIFETIME[:xCOUNT],
                        e.g. gpu=150kg:5y:x8; repeatable; none by default (kdbench ships no device footprints)`;

export function carbonOptionsFromFlags(values: Record<string, unknown>): CarbonOptions {
  const str = (k: string) => values[k] as string | undefined;
  const dataset = str('carbon-dataset');
  if (dataset !== undefined && !DATASET_CHOICES.includes(dataset as DatasetChoice)) {
    throw new UserError(`--carbon-dataset ${dataset}: expected one of ${DATASET_CHOICES.join(', ')}`);
  }
  const pueText = str('pue');
  const embodied = values.embodied as string[] | string | undefined;
  const opts: CarbonOptions = {
    intensity: numberFlag('carbon-intensity', str('carbon-intensity'), { min: 0, max: 5000 }),
    seriesFile: str('carbon-series'),
    region: str('region'),
    dataset: dataset as DatasetChoice | undefined,
    year: numberFlag('carbon-year', str('carbon-year'), { integer: true, min: 1900, max: 2100 }),
    pue: numberFlag('pue', pueText, { min: 1, max: 5 }),
    puePreset: str('pue-preset'),
    embodied: (embodied === undefined ? [] : Array.isArray(embodied) ? embodied : [embodied]).map(parseEmbodied),
  };
  resolvePue(opts.pue, opts.puePreset);
  return opts;
}

/** Carbon settings resolved before the run starts, so that bad input fails before any work. */
export interface PreparedCarbon {
  /** The intensity chosen (for a series: its time-weighted mean; runs use energy weights). */
  intensity: Intensity;
  pue: number;
  pueSource: string;
  /** The region's data, where --region was given (also when an explicit value or a series took precedence). */
  region?: RegionResult;
  series?: IntensitySeries;
  /** Operational gCO2e of `energyJ` measured over `window` of `trace` (kWh x PUE x intensity). */
  grams(energyJ: number, window: Window, trace: Trace): number;
  /** The run's carbon record for its total window. */
  record(energyJ: number, window: Window, trace: Trace): CarbonRecord;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function prepareCarbon(opts: CarbonOptions): PreparedCarbon {
  if (opts.region === undefined && (opts.dataset !== undefined || opts.year !== undefined)) {
    throw new UserError('--carbon-dataset and --carbon-year choose the data for --region; give --region too');
  }
  if (opts.intensity !== undefined && (!Number.isFinite(opts.intensity) || opts.intensity < 0)) {
    throw new UserError(`--carbon-intensity: expected a number >= 0, got "${opts.intensity}"`);
  }
  const { pue, source: pueSource } = resolvePue(opts.pue, opts.puePreset);
  const region = opts.region === undefined ? undefined : resolveRegion(opts.region, { dataset: opts.dataset, year: opts.year });
  // read even when --carbon-intensity wins, so a bad file is reported rather than ignored
  const seriesRead = opts.seriesFile === undefined ? undefined : readSeries(opts.seriesFile);
  const series = opts.intensity !== undefined ? undefined : seriesRead;
  const notes: string[] = [];
  if (series && opts.runStartMs !== null) {
    const start = opts.runStartMs ?? Date.now();
    if (start < series.startMs || start >= series.endMs) {
      throw new UserError(
        `--carbon-series ${series.file}: covers ${describeSpan(series)}, which does not contain the run's start (${iso(start)})`,
      );
    }
  }

  let intensity: Intensity;
  if (opts.intensity !== undefined) {
    intensity = explicitIntensity(opts.intensity);
    if (opts.seriesFile !== undefined) notes.push(`--carbon-series ${opts.seriesFile} not used: --carbon-intensity takes precedence`);
  } else if (series) {
    intensity = {
      gCO2ePerKWh: seriesMean(series),
      source: `time series ${series.file} (sha256 ${series.sha256.slice(0, 12)}, ${series.rows.length} rows, ${describeSpan(series)}), applied sample by sample to the power trace`,
      region: '',
      fallback: false,
      kind: 'series',
    };
  } else if (region) {
    intensity = region.average;
  } else {
    intensity = worldIntensity();
  }
  if (region && intensity.kind !== 'region') {
    notes.push(
      `--region ${opts.region}: its annual average (${region.average.gCO2ePerKWh} gCO2e/kWh, ${region.average.dataset}) is shown as an alternative, not used: --carbon-${intensity.kind === 'explicit' ? 'intensity' : 'series'} takes precedence`,
    );
  }
  if (region) notes.push(...region.notes);
  const embodiedDevices = opts.embodied ?? [];

  const energyCache = new WeakMap<Trace, CumulativeEnergy>();
  const energyOf = (trace: Trace) => {
    let f = energyCache.get(trace);
    if (!f) energyCache.set(trace, (f = cumulativeEnergy(trace)));
    return f;
  };
  const applied = (window: Window, trace: Trace) =>
    series ? applySeries(series, trace.startWallMs, window.t0, window.t1, energyOf(trace)) : undefined;
  const kWh = (energyJ: number) => energyJ / JOULES_PER_KWH;
  const grams = (energyJ: number, window: Window, trace: Trace) =>
    kWh(energyJ) * pue * (applied(window, trace)?.gCO2ePerKWh ?? intensity.gCO2ePerKWh);

  const record = (energyJ: number, window: Window, trace: Trace): CarbonRecord => {
    const app = applied(window, trace);
    const g = app?.gCO2ePerKWh ?? intensity.gCO2ePerKWh;
    const facilityKWh = kWh(energyJ) * pue;
    const operational = facilityKWh * g;
    const durationS = window.t1 - window.t0;
    const embodied = embodiedFor(embodiedDevices, durationS);
    const total = operational + embodied.gCO2e;
    const alternatives = region
      ? intensity.kind === 'region'
        ? region.alternatives
        : [altOf(region.average), ...region.alternatives]
      : [];
    return {
      intensityGCO2ePerKWh: g,
      intensitySource: intensity.source,
      region: intensity.region,
      fallback: intensity.fallback,
      ...(intensity.year === undefined ? {} : { year: intensity.year }),
      ...(intensity.licence === undefined ? {} : { licence: intensity.licence }),
      pue,
      pueSource,
      energyKWh: kWh(energyJ),
      gCO2e: operational,
      intensityKind: intensity.kind,
      ...(intensity.dataset === undefined ? {} : { dataset: intensity.dataset }),
      facilityEnergyKWh: facilityKWh,
      alternatives,
      ...(region?.marginal ? { marginal: { ...region.marginal, gCO2e: facilityKWh * region.marginal.gCO2ePerKWh } } : {}),
      ...(series && app
        ? {
            series: {
              file: series.file,
              sha256: series.sha256,
              rows: series.rows.length,
              startedAt: iso(series.startMs),
              endedAt: iso(series.endMs),
              coveredS: app.coveredS,
              uncoveredBeforeS: app.uncoveredBeforeS,
              uncoveredAfterS: app.uncoveredAfterS,
              uncoveredEnergyShare: app.uncoveredEnergyShare,
              complete: app.problems.length === 0,
              policy: 'parts of the run outside the series use its nearest value (first or last row) and are listed under problems',
            },
          }
        : {}),
      embodied,
      totalGCO2e: total,
      equivalents: equivalents(total),
      notes: [...notes, ...(region ? [] : ['no marginal intensity: it needs --region'])],
      problems: app?.problems ?? [],
    };
  };
  return { intensity, pue, pueSource, ...(region ? { region } : {}), ...(series ? { series } : {}), grams, record };
}

function altOf(i: Intensity) {
  return {
    dataset: i.dataset ?? '',
    region: i.region,
    gCO2ePerKWh: i.gCO2ePerKWh,
    ...(i.year === undefined ? {} : { year: i.year }),
    source: i.source,
  };
}
