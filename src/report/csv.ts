/**
 * Every CSV kdbench writes goes through here. A text cell that starts with = + - @ (or a tab or a
 * carriage return) is what spreadsheets run as a formula: `=HYPERLINK(...)` in a phase or model name
 * would become a live link in Excel or LibreOffice (CSV injection, OWASP). Such cells get a leading
 * apostrophe, which spreadsheets show as text; numbers (negative ones included) are left as numbers.
 */
import { stringify } from 'csv-stringify/sync';

const FORMULA_START = /^[=+\-@\t\r]/;

/** The cell as a spreadsheet will show it as text, never run it. */
export function csvSafeCell<T>(v: T): T | string {
  return typeof v === 'string' && FORMULA_START.test(v) ? `'${v}` : v;
}

/** csv-stringify of rows whose text cells are made safe (csvSafeCell). */
export function stringifyCsv(rows: unknown[][]): string {
  return stringify(rows.map((r) => r.map(csvSafeCell)));
}
