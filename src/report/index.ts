/**
 * Reports of a run directory, rebuilt from its raw data (run.json + samples.csv) alone:
 * summary.csv, inference.csv, emissions.csv (CodeCarbon layout), charts/*.png, report.md, report.html.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/files.js';
import { readRun } from './load.js';
import { readSamples } from './samples.js';
import { buildReport } from './build.js';
import { renderMarkdown } from './markdown.js';
import { renderHtml } from './html.js';
import { inferenceCsv, summaryCsv } from './summary.js';
import { emissionsCsv } from './emissions.js';

export { readRun, isPartial } from './load.js';

/** The report files writeReports writes (chart PNGs aside). */
export const REPORT_FILES = ['summary.csv', 'inference.csv', 'emissions.csv', 'report.md', 'report.html'];

/** (Re)writes every report file of a run directory from run.json and samples.csv. Returns the files written. */
export async function writeReports(dir: string): Promise<string[]> {
  const run = readRun(dir);
  const samples = readSamples(dir, run.meter?.samplesFile || 'samples.csv');
  const files: string[] = [];
  const put = (name: string, data: string | Buffer) => {
    writeFileAtomic(join(dir, name), data);
    files.push(name);
  };
  put('summary.csv', summaryCsv(run));
  put('inference.csv', inferenceCsv(run));
  put('emissions.csv', emissionsCsv(run));
  const report = buildReport(run, samples);
  if (report.charts.length > 0) mkdirSync(join(dir, 'charts'), { recursive: true });
  for (const c of report.charts) put(c.file, c.png);
  put('report.md', renderMarkdown(report.blocks));
  put('report.html', renderHtml(report.title, report.blocks));
  return files;
}
