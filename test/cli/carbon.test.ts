import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/carbon-cli.test.js -> dist/src/cli/main.js
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-carbon-cli-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function kdbench(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, 'carbon', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function json(...args: string[]) {
  const r = kdbench(...args, '--json');
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as Record<string, unknown> & { gCO2e: number; intensityGCO2ePerKWh: number };
}

/** A bad-input run: exit 2, the message on stderr, no stack trace, nothing on stdout. */
function rejects(re: RegExp, ...args: string[]) {
  const r = kdbench(...args);
  assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.err}`);
  assert.match(r.err, re);
  assert.doesNotMatch(r.err, /\n\s+at |internal error/);
  assert.equal(r.out, '');
}

test('kdbench carbon --energy 1.5kWh --region FR: readable, with every part', () => {
  const r = kdbench('--energy', '1.5kWh', '--region', 'FR');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /1\.5 kWh measured x PUE 1\.00/);
  assert.match(r.out, /31 gCO2e\/kWh, location-based \(average\); region FR; year 2025/);
  assert.match(r.out, /Electricity Maps 2025 yearly average for zone FR/);
  assert.match(r.out, /Operational\s+46\.5 gCO2e/); // 1.5 x 31
  assert.match(r.out, /Marginal\s+158 gCO2e\/kWh -> 237 gCO2e/); // 1.5 x 158
  assert.match(r.out, /Ember FRA 44\.2 gCO2e\/kWh -> 66\.3 gCO2e/);
  assert.match(r.out, /smartphone charges/);
});

test('--json: the run.json carbon record; J, Wh, MWh units', () => {
  const fr = json('--energy', '1.5kWh', '--region', 'FR');
  assert.equal(fr.gCO2e, 46.5);
  assert.equal(fr.intensityKind, 'region');
  assert.equal(fr.dataset, 'Electricity Maps');
  assert.equal((fr.marginal as { gCO2e: number }).gCO2e, 237);
  assert.equal(json('--energy', '5400J', '--carbon-intensity', '100').gCO2e, 0.15); // 0.0015 kWh x 100
  assert.equal(json('--energy', '2Wh', '--carbon-intensity', '500').gCO2e, 1);
  const mwh = json('--energy', '0.001MWh', '--carbon-intensity', '500', '--pue-preset', 'uptime-2024');
  assert.ok(Math.abs(mwh.gCO2e - 780) < 1e-9); // 1 kWh x 1.56 x 500
  const world = json('--energy', '1kWh');
  assert.equal(world.fallback, true);
  assert.equal(world.gCO2e, 472.94);
});

test('a series crossing an hour, and embodied carbon over --duration', () => {
  const f = join(tmp, 's.csv');
  writeFileSync(f, 'timestamp,g\n2025-03-01T12:00:00Z,100\n2025-03-01T13:00:00Z,300\n');
  // 0.2 kWh at constant power 12:30-13:30: half in each hour -> 0.1 x 100 + 0.1 x 300 = 40 g
  const r = json('--energy', '0.2kWh', '--carbon-series', f, '--start', '2025-03-01T12:30:00Z', '--duration', '1h');
  assert.ok(Math.abs(r.gCO2e - 40) < 1e-9);
  assert.equal((r.series as { complete: boolean }).complete, true);
  const e = json('--energy', '1kWh', '--carbon-intensity', '0', '--embodied', 'gpu=150kg:5y:x2', '--duration', '1h');
  assert.ok(Math.abs((e.totalGCO2e as number) - (300000 * 3600) / (5 * 365.25 * 86400)) < 1e-9); // 6.84 g
});

test('bad input: exit 2 with a message and no stack trace', () => {
  rejects(/--region XX: unknown region/, '--energy', '1kWh', '--region', 'XX');
  rejects(/did you mean DE \(Germany\), DEU \(Germany\)/, '--energy', '1kWh', '--region', 'DEX');
  rejects(/--energy: expected a non-negative energy/, '--energy=-1kWh');
  rejects(/--energy: expected a non-negative energy/, '--energy', 'lots');
  rejects(/--energy: expected a non-negative energy/, '--energy', '1.5');
  rejects(/--energy is required/);
  rejects(/--carbon-intensity: expected a number >= 0/, '--energy', '1kWh', '--carbon-intensity=-3');
  rejects(/--pue: expected a number >= 1/, '--energy', '1kWh', '--pue', 'high');
  rejects(/--pue-preset aws: unknown preset/, '--energy', '1kWh', '--pue-preset', 'aws');
  rejects(/--embodied gpu: expected NAME=MASS:LIFETIME/, '--energy', '1kWh', '--embodied', 'gpu', '--duration', '1h');
  rejects(/--embodied needs --duration/, '--energy', '1kWh', '--embodied', 'gpu=150kg:5y');
  rejects(/Unknown option '--colour'/, '--energy', '1kWh', '--colour');
  const bad = join(tmp, 'bad.csv');
  writeFileSync(bad, '2025-03-01T12:00:00Z,100\n2025-03-01T13:00:00Z,n/a\n');
  rejects(
    /bad\.csv: line 2: field 2 \(gCO2e\/kWh\)/,
    '--energy',
    '1kWh',
    '--carbon-series',
    bad,
    '--start',
    '2025-03-01T12:00:00Z',
    '--duration',
    '1h',
  );
  const short = join(tmp, 'short.csv');
  writeFileSync(short, '2025-03-01T12:00:00Z,100\n2025-03-01T13:00:00Z,300\n'); // covers 12:00-14:00
  rejects(
    /covers 2025-03-01T12:00:00\.000Z to 2025-03-01T14:00:00\.000Z, not all of .*the last 1800 s fall outside it/,
    '--energy',
    '1kWh',
    '--carbon-series',
    short,
    '--start',
    '2025-03-01T13:00:00Z',
    '--duration',
    '90m',
  );
  rejects(
    /does not contain the run's start/,
    '--energy',
    '1kWh',
    '--carbon-series',
    short,
    '--start',
    '2025-03-01T11:00:00Z',
    '--duration',
    '1h',
  );
  rejects(/--carbon-series needs --start/, '--energy', '1kWh', '--carbon-series', short);
  rejects(
    /--start: expected an ISO 8601 time with a time zone/,
    '--energy',
    '1kWh',
    '--carbon-series',
    short,
    '--start',
    '2025-03-01 12:00',
    '--duration',
    '1h',
  );
});

test('--help prints the usage and exits 0; the command is listed in kdbench --help', () => {
  const r = kdbench('--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /Usage: kdbench carbon --energy E/);
  assert.match(r.out, /--pue-preset NAME\s+local \(1\), uptime-2024 \(1\.56\)/);
  const top = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
  assert.match(top.stdout, /\n\s+carbon\s+convert an energy figure to CO2e/);
});
