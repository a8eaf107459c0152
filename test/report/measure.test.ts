/** Reports of "kdbench measure" runs: a title that fits, no suite fields, a reproduce line that pastes, no header-only CSVs. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { handRun, writeRunDir } from '../fixtures/runs/hand-run.js';
import { writeReports } from '../../src/report/index.js';
import { buildReport } from '../../src/report/build.js';
import { energyPerPhaseChart } from '../../src/report/charts/energy-per-phase.js';
import { reproduceLine, shellLine } from '../../src/report/reproduce.js';
import type { RunJson } from '../../src/core/contract.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-measure-report-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const CMD = ['sh', '-c', `printf '%s\\n' "it's done" > "$0"`, join(tmp, 'out file.txt')];

/** A measure run as kdbench measure writes it: no suite, no models, no benchmarks, and (older runs) no reproduce line. */
function measureRun(): RunJson {
  const run = handRun();
  run.kind = 'measure';
  delete run.suite;
  delete run.reproduce;
  delete (run.environment as { suiteConfig?: unknown }).suiteConfig;
  run.command = { argv: ['measure', '--out', join(tmp, 'somewhere'), '--quiet', '--', ...CMD], cwd: tmp };
  run.models = [];
  run.inference = [];
  run.phases = run.phases.map((p) => ({ ...p, model: undefined }));
  return run;
}

test('shell quoting: every word survives a POSIX shell', () => {
  assert.equal(shellLine(['a', 'b c', "it's", '--x=1', '$HOME']), `a 'b c' 'it'\\''s' --x=1 '$HOME'`);
  const r = spawnSync('sh', ['-c', `printf '%s\\n' ${shellLine(['b c', "it's", '$HOME', '"q"'])}`], { encoding: 'utf8' });
  assert.equal(r.stdout, `b c\nit's\n$HOME\n"q"\n`);
});

test('a measure run: title, no suite fields, no header-only CSVs, a reproduce line that runs', async () => {
  const dir = writeRunDir(join(tmp, 'm'), measureRun());
  const files = await writeReports(dir);
  assert.ok(!files.includes('summary.csv') && !existsSync(join(dir, 'summary.csv')), 'summary.csv without models');
  assert.ok(!files.includes('inference.csv') && !existsSync(join(dir, 'inference.csv')), 'inference.csv without benchmarks');
  assert.ok(files.includes('emissions.csv'));
  const mdText = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.match(mdText.split('\n')[0], /^# kdbench report: measure sh -c /);
  assert.doesNotMatch(mdText, /Suite|suite file|sha256|## Decision|## Models|teacher against/);
  // The reproduce line: kdbench in front, this run's --out and --quiet dropped, the command quoted; it runs as printed.
  const line = reproduceLine(measureRun());
  assert.equal(line, `kdbench measure -- ${shellLine(CMD)}`);
  assert.ok(mdText.includes(`\`\`\`\n${line}\n\`\`\``));
  const echo = spawnSync('sh', ['-c', line.replace(/^kdbench measure -- /, '')], { encoding: 'utf8' });
  assert.equal(echo.status, 0, echo.stderr);
  assert.equal(readFileSync(join(tmp, 'out file.txt'), 'utf8'), "it's done\n");
  // A line recorded by the run wins.
  const own = { ...measureRun(), reproduce: "kdbench measure -- echo 'x y'" };
  assert.equal(reproduceLine(own), "kdbench measure -- echo 'x y'");
  // Titles that fit: the energy chart of a run without models has no teacher or students, and no role legend.
  const chart = energyPerPhaseChart(measureRun()) as { options: { plugins: { title: { text: string }; legend: { display: boolean } } } };
  assert.equal(chart.options.plugins.title.text, 'Energy per phase (partly ESTIMATED (dram))');
  assert.equal(chart.options.plugins.legend.display, false);
  const report = buildReport(measureRun(), { rows: [], problems: [] });
  assert.ok(
    report.charts.every((c) => !/teacher|student/.test(c.title)),
    report.charts.map((c) => c.title).join('; '),
  );
});
