/**
 * The carbon record field by field (what run.json and the report print), input checks, and how an hourly series
 * treats windows before or after it, windows without energy and zero-length windows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareCarbon, type EnergyTimeline } from '../../src/carbon/index.js';
import { UserError } from '../../src/core/errors.js';
import { KWH } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-carbon-record-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const file = join(tmp, 'series.csv');
// 12:00 100, 13:00 300, 14:00 200 (holds to 15:00)
writeFileSync(file, '2025-03-01T12:00:00Z,100\n2025-03-01T13:00:00Z,300\n2025-03-01T14:00:00Z,200\n');
const at = (hh: number, mm = 0) => Date.UTC(2025, 2, 1, hh, mm);
const close = (a: number | undefined, b: number) =>
  assert.ok(a !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${a} != ${b}`);
const watts = (startWallMs: number, w: number): EnergyTimeline => ({ startWallMs, energyAt: (t) => w * t });
const HOUR = { name: 'total', t0: 0, t1: 3600 };

test('bad input fails before any work, with the flag named', () => {
  const bad = (opts: Parameters<typeof prepareCarbon>[0], re: RegExp) =>
    assert.throws(
      () => prepareCarbon({ runStartMs: null, ...opts }),
      (e: unknown) => e instanceof UserError && re.test(e.message),
    );
  bad({ dataset: 'ember' }, /--carbon-dataset and --carbon-year choose the data for --region; give --region too/);
  bad({ year: 2024 }, /give --region too/);
  bad({ intensity: -1 }, /--carbon-intensity: expected a number from 0 to 5000, got "-1"/);
  bad({ intensity: NaN }, /--carbon-intensity: expected a number from 0 to 5000/);
  bad({ intensity: Infinity }, /--carbon-intensity: expected a number from 0 to 5000/);
  bad({ intensity: 5001 }, /--carbon-intensity: expected a number from 0 to 5000, got "5001"/);
  bad({ pue: 0.9 }, /--pue: expected a number >= 1 and <= 5, got "0.9"/);
  bad({ pue: 5.5 }, /--pue: expected a number >= 1 and <= 5/);
  bad({ pue: NaN }, /--pue: expected a number >= 1 and <= 5/);
  bad({ pue: 1.2, puePreset: 'local' }, /--pue and --pue-preset: give one or the other/);
  bad({ puePreset: 'moon' }, /--pue-preset moon: unknown preset; known: local, uptime-2024, strubell-2019, google-2023/);
  assert.equal(prepareCarbon({ intensity: 0, runStartMs: null }).intensity.gCO2ePerKWh, 0);
  assert.equal(prepareCarbon({ pue: 1, runStartMs: null }).pue, 1);
  assert.equal(prepareCarbon({ pue: 5, runStartMs: null }).pue, 5);
  assert.equal(prepareCarbon({ puePreset: ' Uptime-2024 ', runStartMs: null }).pue, 1.56);
  assert.match(prepareCarbon({ puePreset: 'GOOGLE-2023', runStartMs: null }).pueSource, /^preset google-2023: Google/);
  assert.equal(prepareCarbon({ pue: 1.3, runStartMs: null }).pueSource, 'given with --pue');
  // A series that starts exactly at the run's start contains it.
  assert.equal(prepareCarbon({ seriesFile: file, runStartMs: at(12) }).intensity.kind, 'series');
  assert.throws(() => prepareCarbon({ seriesFile: file, runStartMs: at(15) }), /does not contain the run's start/);
});

test('an explicit intensity: no region fields, no alternatives, one note, no problems; embodied carbon over the window', () => {
  const c = prepareCarbon({ intensity: 400, runStartMs: null, embodied: [{ name: 'gpu', kgCO2e: 150, lifetimeYears: 5, count: 2 }] });
  assert.equal(c.region, undefined);
  assert.equal(c.series, undefined);
  const r = c.record(0.5 * KWH, { name: 'total', t0: 100, t1: 3700 }, watts(0, 500));
  assert.equal(r.intensityKind, 'explicit');
  assert.equal(r.fallback, false);
  assert.equal(r.year, undefined);
  assert.equal(r.licence, undefined);
  assert.equal(r.dataset, undefined);
  assert.deepEqual(r.alternatives, []);
  assert.deepEqual(r.notes, ['no marginal intensity: it needs --region']);
  assert.deepEqual(r.problems, []);
  assert.equal(r.marginal, undefined);
  assert.equal(r.series, undefined);
  close(r.gCO2e, 200);
  close(r.energyKWh, 0.5);
  // Embodied: 150 kg x 2 x 3600 s / 5 years (of 365.25 days), on top of the operational figure.
  assert.equal(r.embodied?.durationS, 3600);
  const embodied = (150_000 * 2 * 3600) / (5 * 365.25 * 86400);
  close(r.embodied?.gCO2e, embodied);
  close(r.totalGCO2e, 200 + embodied);
  assert.ok(r.equivalents && r.equivalents.length > 0);
});

test('a region: its dataset, year and licence recorded; an explicit intensity or a series wins and says so', () => {
  const region = prepareCarbon({ region: 'FR', runStartMs: null });
  assert.ok(region.region);
  const r = region.record(0.1 * KWH, HOUR, watts(0, 100));
  const i = region.intensity;
  assert.equal(r.intensityKind, 'region');
  assert.equal(r.year, i.year);
  assert.equal(r.licence, i.licence);
  assert.equal(r.dataset, i.dataset);
  assert.ok(i.year !== undefined && i.licence !== undefined && i.dataset !== undefined);
  assert.deepEqual(r.notes, region.region!.notes);
  assert.deepEqual(r.alternatives, region.region!.alternatives);
  close(r.marginal?.gCO2e, 0.1 * region.region!.marginal!.gCO2ePerKWh);
  const explicit = prepareCarbon({ region: 'FR', intensity: 250, runStartMs: null }).record(0.1 * KWH, HOUR, watts(0, 100));
  close(explicit.gCO2e, 25);
  assert.equal(explicit.intensityKind, 'explicit');
  assert.match(
    explicit.notes![0],
    /^--region FR: its annual average \(.* gCO2e\/kWh, .*\) is shown as an alternative, not used: --carbon-intensity takes precedence$/,
  );
  assert.deepEqual(explicit.notes!.slice(1), region.region!.notes);
  assert.equal(explicit.alternatives![0].gCO2ePerKWh, i.gCO2ePerKWh);
  assert.equal(explicit.alternatives!.length, region.region!.alternatives.length + 1);
  const series = prepareCarbon({ region: 'FR', seriesFile: file, runStartMs: at(12) });
  const rs = series.record(0.1 * KWH, HOUR, watts(at(12), 100));
  assert.match(rs.notes![0], /takes precedence/);
  assert.match(rs.notes![0], /--carbon-series takes precedence/);
  // An explicit intensity beats a series too, and says the series was not used.
  const both = prepareCarbon({ intensity: 10, seriesFile: file, runStartMs: null }).record(0.1 * KWH, HOUR, watts(0, 100));
  assert.deepEqual(both.notes, [
    `--carbon-series ${file} not used: --carbon-intensity takes precedence`,
    'no marginal intensity: it needs --region',
  ]);
  assert.equal(both.series, undefined);
});

test('a series: its record names the file, hash and coverage; fallback is false', () => {
  const c = prepareCarbon({ seriesFile: file, runStartMs: at(12, 30) });
  assert.ok(c.series);
  assert.match(
    c.intensity.source,
    new RegExp(`^time series ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(sha256 [0-9a-f]{12}, 3 rows, `),
  );
  assert.equal(c.intensity.source.includes(c.series!.sha256.slice(0, 12) + ','), true);
  close(c.intensity.gCO2ePerKWh, 200);
  const r = c.record(0.1 * KWH, HOUR, watts(at(12, 30), 100));
  assert.equal(r.fallback, false);
  assert.equal(r.series?.rows, 3);
  assert.equal(r.series?.sha256, c.series!.sha256);
  assert.equal(r.series?.startedAt, '2025-03-01T12:00:00.000Z');
  assert.equal(r.series?.endedAt, '2025-03-01T15:00:00.000Z');
  assert.equal(r.series?.complete, true);
  assert.equal(r.series?.coveredS, 3600);
  close(r.gCO2e, 0.05 * 100 + 0.05 * 300);
});

test('a window before the series: the first value, the part and its share of the energy reported', () => {
  // 11:30-12:30 at 100 W, converting a past run (no start check)
  const c = prepareCarbon({ seriesFile: file, runStartMs: null });
  const r = c.record(0.1 * KWH, HOUR, watts(at(11, 30), 100));
  close(r.gCO2e, 0.1 * 100);
  assert.equal(r.series?.uncoveredBeforeS, 1800);
  assert.equal(r.series?.uncoveredAfterS, 0);
  assert.equal(r.series?.coveredS, 1800);
  close(r.series?.uncoveredEnergyShare, 0.5);
  assert.equal(r.problems?.length, 1);
  assert.match(
    r.problems![0],
    /starts at 2025-03-01T12:00:00Z: the first 30\.0 min of the window .*50\.0% of its energy.*100 gCO2e\/kWh from line 1/,
  );
  // The same hour as a window of a longer run (t0 = 600 s): the uncovered part is still 30 min.
  const later = c.record(0.1 * KWH, { name: 'p', t0: 600, t1: 4200 }, watts(at(11, 20), 100));
  assert.equal(later.series?.uncoveredBeforeS, 1800);
  assert.equal(later.series?.coveredS, 1800);
  // Across both ends: 11:00-16:00 with more power in the first hour.
  const e = (t: number) => (t <= 3600 ? 300 * t : 300 * 3600 + 100 * (t - 3600));
  const both = c.record(e(18000), { name: 'total', t0: 0, t1: 18000 }, { startWallMs: at(11), energyAt: e });
  assert.equal(both.series?.uncoveredBeforeS, 3600);
  assert.equal(both.series?.uncoveredAfterS, 3600);
  assert.equal(both.series?.coveredS, 10800);
  close(both.series?.uncoveredEnergyShare, (300 * 3600 + 100 * 3600) / e(18000));
  assert.equal(both.problems?.length, 2);
});

test('a window without energy gets the time-weighted intensity; a zero-length window the value of its hour', () => {
  const c = prepareCarbon({ seriesFile: file, runStartMs: null });
  const idle = watts(at(12, 30), 0);
  const r = c.record(0, HOUR, idle);
  close(r.intensityGCO2ePerKWh, 200); // half an hour at 100, half at 300
  assert.equal(r.gCO2e, 0);
  // Partly outside the series, without energy: the share is the share of time.
  const late = c.record(0, { name: 'total', t0: 0, t1: 3600 }, watts(at(14, 30), 0));
  close(late.series?.uncoveredEnergyShare, 0.5);
  close(late.intensityGCO2ePerKWh, 200);
  // A zero-length window at 13:00 sharp: 13:00's value, not 12:00's; before the series, its first value.
  close(c.record(0, { name: 'p', t0: 1800, t1: 1800 }, idle).intensityGCO2ePerKWh, 300);
  close(c.record(0, { name: 'p', t0: 0, t1: 0 }, idle).intensityGCO2ePerKWh, 100);
  close(c.record(0, { name: 'p', t0: 0, t1: 0 }, watts(at(11), 0)).intensityGCO2ePerKWh, 100);
  assert.equal(c.record(0, { name: 'p', t0: 0, t1: 0 }, idle).series?.uncoveredEnergyShare, 0);
  close(c.record(0, { name: 'p', t0: 0, t1: 0 }, watts(at(14, 59), 0)).intensityGCO2ePerKWh, 200);
  close(c.grams(0, { name: 'p', t0: 0, t1: 0 }, idle), 0);
});
