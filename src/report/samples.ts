/** Reads samples.csv (written by the sampler with csv-stringify) back into rows. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_COLUMNS } from '../core/contract.js';
import { fileInRunDir, readRegularFile } from './safe-read.js';

export interface SampleRow {
  /** Seconds since the meter started. */
  t: number;
  /** Wall-clock time of the sample, ms since the epoch. */
  timeMs: number;
  device: string;
  method: string;
  powerW: number;
  energyJ: number;
  phase: string;
}

/** RFC 4180 fields: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface SamplesFile {
  rows: SampleRow[];
  /** Why rows are missing (no file, a torn last line, unknown columns). Empty when none are. */
  problems: string[];
}

/** Rows of samples.csv; a missing file or a torn last line (a crashed run) is a problem, not an error. */
export function readSamples(dir: string, file = 'samples.csv'): SamplesFile {
  const safe = fileInRunDir(file);
  if (safe === undefined)
    return {
      rows: [],
      problems: [`run.json names samples file "${file}", which is not a file name in the run directory: no power-over-time chart`],
    };
  const path = join(dir, safe);
  if (!existsSync(path)) return { rows: [], problems: [`${file} is missing: no power-over-time chart`] };
  const table = parseCsv(readRegularFile(path));
  const head = table.shift() ?? [];
  const col = (name: string) => head.indexOf(name);
  const need = ['t_s', 'timestamp', 'device', 'power_w', 'energy_j'];
  const missing = need.filter((n) => col(n) < 0);
  if (missing.length > 0) return { rows: [], problems: [`${file}: columns ${missing.join(', ')} missing; not a kdbench samples file`] };
  const [it, iTime, iDev, iMethod, iP, iE, iPhase] = SAMPLE_COLUMNS.map(col);
  const rows: SampleRow[] = [];
  let bad = 0;
  for (const r of table) {
    const row: SampleRow = {
      t: Number(r[it]),
      timeMs: Date.parse(r[iTime] ?? ''),
      device: r[iDev] ?? '',
      method: iMethod >= 0 ? (r[iMethod] ?? '') : '',
      powerW: Number(r[iP]),
      energyJ: Number(r[iE]),
      phase: iPhase >= 0 ? (r[iPhase] ?? '') : '',
    };
    if (r.length < head.length || !Number.isFinite(row.t) || !Number.isFinite(row.powerW) || row.device === '') bad++;
    else rows.push(row);
  }
  return {
    rows,
    problems: bad > 0 ? [`${file}: ${bad} unreadable row(s) skipped (a run that stopped mid-write leaves a torn last line)`] : [],
  };
}
