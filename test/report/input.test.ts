/** Bad input to `kdbench report`: not a run, a newer schema, broken JSON, and partial runs (reported, marked partial). */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { handRun, writeRunDir } from '../fixtures/runs/hand-run.js';
import { writeReports } from '../../src/report/index.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-report-input-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function report(...args: string[]) {
  return spawnSync(process.execPath, [MAIN, 'report', ...args], { encoding: 'utf8', timeout: 60_000 });
}

/** A user error: exit 2, the message, no stack trace. */
function assertUserError(r: ReturnType<typeof report>, pattern: RegExp) {
  assert.equal(r.status, 2, `exit ${r.status}; stderr: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace for a user error');
  assert.doesNotMatch(r.stderr, /internal error/);
}

test('a folder that is not a run, a missing folder, a file, no argument', () => {
  const empty = join(tmp, 'empty');
  mkdirSync(empty);
  assertUserError(report(empty), /not a kdbench run directory \(no run\.json\)/);
  assertUserError(report(join(tmp, 'nowhere')), /no such folder/);
  writeFileSync(join(tmp, 'file.txt'), 'x');
  assertUserError(report(join(tmp, 'file.txt')), /not a folder/);
  assertUserError(report(), /expected one RUN_DIR/);
  const other = join(tmp, 'other-json');
  mkdirSync(other);
  writeFileSync(join(other, 'run.json'), JSON.stringify({ schemaVersion: 1, hello: 'world' }));
  assertUserError(report(other), /not a kdbench run \(fields missing.*phases/);
});

test('a run written by a newer schema is refused with the reason', () => {
  const run = handRun();
  run.schemaVersion = 99;
  const dir = writeRunDir(join(tmp, 'newer'), run);
  assertUserError(report(dir), /newer kdbench \(schemaVersion 99; this one reads up to 1\)/);
});

test('a run.json cut short (not JSON) is refused, not crashed on', () => {
  const dir = join(tmp, 'torn-json');
  mkdirSync(dir);
  writeFileSync(join(dir, 'run.json'), JSON.stringify(handRun()).slice(0, 500));
  assertUserError(report(dir), /not valid JSON/);
});

test('a partial run is reported and clearly marked partial, unknowns as n/a', async () => {
  const run = handRun();
  run.status = 'failed';
  run.error = { message: 'out of memory', phase: 'distillation:student-b' };
  run.endedAt = null;
  run.phases = run.phases.slice(0, 4);
  run.totals = null;
  run.carbon = null;
  run.inference = [];
  run.models = [];
  const dir = writeRunDir(join(tmp, 'partial'), run);
  // An earlier report of this folder left CSVs that this one would write with headers only.
  writeFileSync(join(dir, 'summary.csv'), 'model\n');
  writeFileSync(join(dir, 'inference.csv'), 'model\n');
  // The sampler was killed mid-line.
  appendFileSync(join(dir, 'samples.csv'), '12.5000,2026-01-02T03:04:12.500Z,cp');
  const r = report(dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /PARTIAL run: status failed/);
  const mdText = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.match(mdText.split('\n')[0], /^# kdbench report: hand \(PARTIAL: FAILED\)$/);
  assert.match(mdText, /PARTIAL RUN: this run did not complete \(status "failed": out of memory \(in phase distillation:student-b\)\)/);
  assert.match(mdText, /1 unreadable row\(s\) skipped/);
  assert.match(mdText, /ended n\/a/);
  assert.match(mdText, /## Carbon\n\nn\/a/);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.match(html, /<title>kdbench report: hand \(PARTIAL: FAILED\)<\/title>/);
  assert.match(html, /class="warning"[^>]*><strong>Warning:<\/strong> PARTIAL RUN/);
  // No models, no benchmarks: no header-only summary.csv or inference.csv (and none left over from an earlier report).
  assert.ok(!existsSync(join(dir, 'summary.csv')), 'no models: no summary.csv');
  assert.ok(!existsSync(join(dir, 'inference.csv')), 'no benchmarks: no inference.csv');
  assert.ok(existsSync(join(dir, 'emissions.csv')));
  // A run whose process died ("running" forever) is partial too; reports still build.
  run.status = 'running';
  delete run.error;
  writeRunDir(dir, run, null);
  const files = await writeReports(dir);
  assert.ok(files.includes('report.html'));
  assert.match(readFileSync(join(dir, 'report.md'), 'utf8'), /PARTIAL: RUNNING[\s\S]*stopped without finishing run\.json/);
});

test('no samples.csv: the report says so instead of drawing an empty chart', async () => {
  const dir = writeRunDir(join(tmp, 'nosamples'), handRun(), null);
  const files = await writeReports(dir);
  assert.ok(!files.includes('charts/power.png'));
  const mdText = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.match(mdText, /samples\.csv is missing: no power-over-time chart/);
  assert.match(mdText, /Power over time: n\/a/);
});

test('unknown numbers (null in run.json) are shown as n/a, never 0, NaN or "never"', async () => {
  const run = handRun() as unknown as {
    models: Record<string, unknown>[];
    inference: Record<string, unknown>[];
    phases: Record<string, unknown>[];
  };
  run.models[1].accuracy = null;
  run.inference[1].energyJ = null;
  run.inference[1].energyJPer1000 = null;
  run.inference[1].gCO2ePer1000 = null;
  run.phases[1].netEnergyJ = null;
  const dir = writeRunDir(join(tmp, 'nulls'), run as unknown as ReturnType<typeof handRun>);
  await writeReports(dir);
  const mdText = readFileSync(join(dir, 'report.md'), 'utf8');
  // Chart data URIs aside (base64 can spell anything).
  const html = readFileSync(join(dir, 'report.html'), 'utf8').replace(/data:image\/png;base64,[A-Za-z0-9+/=]+/g, '');
  for (const bad of ['NaN', 'undefined', 'null', 'Infinity']) {
    assert.ok(!mdText.includes(bad), `"${bad}" in report.md: ${mdText.split('\n').find((l) => l.includes(bad))}`);
    assert.ok(!html.includes(bad), `"${bad}" in report.html`);
  }
  const row = mdText.split('\n').find((l) => l.startsWith('| student-a | student |'))!;
  const cells = row.split(' | ');
  assert.equal(cells[4], 'n/a', `accuracy: ${row}`);
  assert.equal(cells[6], 'n/a', `energy: ${row}`);
  // No break-even for student-a (its energy per inference is unknown); student-b's "never" stays.
  assert.ok(!/\| student-a \| 8 \|/.test(mdText.split('## Break-even')[1].split('## Energy per phase')[0]));
  assert.match(mdText, /\| student-b \| 8 \| .* \| never \|/);
  const summary = readFileSync(join(dir, 'summary.csv'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('student-a,'))!;
  assert.equal(summary.split(',')[4], '', 'unknown accuracy is an empty cell in summary.csv');
});

test('optional fields: size on disk, confidence intervals and comparisons are shown when a run has them', async () => {
  const plain = writeRunDir(join(tmp, 'no-ci'), handRun());
  await writeReports(plain);
  const before = readFileSync(join(plain, 'report.md'), 'utf8');
  assert.match(before, /No confidence intervals: the run has no repeats/);
  assert.match(
    before.split('\n').find((l) => l.startsWith('| teacher | teacher |'))!,
    /^\| teacher \| teacher \| 100,000 \| n\/a \| 90\.00 % \|/,
  );
  const run = handRun() as ReturnType<typeof handRun> & { comparisons?: unknown[] };
  Object.assign(run.models[0], { sizeBytes: 400 * 1024, accuracyCI95: [0.88, 0.92] });
  Object.assign(run.inference[0], { energyJPer1000CI95: [7.5, 8.5], latencyMsP50CI95: [15, 17] });
  run.comparisons = [
    { metric: 'energyJPer1000', kind: 'ratio', a: 'student-a', b: 'teacher', batchSize: 8, estimate: 0.375, ci95: [0.35, 0.4], n: 5 },
  ];
  const dir = writeRunDir(join(tmp, 'ci'), run);
  await writeReports(dir);
  const mdText = readFileSync(join(dir, 'report.md'), 'utf8');
  const row = mdText.split('\n').find((l) => l.startsWith('| teacher | teacher |'))!;
  assert.match(
    row,
    /^\| teacher \| teacher \| 100,000 \| 400 KiB \| 90\.00 % \\\[88, 92\\\] \| 100\.0 % \| 8 ± 0\.8 \\\[7\.5, 8\.5\\\] \|/,
  );
  assert.match(row, /\| 16 \\\[15, 17\\\] \/ 20 \|$/);
  assert.match(mdText, /\\\[lo, hi\\\] are 95 % confidence intervals over the repeated inference rounds/);
  assert.match(
    mdText,
    /## Comparisons with confidence intervals[\s\S]*\| energyJPer1000 \(partly ESTIMATED \(dram\)\) \| student-a \| teacher \| 8 \| 0\.375x \(a \/ b\) \| \\\[0\.35, 0\.4\\\] \| 5 \|/,
  );
  const summary = readFileSync(join(dir, 'summary.csv'), 'utf8').split('\n');
  const head = summary[0].split(',');
  const teacher = summary.find((l) => l.startsWith('teacher,'))!.split(',');
  assert.equal(teacher[head.indexOf('size_bytes')], String(400 * 1024));
  assert.equal(teacher[head.indexOf('accuracy_ci95_lo')], '0.88');
  assert.equal(teacher[head.indexOf('energy_j_per_1000_ci95_hi')], '8.5');
});
