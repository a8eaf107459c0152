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
import { UserError } from '../core/errors.js';
import type { CarbonRecord } from '../core/contract.js';
import { explicitIntensity, worldIntensity, type Intensity } from './intensity.js';
import { resolveRegion, type DatasetChoice, type RegionResult } from './regions.js';
import { applySeries, describeSpan, readSeries, seriesMean, type IntensitySeries } from './series.js';
import { resolvePue } from './pue.js';
import { embodiedFor, type EmbodiedDevice } from './embodied.js';
import { equivalents } from './equivalents.js';
import { JOULES_PER_KWH, LIMITS } from './units.js';

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

/** A span of the meter's clock, seconds since the meter started. */
export interface Span {
  name?: string;
  t0: number;
  t1: number;
}

/**
 * The energy of a run as a function of meter time (measurement/trace-energy.ts builds it from a trace), so that
 * an intensity series can be applied to the energy of each hour; carbon/ does not read traces itself.
 */
export interface EnergyTimeline {
  /** Wall-clock time (ms since epoch) at t = 0. */
  startWallMs: number;
  /** Joules of all devices from t = 0 to t. */
  energyAt(t: number): number;
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
  /** Operational gCO2e of `energyJ` measured over `window` of the run (kWh x PUE x intensity). */
  grams(energyJ: number, window: Span, timeline: EnergyTimeline): number;
  /** The run's carbon record for its total window. */
  record(energyJ: number, window: Span, timeline: EnergyTimeline): CarbonRecord;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function prepareCarbon(opts: CarbonOptions): PreparedCarbon {
  if (opts.region === undefined && (opts.dataset !== undefined || opts.year !== undefined)) {
    throw new UserError('--carbon-dataset and --carbon-year choose the data for --region; give --region too');
  }
  if (
    opts.intensity !== undefined &&
    (!Number.isFinite(opts.intensity) || opts.intensity < 0 || opts.intensity > LIMITS.intensityGPerKWh)
  ) {
    throw new UserError(`--carbon-intensity: expected a number from 0 to ${LIMITS.intensityGPerKWh}, got "${opts.intensity}"`);
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

  const applied = (window: Span, timeline: EnergyTimeline) =>
    series ? applySeries(series, timeline.startWallMs, window.t0, window.t1, (t) => timeline.energyAt(t)) : undefined;
  const kWh = (energyJ: number) => energyJ / JOULES_PER_KWH;
  const grams = (energyJ: number, window: Span, timeline: EnergyTimeline) =>
    kWh(energyJ) * pue * (applied(window, timeline)?.gCO2ePerKWh ?? intensity.gCO2ePerKWh);

  const record = (energyJ: number, window: Span, timeline: EnergyTimeline): CarbonRecord => {
    const app = applied(window, timeline);
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

/**
 * The fields of a carbon record that hold a number that is not finite (Infinity, NaN), by path
 * ("gCO2e", "equivalents[2].value"): such a figure must not reach a report as if it were one.
 */
export function nonFiniteFields(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path || '(value)'];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFiniteFields(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nonFiniteFields(v, path ? `${path}.${k}` : k));
  return [];
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
