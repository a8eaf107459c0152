/**
 * Finds the elements of report.md and report.html that must carry a label, so that tests assert the
 * label where it must appear (the models table's energy header, the warnings at the top) instead of
 * matching a word anywhere in the report.
 */

const unescapeHtml = (s: string) =>
  s
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** Header cells of the first table after the level-2 heading `heading` in report.html; undefined without one. */
export function htmlTableHeader(html: string, heading: string): string[] | undefined {
  const m = new RegExp(`<h2[^>]*>${heading}</h2>`).exec(html);
  if (!m) return undefined;
  const rest = html.slice(m.index + m[0].length);
  const next = rest.search(/<h2[\s>]/);
  const section = next < 0 ? rest : rest.slice(0, next);
  const thead = /<thead>([\s\S]*?)<\/thead>/.exec(section);
  if (!thead) return undefined;
  return [...thead[1].matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((x) => unescapeHtml(x[1]));
}

/** Text of every warning box above the first level-2 heading of report.html (the top of the report). */
export function htmlTopWarnings(html: string): string[] {
  const body = html.slice(html.indexOf('<body'));
  const first = body.search(/<h2[\s>]/);
  const top = first < 0 ? body : body.slice(0, first);
  return [...top.matchAll(/<div class="warning"[^>]*>([\s\S]*?)<\/div>/g)].map((x) => unescapeHtml(x[1]));
}

/** Splits a Markdown table row into cells ("\|" inside a cell is not a separator). */
function mdCells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\([|*_`[\]\\])/g, '$1'));
}

/** Header cells of the first table after `## heading` in report.md. */
export function mdTableHeader(md: string, heading: string): string[] | undefined {
  const lines = md.split('\n');
  const at = lines.indexOf(`## ${heading}`);
  if (at < 0) return undefined;
  for (let i = at + 1; i < lines.length && !lines[i].startsWith('## '); i++) if (lines[i].startsWith('|')) return mdCells(lines[i]);
  return undefined;
}

/** Text of every "> **Warning:**" block above the first "## " heading of report.md. */
export function mdTopWarnings(md: string): string[] {
  const lines = md.split('\n');
  const first = lines.findIndex((l) => l.startsWith('## '));
  return lines
    .slice(0, first < 0 ? lines.length : first)
    .filter((l) => l.startsWith('> '))
    .map((l) => l.replace(/\\([|*_`[\]\\])/g, '$1'));
}

/** The energy columns of a models table: figures in joules or kWh (not the CO2e or ratio columns). */
export function energyHeaders(header: string[]): string[] {
  return header.filter((h) => /(^|[^A-Za-z])(J|kWh|Wh)([^A-Za-z]|$)|energy/i.test(h) && !/CO2/i.test(h));
}
