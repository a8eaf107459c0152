/** kdbench collect: a sweep folder's runs merged into one report (collect.md, collect.html, collect.csv, cells.csv, charts/). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from '../../core/files.js';
import { renderHtml } from '../../report/html.js';
import { renderMarkdown } from '../../report/markdown.js';
import { buildCollect } from './build.js';
import type { CollectedSweep } from './load.js';

export { loadSweep } from './load.js';
export type { CollectedSweep, CollectedCell } from './load.js';

/** Writes the merged report into outDir (which the caller created empty). Returns the files written. */
export function writeCollect(sweep: CollectedSweep, outDir: string): string[] {
  const { title, blocks, charts, csv, cellsCsv } = buildCollect(sweep);
  const files: string[] = [];
  const put = (name: string, data: string | Buffer) => {
    writeFileAtomic(join(outDir, name), data);
    files.push(name);
  };
  if (charts.length > 0) mkdirSync(join(outDir, 'charts'), { recursive: true });
  for (const c of charts) put(c.file, c.png);
  put('collect.csv', stringify(csv));
  put('cells.csv', stringify(cellsCsv));
  put('collect.md', renderMarkdown(blocks));
  put('collect.html', renderHtml(title, blocks));
  return files;
}
