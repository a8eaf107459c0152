/**
 * Power usage effectiveness: facility energy / IT energy. Applied to measured energy before carbon
 * (facility kWh = measured kWh x PUE) and always shown with its source.
 */
import { UserError } from '../core/errors.js';

export interface PuePreset {
  pue: number;
  source: string;
}

export const PUE_PRESETS: Readonly<Record<string, PuePreset>> = {
  local: { pue: 1.0, source: "a local machine with no data-centre overhead (CodeCarbon's default)" },
  'uptime-2024': {
    pue: 1.56,
    source: "Uptime Institute Global Data Center Survey 2024: industry average annual PUE (Green Algorithms' default)",
  },
  'strubell-2019': {
    pue: 1.58,
    source:
      'Strubell, Ganesh & McCallum 2019, "Energy and Policy Considerations for Deep Learning in NLP" (ACL): 2018 global average data-centre PUE (carbontracker\'s default)',
  },
  'google-2023': {
    pue: 1.1,
    source: 'Google 2024 Environmental Report: fleet-wide average annual (trailing twelve-month) PUE of Google data centres in 2023',
  },
};

export const DEFAULT_PUE: PuePreset = {
  pue: 1.0,
  source: 'default 1.0: a local machine with no data-centre overhead (as CodeCarbon); set --pue or --pue-preset for a data centre',
};

/** The PUE from --pue X or --pue-preset NAME (not both), else the default. */
export function resolvePue(pue: number | undefined, preset: string | undefined): PuePreset {
  if (pue !== undefined && preset !== undefined) throw new UserError('--pue and --pue-preset: give one or the other');
  if (preset !== undefined) {
    const name = preset.trim().toLowerCase();
    const p = PUE_PRESETS[name];
    if (!p) throw new UserError(`--pue-preset ${preset}: unknown preset; known: ${Object.keys(PUE_PRESETS).join(', ')}`);
    return { pue: p.pue, source: `preset ${name}: ${p.source}` };
  }
  if (pue === undefined) return DEFAULT_PUE;
  if (!Number.isFinite(pue) || pue < 1 || pue > 5) throw new UserError(`--pue: expected a number >= 1 and <= 5, got "${pue}"`);
  return { pue, source: 'given with --pue' };
}
