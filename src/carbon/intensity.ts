/**
 * A grid carbon intensity and where it came from. The precedence of sources is decided in
 * index.ts: explicit value > time series > region > world average (flagged as a fallback).
 */
import { EMBER, EMBER_WORLD } from './datasets.js';

export type IntensityKind = 'explicit' | 'series' | 'region' | 'world';

export interface Intensity {
  /** Location-based (average) intensity, gCO2e/kWh; for a series, its time-weighted mean (the run uses energy weights). */
  gCO2ePerKWh: number;
  source: string;
  /** Region code the intensity belongs to, "WORLD", or "" where none applies (explicit value, series). */
  region: string;
  /** True when nothing was given and the world average was used. */
  fallback: boolean;
  kind: IntensityKind;
  dataset?: string;
  year?: number;
  licence?: string;
}

/** A value the user typed (`--carbon-intensity`); its provenance is theirs to state. */
export function explicitIntensity(gCO2ePerKWh: number): Intensity {
  return { gCO2ePerKWh, source: 'given with --carbon-intensity (gCO2e/kWh)', region: '', fallback: false, kind: 'explicit' };
}

/** The world average of Ember's annual data, flagged as a fallback. */
export function worldIntensity(): Intensity {
  return {
    gCO2ePerKWh: EMBER_WORLD,
    source: `${EMBER.describe('WORLD')}; FALLBACK: no --carbon-intensity, --carbon-series or --region given`,
    region: 'WORLD',
    fallback: true,
    kind: 'world',
    dataset: EMBER.name,
    licence: EMBER.licence,
  };
}
