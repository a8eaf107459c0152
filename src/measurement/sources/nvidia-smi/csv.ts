/**
 * nvidia-smi's `--query-gpu=FIELDS --format=csv,noheader,nounits` output: one line per GPU per probe,
 * values separated by comma and space, in the order of FIELDS. The one parser of it, used by the
 * probe (one-shot queries) and by the streaming source (one line at a time from `-lms N`).
 */
import { execFileSync } from 'node:child_process';

/** nvidia-smi prints local time as "YYYY/MM/DD HH:MM:SS.mmm"; returns ms since epoch, or undefined. */
export function parseSmiTimestamp(s: string): number | undefined {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(s.trim());
  if (!m) return undefined;
  const ms = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  return new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms).getTime();
}

/** A value of a nounits CSV field: a number, or undefined for "[N/A]", "[Not Supported]" and the like. */
export function parseSmiNumber(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const v = s.trim().replace(/\s*W$/, '');
  if (v === '' || v.startsWith('[')) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** A text value: undefined for "[N/A]", "[Not Supported]", "[Unknown Error]" and empty fields. */
export function parseSmiText(s: string | undefined): string | undefined {
  const v = s?.trim();
  return v === undefined || v === '' || v.startsWith('[') ? undefined : v;
}

/** One GPU's line: the raw values of the queried fields, by field name. */
export type SmiRow = Record<string, string>;

/**
 * Splits one CSV line into the values of `fields`. The line must carry `index` (where `fields` has it) as a
 * whole number, or it is not a GPU row: nvidia-smi prints its errors and messages on the same stdout.
 */
export function parseSmiLine(line: string, fields: readonly string[]): SmiRow | undefined {
  const parts = line.split(',').map((x) => x.trim());
  const at = fields.indexOf('index');
  if (at >= 0 && !/^\d+$/.test(parts[at] ?? '')) return undefined;
  const row: SmiRow = {};
  for (let i = 0; i < fields.length; i++) row[fields[i]] = parts[i] ?? '';
  return row;
}

/** Every GPU row of an output. */
export function parseSmiCsv(text: string, fields: readonly string[]): SmiRow[] {
  return text
    .split('\n')
    .map((l) => parseSmiLine(l, fields))
    .filter((r): r is SmiRow => r !== undefined);
}

/** The arguments of a query: `--query-gpu=FIELDS --format=csv,noheader,nounits`. */
export function smiQueryArgs(fields: readonly string[]): string[] {
  return [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits'];
}

/**
 * Runs one query (no shell) and parses its rows. Throws where nvidia-smi fails, e.g. for a field this
 * driver does not know ('Field "x" is not a valid field to query', exit code 2) or a driver that is not loaded.
 */
export function querySmi(binary: string, fields: readonly string[]): SmiRow[] {
  const out = execFileSync(binary, smiQueryArgs(fields), { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return parseSmiCsv(out, fields);
}
