/** Writes a comparison of run directories: compare.md, compare.html, compare.csv and charts/ in a new folder. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringifyCsv } from '../csv.js';
import { writeFileAtomic } from '../../core/files.js';
import { readRun } from '../load.js';
import { renderMarkdown } from '../markdown.js';
import { renderHtml } from '../html.js';
import { checkComparable, type CompareMode, type LoadedRun } from './check.js';
import { buildCompare } from './build.js';

export type { CompareMode } from './check.js';

/** Loads and checks the runs (UserError when they cannot be compared); writes nothing. */
export function loadForCompare(dirs: string[], mode: CompareMode | undefined): { runs: LoadedRun[]; mode: CompareMode } {
  const runs = dirs.map((dir, i) => ({ dir, label: `R${i + 1}`, run: readRun(dir) }));
  return { runs, mode: checkComparable(runs, mode) };
}

/** Writes the comparison into outDir (which the caller created empty). Returns the files written. */
export function writeCompare(runs: LoadedRun[], mode: CompareMode, outDir: string): string[] {
  const { title, blocks, charts, csv } = buildCompare(runs, mode);
  const files: string[] = [];
  const put = (name: string, data: string | Buffer) => {
    writeFileAtomic(join(outDir, name), data);
    files.push(name);
  };
  if (charts.length > 0) mkdirSync(join(outDir, 'charts'), { recursive: true });
  for (const c of charts) put(c.file, c.png);
  put('compare.csv', stringifyCsv(csv));
  put('compare.md', renderMarkdown(blocks));
  put('compare.html', renderHtml(title, blocks));
  return files;
}
