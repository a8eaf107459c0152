/**
 * Reports of a run directory, rebuilt from its raw data (run.json + samples.csv) alone:
 * summary.csv (summary-retrieval.ts for retrieval runs), inference.csv, emissions.csv (CodeCarbon layout), charts/*.png, report.md, report.html.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/files.js';
import { readRun } from './load.js';
import { readSamples } from './samples.js';
import { buildReport, type ReportOptions } from './build.js';
import { renderMarkdown } from './markdown.js';
import { renderHtml } from './html.js';
import { inferenceCsv, summaryCsv } from './summary.js';
import { retrievalSummaryCsv } from './summary-retrieval.js';
import { emissionsCsv } from './emissions.js';

export { readRun, isPartial } from './load.js';
export type { ReportOptions } from './build.js';
export { DEFAULT_REQUESTS_PER_DAY } from './decision.js';

/** The report files writeReports writes (chart PNGs aside); summary.csv and inference.csv only where the run has rows for them. */
export const REPORT_FILES = ['summary.csv', 'inference.csv', 'emissions.csv', 'report.md', 'report.html'];

/**
 * (Re)writes every report file of a run directory from run.json and samples.csv. Returns the files written.
 * A CSV that would hold only its header (summary.csv without models, inference.csv without benchmarks,
 * as in a "kdbench measure" run) is not written, and a stale copy from an earlier report is removed.
 */
export async function writeReports(dir: string, opts: ReportOptions = {}): Promise<string[]> {
  const run = readRun(dir);
  const samples = readSamples(dir, run.meter?.samplesFile || 'samples.csv');
  const files: string[] = [];
  const put = (name: string, data: string | Buffer) => {
    writeFileAtomic(join(dir, name), data);
    files.push(name);
  };
  const maybe = (name: string, rows: number, data: () => string) => {
    if (rows > 0) put(name, data());
    else rmSync(join(dir, name), { force: true });
  };
  // A retrieval run's summary names its ranking metrics and the parts of its energy (no accuracy column).
  maybe('summary.csv', run.models.length, () => (run.retrieval ? retrievalSummaryCsv(run) : summaryCsv(run)));
  maybe('inference.csv', run.inference.length, () => inferenceCsv(run));
  put('emissions.csv', emissionsCsv(run));
  const report = buildReport(run, samples, opts);
  if (report.charts.length > 0) mkdirSync(join(dir, 'charts'), { recursive: true });
  for (const c of report.charts) put(c.file, c.png);
  put('report.md', renderMarkdown(report.blocks));
  put('report.html', renderHtml(report.title, report.blocks));
  return files;
}
