/** kdbench compare: the same suite on two machines/regions, different suites as wholes, and the refusals. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, handRun, openInChromium, writeRunDir } from '../fixtures/runs/hand-run.js';
import { parseCsv } from '../../src/report/samples.js';
import type { RunJson } from '../../src/core/contract.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-compare-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const compare = (args: string[], cwd = tmp) =>
  spawnSync(process.execPath, [MAIN, 'compare', ...args], { encoding: 'utf8', timeout: 60_000, cwd });

/** The hand run as another run: its own run id, start time and host (a run is itself by these, not by its folder). */
let n = 0;
function anotherRun(): RunJson {
  const run = handRun();
  n++;
  run.runId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  run.startedAt = new Date(Date.parse(run.startedAt) + n * 3_600_000).toISOString();
  return run;
}

/** The same suite on another machine in another region: half the energy per inference, 400 gCO2e/kWh. */
function otherMachine(): RunJson {
  const run = anotherRun();
  (run.environment as { cpu: { model: string }; hostname: string }).cpu.model = 'Other CPU 3000';
  (run.environment as { hostname: string }).hostname = 'bench-2';
  for (const r of run.inference) {
    r.energyJ /= 2;
    r.energyJPer1000 /= 2;
    r.gCO2ePer1000 = (r.energyJPer1000 / 3.6e6) * 1.5 * 400;
  }
  run.carbon = { ...run.carbon!, region: 'DE', intensityGCO2ePerKWh: 400 };
  return run;
}

const a = writeRunDir(join(tmp, 'machine-a'), anotherRun());
const b = writeRunDir(join(tmp, 'machine-b'), otherMachine());

function assertRefused(r: ReturnType<typeof compare>, pattern: RegExp) {
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test('the same suite on two machines: per-model tables, charts, CSV', () => {
  const out = join(tmp, 'cmp-ab');
  const r = compare([a, b, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), out);
  const files = readdirSync(out).sort();
  assert.deepEqual(files, ['charts', 'compare.csv', 'compare.html', 'compare.md']);
  assert.ok(readdirSync(join(out, 'charts')).length >= 4);
  const mdText = readFileSync(join(out, 'compare.md'), 'utf8');
  assert.match(mdText, /^# kdbench compare: suite hand on 2 runs/);
  assert.match(mdText, /\| R1 \| .*machine-a .*Test CPU 9000.*500 gCO2e\/kWh \(FR, 2024\), PUE 1\.5 \|/);
  assert.match(mdText, /\| R2 \| .*machine-b .*Other CPU 3000.*400 gCO2e\/kWh \(DE, 2024\)/);
  // Energy per 1,000 inferences, model by model: machine B uses half.
  // Every energy and CO2e cell says the dram share is an estimate.
  assert.match(
    mdText,
    /\| student-a \| 3 ± 0\.3 \(batch 8\) \(partly ESTIMATED \(dram\)\) \| 1\.5 ± 0\.3 \(batch 8\) \(partly ESTIMATED \(dram\)\) \|/,
  );
  assert.match(mdText, /\| teacher \| 90\.00 % \| 90\.00 % \|/);
  assert.match(
    mdText,
    /- student-a: least energy on R2 \(1\.5 J \(partly ESTIMATED \(dram\)\) per 1,000 inferences, 0\.5x of R1's 3 J \(partly ESTIMATED \(dram\)\)\), outside the measurement error bounds; least CO2e on R2 \(.*0\.4x of R1's\)/,
  );
  const [head, ...rows] = parseCsv(readFileSync(join(out, 'compare.csv'), 'utf8')).filter((x) => x.length > 1);
  assert.equal(rows.length, 6);
  const col = (name: string) => head.indexOf(name);
  const row = (run: string, model: string) => rows.find((x) => x[col('run')] === run && x[col('model')] === model)!;
  assert.equal(Number(row('R1', 'teacher')[col('energy_j_per_1000')]), 8);
  assert.equal(Number(row('R2', 'teacher')[col('energy_j_per_1000')]), 4);
  const html = readFileSync(join(out, 'compare.html'), 'utf8');
  assert.equal((html.match(/src="data:image\/png;base64,/g) ?? []).length, (mdText.match(/!\[/g) ?? []).length);
});

test('never overwrites: an existing non-empty --out is refused, the default is a new folder each time', () => {
  const out = join(tmp, 'taken');
  mkdirSync(out);
  writeFileSync(join(out, 'keep.txt'), 'mine');
  assertRefused(compare([a, b, '--out', out]), /not empty/);
  assert.equal(readFileSync(join(out, 'keep.txt'), 'utf8'), 'mine');
  const first = compare([a, b, '--quiet']);
  const second = compare([a, b]);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(second.status, 0, second.stderr);
  const made = readdirSync(join(tmp, 'reports'));
  assert.equal(made.length, 2, made.join(', '));
  assert.ok(made.every((d) => /compare/.test(d)));
});

test('different suites per model: refused with the reason and what can be compared', () => {
  const other = anotherRun();
  other.suite = { ...other.suite!, name: 'other-suite', sha256: 'b'.repeat(64) };
  const c = writeRunDir(join(tmp, 'other-suite'), other);
  const out = join(tmp, 'cmp-refused');
  const r = compare([a, c, '--out', out]);
  assertRefused(r, /cannot compare these runs model by model: they ran different suites/);
  assert.match(r.stderr, /R1 \(machine-a\): suite hand, sha256 aaaaaaaaaaaa; R2 \(other-suite\): suite other-suite, sha256 bbbbbbbbbbbb/);
  assert.match(r.stderr, /--by suite/);
  assert.ok(!existsSync(out), 'nothing written on a refusal');
  // As wholes, they can be compared.
  const ok = compare([a, c, '--by', 'suite', '--out', out]);
  assert.equal(ok.status, 0, ok.stderr);
  const mdText = readFileSync(join(out, 'compare.md'), 'utf8');
  assert.match(mdText, /each as a whole/);
  assert.doesNotMatch(mdText, /Models side by side/);
  assert.match(mdText, /student-a: 85\.50 % \(95\.0 %\), 0\.375x, N\\\* 10,000; student-b: 80\.00 % \(88\.9 %\), 1\.13x, N\\\* never/);
});

test('quick against full, other schema versions, measure runs, the same run twice: refused', () => {
  const quick = anotherRun();
  quick.suite!.quick = true;
  const q = writeRunDir(join(tmp, 'quick'), quick);
  assertRefused(
    compare([a, q, '--by', 'suite']),
    /cannot compare --quick smoke runs with full runs \(quick: R2 \(quick\); full: R1 \(machine-a\)\)/,
  );
  const old = anotherRun();
  old.schemaVersion = 0;
  const o = writeRunDir(join(tmp, 'old-schema'), old);
  assertRefused(compare([a, o]), /different run\.json schema versions \(R1 \(machine-a\): 1, R2 \(old-schema\): 0\)/);
  const measure = anotherRun();
  measure.kind = 'measure';
  const m = writeRunDir(join(tmp, 'measure'), measure);
  assertRefused(compare([a, m]), /R2 \(measure\): written by "kdbench measure"/);
  assertRefused(compare([a, `${tmp}/./machine-a/`]), /are the same run directory/);
  assertRefused(compare([a]), /at least two run directories/);
  assertRefused(compare([a, join(tmp, 'nothing-here')]), /no such folder/);
  assertRefused(compare([a, b, '--by', 'region']), /--by: expected "model" or "suite"/);
});

test('compare.html renders in headless Chromium with its charts and no console errors', (t) => {
  if (!CHROMIUM) {
    t.skip('chromium is not installed (apt-get install -y chromium); browser check skipped');
    return;
  }
  const r = openInChromium(join(tmp, 'cmp-ab', 'compare.html'));
  const m = r.dom.match(/<body data-charts="(\d+)\/(\d+)"/);
  assert.ok(m, 'the page script did not run');
  assert.ok(Number(m[2]) >= 4);
  assert.equal(m[1], m[2]);
  assert.deepEqual(r.console, []);
});

test('the same run twice is refused even as a copy of its folder: same run id and start; older runs: start, host and suite', () => {
  const copy = join(tmp, 'machine-a-copy');
  cpSync(a, copy, { recursive: true });
  const r = compare([a, copy, '--out', join(tmp, 'cmp-copy')]);
  assertRefused(
    r,
    /R1 \(machine-a\) and R2 \(machine-a-copy\) are the same run \(run id 00000000-0000-4000-8000-000000000001, started 2026-01-02T04:04:00\.000Z\): one is a copy/,
  );
  assert.ok(!existsSync(join(tmp, 'cmp-copy')), 'nothing written on a refusal');
  // Runs written before run ids: the start time, host name and suite hash tell them apart.
  const old1 = handRun();
  const o1 = writeRunDir(join(tmp, 'old-1'), old1);
  const o2 = writeRunDir(join(tmp, 'old-1-copy'), old1);
  assertRefused(
    compare([o1, o2]),
    /are the same run \(no run id; started 2026-01-02T03:04:00\.000Z on host bench-1, suite sha256 aaaaaaaaaaaa\)/,
  );
  // Another run with the same start time but another run id, or another host, is another run.
  const twin = handRun();
  (twin.environment as { hostname: string }).hostname = 'bench-9';
  const o3 = writeRunDir(join(tmp, 'old-other-host'), twin);
  assert.equal(compare([o1, o3, '--out', join(tmp, 'cmp-old')]).status, 0);
  const sameStart = { ...old1, runId: 'aaaaaaaa-0000-4000-8000-000000000001' };
  const o4 = writeRunDir(join(tmp, 'same-start-with-id'), sameStart);
  const o5 = writeRunDir(join(tmp, 'same-start-other-id'), { ...sameStart, runId: 'aaaaaaaa-0000-4000-8000-000000000002' });
  assert.equal(compare([o4, o5, '--out', join(tmp, 'cmp-ids')]).status, 0);
});
