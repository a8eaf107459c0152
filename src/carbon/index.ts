/**
 * Carbon accounting entry point used by `run` and `measure`: flags, early validation, and the
 * conversion of measured energy (per window of the trace) into gCO2e.
 */
import { regionIntensity, worldIntensity, type Intensity } from './intensity.js';
import { numberFlag } from '../cli/args.js';
import type { CarbonRecord } from '../run/contract.js';
import type { Trace } from '../measurement/types.js';
import type { Window } from '../measurement/windows.js';

export interface CarbonOptions {
  region?: string;
  pue?: number;
}

/** parseArgs option definitions shared by every command that converts energy to carbon. */
export const CARBON_FLAGS = {
  region: { type: 'string' },
  pue: { type: 'string' },
} as const;

export const CARBON_USAGE = `  --region CODE         grid region: ISO alpha-3 country (DEU) or Electricity Maps zone (DE, US-CAL-CISO);
                        default: the world average, flagged as a fallback
  --pue X               power usage effectiveness applied before carbon (default 1.0, a local machine)`;

export function carbonOptionsFromFlags(values: Record<string, unknown>): CarbonOptions {
  return {
    region: values.region as string | undefined,
    pue: numberFlag('pue', values.pue as string | undefined, { min: 1, max: 5 }),
  };
}

export const DEFAULT_PUE = 1.0;
export const DEFAULT_PUE_SOURCE = 'default 1.0: a local machine with no data-centre overhead (as CodeCarbon); set --pue for a data centre';

/** Carbon settings resolved before the run starts, so that bad input fails before any work. */
export interface PreparedCarbon {
  intensity: Intensity;
  pue: number;
  /** gCO2e of `energyJ` measured over `window` of `trace`. */
  grams(energyJ: number, window: Window, trace: Trace): number;
  /** The run's carbon record for its total window. */
  record(energyJ: number, window: Window, trace: Trace): CarbonRecord;
}

export function prepareCarbon(opts: CarbonOptions): PreparedCarbon {
  const intensity = opts.region === undefined ? worldIntensity() : regionIntensity(opts.region);
  const pue = opts.pue ?? DEFAULT_PUE;
  const grams = (energyJ: number) => (energyJ / 3.6e6) * pue * intensity.gCO2ePerKWh;
  return {
    intensity,
    pue,
    grams,
    record: (energyJ) => ({
      intensityGCO2ePerKWh: intensity.gCO2ePerKWh,
      intensitySource: intensity.source,
      region: intensity.region,
      fallback: intensity.fallback,
      ...(intensity.year === undefined ? {} : { year: intensity.year }),
      ...(intensity.licence === undefined ? {} : { licence: intensity.licence }),
      pue,
      pueSource: opts.pue === undefined ? DEFAULT_PUE_SOURCE : 'set with --pue',
      energyKWh: energyJ / 3.6e6,
      gCO2e: grams(energyJ),
    }),
  };
}
