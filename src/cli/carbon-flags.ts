/** The carbon flags shared by run, measure and carbon: definitions, usage text, and their parsing into CarbonOptions. */
import { UserError } from '../core/errors.js';
import { numberFlag } from './args.js';
import { DATASET_CHOICES, type DatasetChoice } from '../carbon/regions.js';
import { PUE_PRESETS, resolvePue } from '../carbon/pue.js';
import { parseEmbodied } from '../carbon/embodied.js';
import { EM_LATEST_YEAR } from '../carbon/datasets.js';
import type { CarbonOptions } from '../carbon/index.js';
import { LIMITS } from '../carbon/units.js';

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
    intensity: numberFlag('carbon-intensity', str('carbon-intensity'), { min: 0, max: LIMITS.intensityGPerKWh }),
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
