/**
 * Fault injection on carbon inputs (issue 12, defect 10): figures that would overflow to Infinity
 * (1e308 MWh, 1e308 t, a lifetime of 1e-300 s) and a series value far above any grid are refused
 * with the flag or the file line; no report ever shows "Infinity" (or null where a figure belongs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors.js';
import { LIMITS, parseDuration, parseEnergy, parseMass } from '../../src/carbon/units.js';
import { parseEmbodied } from '../../src/carbon/embodied.js';
import { parseSeries } from '../../src/carbon/series.js';
import { nonFiniteFields, prepareCarbon } from '../../src/carbon/index.js';
import { REPO } from '../support/meters-fakes.js';

const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-faults-finite-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const userError = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(e.message);

test('energy, durations and masses that overflow (or pass the stated limits) are user errors naming the flag', () => {
  assert.throws(() => parseEnergy('energy', '1e308MWh'), userError(/--energy: "1e308MWh" is too large \(at most 1e21 J\)/));
  assert.throws(() => parseEnergy('energy', '1e400J'), userError(/too large/));
  assert.equal(parseEnergy('energy', '1e21J'), LIMITS.energyJ);
  assert.throws(() => parseDuration('duration', '1e308y'), userError(/--duration: "1e308y" is too large/));
  assert.throws(() => parseDuration('duration', '1001y'), userError(/too large/));
  assert.throws(() => parseMass('embodied', '1e308t'), userError(/--embodied: "1e308t" is too large/));
  assert.throws(() => parseEmbodied('gpu=1t:1e-300s'), userError(/the lifetime must be at least a day/));
  assert.throws(() => parseEmbodied('gpu=1t:5y:x99999999'), userError(/count must be a whole number from 1 to 1000000/));
});

test('a carbon series value above what --carbon-intensity accepts is refused with its line; so is an explicit 1e300', () => {
  assert.throws(
    () => parseSeries('2025-03-01T12:00Z,100\n2025-03-01T13:00Z,1e300\n', 's.csv'),
    userError(/s\.csv: line 2: field 2 \(gCO2e\/kWh\): 1e300 is above 5000/),
  );
  assert.doesNotThrow(() => parseSeries('2025-03-01T12:00Z,5000\n2025-03-01T13:00Z,0\n', 's.csv'));
  assert.throws(() => prepareCarbon({ intensity: 1e300 }), userError(/--carbon-intensity: expected a number from 0 to 5000/));
});

test('at the limits every field of the carbon record is a finite number', () => {
  const c = prepareCarbon({ intensity: LIMITS.intensityGPerKWh, pue: 5, embodied: [parseEmbodied(`gpu=${LIMITS.massG}g:1d:x1000000`)] });
  const timeline = {
    startWallMs: Date.now(),
    energyAt: (t: number) => (LIMITS.energyJ * Math.min(t, LIMITS.durationS)) / LIMITS.durationS,
  };
  const rec = c.record(LIMITS.energyJ, { t0: 0, t1: LIMITS.durationS }, timeline);
  assert.deepEqual(nonFiniteFields(rec), []);
  assert.deepEqual(nonFiniteFields({ a: [1, { b: Infinity }], c: NaN }), ['a[1].b', 'c']);
});

test('kdbench carbon: 1e308MWh and a 1e300 series exit 2 with the reason; "Infinity" is never printed', () => {
  const series = join(tmp, 'huge.csv');
  writeFileSync(series, '2025-03-01T12:00:00Z,1e300\n2025-03-01T13:00:00Z,100\n');
  for (const args of [
    ['--energy', '1e308MWh'],
    ['--energy', '1e308MWh', '--json'],
    ['--energy', '1kWh', '--carbon-series', series, '--start', '2025-03-01T12:10:00Z', '--duration', '10m'],
    ['--energy', '1kWh', '--embodied', 'gpu=1t:1e-300s', '--duration', '1h'],
  ]) {
    const r = spawnSync(process.execPath, [CLI, 'carbon', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stdout + r.stderr, /Infinity|null/);
  }
});
