/**
 * `--carbon-series FILE`: a grid-intensity time series applied sample by sample to the power trace.
 *
 * File format (CSV, UTF-8): one row per interval, `timestamp,gCO2e/kWh`; an optional header line;
 * blank lines and lines starting with # are skipped. A timestamp is ISO 8601 with a time zone
 * (2024-03-01T13:00:00Z, 2024-03-01T14:00+01:00) or Unix seconds. Rows must be in strictly
 * increasing time order and at most one hour apart ("hourly or finer"). Each value holds from its
 * timestamp until the next row's; the last row holds for the same length as the step before it.
 *
 * Coverage policy (coverage is only known after the run): a part of the run outside the series is
 * converted with the nearest value of the series (its first or last row), and the record says so —
 * which part, how long, what share of the energy, which line's value was used — under `problems`.
 * A series that does not contain the run's start at all is refused before the run (prepareCarbon).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { LIMITS } from './units.js';
/** Joules of all devices from the meter's t = 0 to t. */
export type CumulativeEnergy = (t: number) => number;

export const MAX_STEP_S = 3600;

export interface SeriesRow {
  /** Wall-clock start of the interval, ms since epoch. */
  t: number;
  gCO2ePerKWh: number;
  /** 1-based line in the file. */
  line: number;
}

export interface IntensitySeries {
  file: string;
  sha256: string;
  rows: SeriesRow[];
  /** Covered wall-clock span [startMs, endMs). */
  startMs: number;
  endMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function parseTimestamp(text: string): number | string {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(s)) {
    return /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)
      ? `timestamp "${s}" has no time zone; add Z (UTC) or an offset such as +01:00`
      : `"${s}" is not a timestamp (ISO 8601 with a time zone, e.g. 2024-03-01T13:00:00Z, or Unix seconds)`;
  }
  const ms = Date.parse(s.replace(' ', 'T'));
  return Number.isFinite(ms) ? ms : `"${s}" is not a valid date`;
}

/** Parses series text; every error names the file, the line and the field. */
export function parseSeries(text: string, file: string): IntensitySeries {
  const rows: SeriesRow[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let headerSeen = false;
  const fail = (line: number, what: string) => new UserError(`--carbon-series ${file}: line ${line}: ${what}`);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) return;
    const fields = s.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
    if (fields.length !== 2) throw fail(line, `expected 2 fields (timestamp, gCO2e/kWh), got ${fields.length}`);
    const t = parseTimestamp(fields[0]);
    if (typeof t === 'string') {
      if (rows.length === 0 && !headerSeen && !/^\d/.test(fields[0])) {
        headerSeen = true; // a header line such as "timestamp,gCO2e_per_kWh"
        return;
      }
      throw fail(line, `field 1 (timestamp): ${t}`);
    }
    const g = Number(fields[1]);
    if (fields[1] === '' || !Number.isFinite(g) || g < 0)
      throw fail(line, `field 2 (gCO2e/kWh): expected a non-negative number, got "${fields[1]}"`);
    if (g > LIMITS.intensityGPerKWh)
      throw fail(
        line,
        `field 2 (gCO2e/kWh): ${fields[1]} is above ${LIMITS.intensityGPerKWh}, the most --carbon-intensity accepts (no grid comes near it)`,
      );
    const prev = rows[rows.length - 1];
    if (prev && t <= prev.t)
      throw fail(
        line,
        `field 1 (timestamp): ${iso(t)} is not after line ${prev.line} (${iso(prev.t)}); rows must be in increasing time order`,
      );
    if (prev && t - prev.t > MAX_STEP_S * 1000) {
      throw fail(
        line,
        `field 1 (timestamp): ${((t - prev.t) / 60000).toFixed(0)} min after line ${prev.line} (${iso(prev.t)}); the series must be hourly or finer (gaps of at most 60 min)`,
      );
    }
    rows.push({ t, gCO2ePerKWh: g, line });
  });
  if (rows.length < 2)
    throw new UserError(
      `--carbon-series ${file}: needs at least 2 data rows (got ${rows.length}); each value holds until the next row's timestamp`,
    );
  const last = rows[rows.length - 1];
  const step = last.t - rows[rows.length - 2].t;
  return { file, sha256: createHash('sha256').update(text).digest('hex'), rows, startMs: rows[0].t, endMs: last.t + step };
}

export function readSeries(file: string): IntensitySeries {
  let text: string;
  try {
    // Only a regular file: a named pipe would block the read forever, /dev/zero never ends.
    if (!statSync(file).isFile()) throw new UserError(`--carbon-series ${file}: not a regular file (a folder, a pipe or a device)`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`--carbon-series ${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseSeries(text, file);
}

/** Time-weighted mean of the series over its whole span. */
export function seriesMean(s: IntensitySeries): number {
  let sum = 0;
  s.rows.forEach((r, i) => {
    const end = i + 1 < s.rows.length ? s.rows[i + 1].t : s.endMs;
    sum += r.gCO2ePerKWh * (end - r.t);
  });
  return sum / (s.endMs - s.startMs);
}

export function describeSpan(s: IntensitySeries): string {
  return `${iso(s.startMs)} to ${iso(s.endMs)}`;
}

export interface SeriesApplication {
  /** Energy-weighted intensity over the window, gCO2e/kWh (time-weighted where the trace has no energy). */
  gCO2ePerKWh: number;
  /** Seconds of the window inside / before / after the series. */
  coveredS: number;
  uncoveredBeforeS: number;
  uncoveredAfterS: number;
  /** Share of the window's energy converted with a nearest value instead of its own hour's. */
  uncoveredEnergyShare: number;
  problems: string[];
}

/**
 * Applies the series to the window [t0, t1] (meter seconds; wall time = startWallMs + t * 1000):
 * the window is cut at every row boundary and each piece's energy gets its row's intensity.
 */
export function applySeries(
  s: IntensitySeries,
  startWallMs: number,
  t0: number,
  t1: number,
  energyAt: CumulativeEnergy,
): SeriesApplication {
  const wall = (t: number) => startWallMs + t * 1000;
  const meter = (ms: number) => (ms - startWallMs) / 1000;
  const cuts = [t0];
  for (const r of s.rows) if (meter(r.t) > t0 && meter(r.t) < t1) cuts.push(meter(r.t));
  if (meter(s.endMs) > t0 && meter(s.endMs) < t1) cuts.push(meter(s.endMs));
  cuts.push(t1);
  let eSum = 0;
  let geSum = 0;
  let gtSum = 0;
  let before = 0;
  let after = 0;
  let eBefore = 0;
  let eAfter = 0;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [a, b] = [cuts[i], cuts[i + 1]];
    if (b <= a) continue;
    const mid = wall((a + b) / 2);
    const e = energyAt(b) - energyAt(a);
    let row: SeriesRow;
    if (mid < s.startMs) {
      row = s.rows[0];
      before += b - a;
      eBefore += e;
    } else if (mid >= s.endMs) {
      row = s.rows[s.rows.length - 1];
      after += b - a;
      eAfter += e;
    } else {
      row = s.rows[lastIndexAtOrBefore(s.rows, mid)];
    }
    eSum += e;
    geSum += e * row.gCO2ePerKWh;
    gtSum += (b - a) * row.gCO2ePerKWh;
  }
  const dur = t1 - t0;
  const g =
    eSum > 0 ? geSum / eSum : dur > 0 ? gtSum / dur : (s.rows[lastIndexAtOrBefore(s.rows, wall(t0))]?.gCO2ePerKWh ?? s.rows[0].gCO2ePerKWh);
  const share = (x: number, secs: number) => (eSum > 0 ? x / eSum : dur > 0 ? secs / dur : 0);
  const problems: string[] = [];
  const first = s.rows[0];
  const last = s.rows[s.rows.length - 1];
  if (before > 0) {
    problems.push(
      `carbon series ${s.file} starts at ${iso(s.startMs)}: the first ${fmtS(before)} of the window (${iso(wall(t0))} to ${iso(s.startMs)}, ` +
        `${pct(share(eBefore, before))} of its energy) used the nearest value, ${first.gCO2ePerKWh} gCO2e/kWh from line ${first.line}`,
    );
  }
  if (after > 0) {
    problems.push(
      `carbon series ${s.file} ends at ${iso(s.endMs)}: the last ${fmtS(after)} of the window (${iso(s.endMs)} to ${iso(wall(t1))}, ` +
        `${pct(share(eAfter, after))} of its energy) used the nearest value, ${last.gCO2ePerKWh} gCO2e/kWh from line ${last.line}`,
    );
  }
  return {
    gCO2ePerKWh: g,
    coveredS: dur - before - after,
    uncoveredBeforeS: before,
    uncoveredAfterS: after,
    uncoveredEnergyShare: share(eBefore + eAfter, before + after),
    problems,
  };
}

function lastIndexAtOrBefore(rows: SeriesRow[], ms: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  if (ms < rows[0].t) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (rows[mid].t <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
function fmtS(s: number): string {
  return s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`;
}
