import { readFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { SCHEMA_VERSION, type RunJson } from '../run/contract.js';
import { writeFileAtomic } from '../run/run-dir.js';
import { renderPng } from './render.js';
import { energyPerPhaseChart } from './charts.js';
import { inferenceCsv, summaryCsv } from './summary.js';
import { renderMarkdown } from './markdown.js';

export function readRun(dir: string): RunJson {
  const path = join(dir, 'run.json');
  if (!existsSync(path)) throw new UserError(`${dir}: not a kdbench run directory (no run.json)`);
  let run: RunJson;
  try {
    run = JSON.parse(readFileSync(path, 'utf8')) as RunJson;
  } catch (e) {
    throw new UserError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  if (typeof run.schemaVersion !== 'number') throw new UserError(`${path}: field "schemaVersion" is missing; not a kdbench run`);
  if (run.schemaVersion > SCHEMA_VERSION) throw new UserError(`${path}: written by a newer kdbench (schemaVersion ${run.schemaVersion}; this one reads up to ${SCHEMA_VERSION}); upgrade kdbench`);
  return run;
}

/** (Re)writes every report file of a run directory from its run.json. Returns the files written. */
export async function writeReports(dir: string): Promise<string[]> {
  const run = readRun(dir);
  const files: string[] = [];
  const put = (name: string, data: string | Buffer) => {
    writeFileAtomic(join(dir, name), data);
    files.push(name);
  };
  put('summary.csv', summaryCsv(run));
  put('inference.csv', inferenceCsv(run));
  const charts: { file: string; title: string }[] = [];
  if (run.phases.length > 0) {
    mkdirSync(join(dir, 'charts'), { recursive: true });
    put('charts/energy-per-phase.png', renderPng(energyPerPhaseChart(run), 900, Math.max(320, 60 + run.phases.length * 28)));
    charts.push({ file: 'charts/energy-per-phase.png', title: 'Energy per phase' });
  }
  put('report.md', renderMarkdown(run, charts));
  return files;
}
