/**
 * Parsing of quantities given on the command line: energy ("1.5kWh"), durations ("90m", "5y"),
 * masses ("150kg"). Every failure is a UserError naming the flag and the accepted forms.
 */
import { UserError } from '../core/errors.js';

const J_PER_KWH = 3.6e6;

/**
 * Bounds on what a flag or file may give, so that every figure derived from them stays a finite
 * number (1e308MWh is Infinity joules; a gram count near 1e308 overflows once multiplied).
 */
export const LIMITS = {
  /** Ten times the world's yearly electricity use (about 1e20 J): above it, a typo. */
  energyJ: 1e21,
  /** A thousand years. */
  durationS: 1000 * 365.25 * 86400,
  /** A million tonnes of CO2e for one device. */
  massG: 1e12,
  /** The highest grid intensity anywhere is about 1,100 gCO2e/kWh (coal); 5,000 leaves room for any mix. */
  intensityGPerKWh: 5000,
} as const;

function bounded(flag: string, value: number, max: number, unit: string, text: string): number {
  if (!Number.isFinite(value) || value > max)
    throw new UserError(`--${flag}: "${text}" is too large (at most ${max.toExponential(0).replace('e+', 'e')} ${unit})`);
  return value;
}

const ENERGY_UNITS: Record<string, number> = { j: 1, kj: 1e3, mj: 1e6, wh: 3600, kwh: J_PER_KWH, mwh: 1e3 * J_PER_KWH };
/** A year is 365.25 days (the Julian year), so "5y" includes leap days on average. */
const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86400, w: 7 * 86400, y: 365.25 * 86400 };
const MASS_UNITS: Record<string, number> = { g: 1, kg: 1e3, t: 1e6 };

const NUMBER = String.raw`(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?`;

function num(mantissa: string, exp: string | undefined): number {
  return Number(exp === undefined ? mantissa : `${mantissa}e${exp}`);
}

/** Joules from "1.5kWh", "5400 J", "2Wh", "0.001MWh", "3kJ", "1MJ" (units case-insensitive; MWh = megawatt-hour). */
export function parseEnergy(flag: string, text: string): number {
  const m = new RegExp(`^\\s*${NUMBER}\\s*([a-zA-Z]+)\\s*$`).exec(text);
  const unit = m?.[3].toLowerCase();
  if (!m || unit === undefined || !(unit in ENERGY_UNITS)) {
    throw new UserError(`--${flag}: expected a non-negative energy with a unit (J, kJ, MJ, Wh, kWh, MWh), e.g. 1.5kWh; got "${text}"`);
  }
  return bounded(flag, num(m[1], m[2]) * ENERGY_UNITS[unit], LIMITS.energyJ, 'J', text);
}

/** Seconds from "90s", "30m", "1.5h", "2d", "5y", or a sum of them ("1h30m"). */
export function parseDuration(flag: string, text: string): number {
  const re = new RegExp(`${NUMBER}\\s*([a-zA-Z]+)`, 'y');
  const s = text.replace(/\s+/g, '');
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    const unit = m?.[3].toLowerCase();
    if (!m || unit === undefined || !(unit in DURATION_UNITS)) {
      throw new UserError(`--${flag}: expected a non-negative duration such as 90s, 30m, 1.5h, 2d, 5y or 1h30m; got "${text}"`);
    }
    total += num(m[1], m[2]) * DURATION_UNITS[unit];
    pos = re.lastIndex;
  }
  if (s.length === 0) throw new UserError(`--${flag}: expected a duration such as 90s, 30m, 1.5h, 5y; got an empty value`);
  return bounded(flag, total, LIMITS.durationS, 's (1000 years)', text);
}

/** Grams from "150kg", "0.15t", "1500g", optionally suffixed "CO2e" ("150kgCO2e"). */
export function parseMass(flag: string, text: string): number {
  const m = new RegExp(`^\\s*${NUMBER}\\s*(g|kg|t)(?:co2e?)?\\s*$`, 'i').exec(text);
  if (!m) throw new UserError(`--${flag}: expected a non-negative mass of CO2e with a unit (g, kg, t), e.g. 150kg; got "${text}"`);
  return bounded(flag, num(m[1], m[2]) * MASS_UNITS[m[3].toLowerCase()], LIMITS.massG, 'g', text);
}

export const JOULES_PER_KWH = J_PER_KWH;
