import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSeries, seriesMean } from '../../src/carbon/series.js';
import { prepareCarbon } from '../../src/carbon/index.js';
import { UserError } from '../../src/core/errors.js';
import { piecewiseTrace, KWH } from './helpers.js';
import { energyTimeline } from '../../src/measurement/trace-energy.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-carbon-series-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

// 12:00 100, 13:00 300, 14:00 200 gCO2e/kWh; the last row holds one step, to 15:00
const SERIES = 'timestamp,gco2e_per_kwh\n# hourly\n2025-03-01T12:00:00Z,100\n2025-03-01T13:00:00Z,300\n2025-03-01T15:00:00+01:00,200\n';
const file = join(tmp, 'series.csv');
writeFileSync(file, SERIES);
const at = (hh: number, mm = 0) => Date.UTC(2025, 2, 1, hh, mm);

test('a run crossing an hour boundary is weighted by the energy in each hour', () => {
  // 12:30-13:00 gpu 100 W, 13:00-13:30 gpu 300 W; cpu 50 W throughout
  const trace = piecewiseTrace(at(12, 30), {
    gpu: [
      [1800, 100],
      [1800, 300],
    ],
    cpu: [[3600, 50]],
  });
  const c = prepareCarbon({ seriesFile: file, runStartMs: at(12, 30) });
  const total = { name: 'total', t0: 0, t1: 3600 };
  // hour 12: (100 + 50) W x 1800 s = 0.075 kWh x 100 = 7.5 g; hour 13: (300 + 50) W x 1800 s = 0.175 kWh x 300 = 52.5 g
  const energyJ = 0.25 * KWH;
  assert.ok(Math.abs(c.grams(energyJ, total, energyTimeline(trace)) - 60) < 1e-9);
  const r = c.record(energyJ, total, energyTimeline(trace));
  assert.equal(r.intensityKind, 'series');
  assert.ok(Math.abs(r.intensityGCO2ePerKWh - 240) < 1e-9); // 60 g / 0.25 kWh
  assert.ok(Math.abs(r.gCO2e - 60) < 1e-9);
  assert.equal(r.series?.complete, true);
  assert.equal(r.series?.coveredS, 3600);
  assert.deepEqual(r.problems, []);
  // a phase inside one hour gets that hour's value only
  assert.ok(Math.abs(c.grams(150 * 1800, { name: 'a', t0: 0, t1: 1800 }, energyTimeline(trace)) - 0.075 * 100) < 1e-9);
  // with PUE 1.2 the operational figure scales, and the facility energy is shown separately
  const p = prepareCarbon({ seriesFile: file, runStartMs: at(12, 30), pue: 1.2 }).record(energyJ, total, energyTimeline(trace));
  assert.ok(Math.abs(p.gCO2e - 72) < 1e-9);
  assert.ok(Math.abs((p.facilityEnergyKWh ?? 0) - 0.3) < 1e-12);
});

test('phase figures add up to the run figure (each piece of energy gets its own hour once)', () => {
  const trace = piecewiseTrace(at(12, 10), {
    gpu: [
      [1500, 200],
      [2000, 400],
      [700, 100],
    ],
  });
  const c = prepareCarbon({ seriesFile: file, runStartMs: at(12, 10) });
  const cuts = [0, 900, 2500, 4200];
  const energy = (a: number, b: number) => {
    const e = (t: number) => (t <= 1500 ? 200 * t : t <= 3500 ? 300000 + 400 * (t - 1500) : 1100000 + 100 * (t - 3500));
    return e(b) - e(a);
  };
  let sum = 0;
  for (let i = 0; i + 1 < cuts.length; i++)
    sum += c.grams(energy(cuts[i], cuts[i + 1]), { name: `p${i}`, t0: cuts[i], t1: cuts[i + 1] }, energyTimeline(trace));
  const total = c.grams(energy(0, 4200), { name: 'total', t0: 0, t1: 4200 }, energyTimeline(trace));
  // by hand: 12:10-13:00 = 3000 s: 1500 s x 200 W + 1500 s x 400 W = 900 kJ = 0.25 kWh x 100 = 25 g;
  // 13:00-13:20 = 1200 s: 500 s x 400 W + 700 s x 100 W = 270 kJ = 0.075 kWh x 300 = 22.5 g
  assert.ok(Math.abs(total - 47.5) < 1e-9, String(total));
  assert.ok(Math.abs(sum - total) < 1e-9);
});

test('a run outlasting the series: the nearest value is used and the record says which part, how much energy, which line', () => {
  // 14:30-15:30 at a constant 100 W; the series ends at 15:00
  const trace = piecewiseTrace(at(14, 30), { gpu: [[3600, 100]] });
  const r = prepareCarbon({ seriesFile: file, runStartMs: at(14, 30) }).record(
    0.1 * KWH,
    { name: 'total', t0: 0, t1: 3600 },
    energyTimeline(trace),
  );
  assert.ok(Math.abs(r.gCO2e - 20) < 1e-9); // 0.1 kWh x 200 (last value for both halves)
  assert.equal(r.series?.complete, false);
  assert.equal(r.series?.uncoveredAfterS, 1800);
  assert.equal(r.series?.uncoveredBeforeS, 0);
  assert.ok(Math.abs((r.series?.uncoveredEnergyShare ?? 0) - 0.5) < 1e-9);
  assert.equal(r.problems?.length, 1);
  assert.match(r.problems![0], /ends at 2025-03-01T15:00:00Z: the last 30\.0 min .*50\.0% of its energy.*200 gCO2e\/kWh from line 5/);
});

test('a series that does not contain the run start is refused before the run', () => {
  assert.throws(
    () => prepareCarbon({ seriesFile: file, runStartMs: at(15, 0) }),
    (e: unknown) =>
      e instanceof UserError &&
      /covers 2025-03-01T12:00:00Z to 2025-03-01T15:00:00Z, which does not contain the run's start \(2025-03-01T15:00:00\.000Z\)/.test(
        e.message,
      ),
  );
  assert.throws(() => prepareCarbon({ seriesFile: file, runStartMs: at(11, 59) }), /does not contain the run's start/);
  // Converting a past run (runStartMs null): accepted, and the part outside the series is reported, not hidden.
  const past = prepareCarbon({ seriesFile: file, runStartMs: null });
  assert.equal(past.intensity.kind, 'series');
  const after = piecewiseTrace(at(16, 0), { gpu: [[1800, 100]] }); // 16:00-16:30, after the series ends at 15:00
  const r = past.record(0.05 * KWH, { name: 'total', t0: 0, t1: 1800 }, energyTimeline(after));
  assert.ok(Math.abs(r.gCO2e - 0.05 * 200) < 1e-9, String(r.gCO2e)); // the last value, 200 gCO2e/kWh
  assert.equal(r.series?.complete, false);
  assert.equal(r.series?.coveredS, 0);
  assert.equal(r.series?.uncoveredAfterS, 1800);
  assert.equal(r.series?.uncoveredEnergyShare, 1);
  assert.equal(r.problems?.length, 1);
  assert.match(r.problems![0], /ends at 2025-03-01T15:00:00Z: the last 30\.0 min .*100\.0% of its energy.*200 gCO2e\/kWh from line 5/);
  assert.throws(() => prepareCarbon({ seriesFile: join(tmp, 'missing.csv'), runStartMs: null }), /cannot read: ENOENT/);
});

test('malformed series files name the line and the field', () => {
  const bad = (text: string, re: RegExp) =>
    assert.throws(
      () => parseSeries(text, 'f.csv'),
      (e: unknown) => e instanceof UserError && re.test(e.message),
      text,
    );
  bad(
    '2025-03-01T12:00Z,100\n2025-03-01T13:00Z,abc\n',
    /f\.csv: line 2: field 2 \(gCO2e\/kWh\): expected a non-negative number, got "abc"/,
  );
  bad('2025-03-01T12:00Z,100\n2025-03-01T13:00Z,-4\n', /line 2: field 2/);
  bad('t,g\n2025-03-01T12:00Z,100\n2025-03-01 13:00,100\n', /line 3: field 1 \(timestamp\): timestamp "2025-03-01 13:00" has no time zone/);
  bad('2025-03-01T12:00Z,100\nyesterday,100\n', /line 2: field 1 \(timestamp\): "yesterday" is not a timestamp/);
  bad('2025-03-01T12:00Z,100\n2025-03-01T12:00Z,100\n', /line 2: field 1 \(timestamp\): 2025-03-01T12:00:00Z is not after line 1/);
  bad('2025-03-01T12:00Z,100\n2025-03-01T14:00Z,100\n', /line 2: field 1 \(timestamp\): 120 min after line 1 .* hourly or finer/);
  bad('2025-03-01T12:00Z,100,7\n', /line 1: expected 2 fields \(timestamp, gCO2e\/kWh\), got 3/);
  bad('2025-03-01T12:00Z,100\n', /at least 2 data rows \(got 1\)/);
  bad('', /at least 2 data rows \(got 0\)/);
});

test('parsing: Unix seconds, offsets, 15-minute steps, CRLF; the mean is time-weighted', () => {
  const s = parseSeries('1740830400,100\r\n1740831300,200\r\n1740832200,300\r\n', 'u.csv'); // 2025-03-01T12:00Z + 15 min steps
  assert.equal(s.startMs, Date.UTC(2025, 2, 1, 12, 0));
  assert.equal(s.endMs, Date.UTC(2025, 2, 1, 12, 45));
  assert.equal(seriesMean(s), 200);
  const o = parseSeries(SERIES, 'x');
  assert.equal(o.rows[2].t, at(14)); // 15:00+01:00
  assert.equal(seriesMean(o), 200); // (100 + 300 + 200) / 3 hours
  assert.equal(o.sha256.length, 64);
});
