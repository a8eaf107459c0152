/** Carbon is linear in energy, intensity and PUE, and phase figures add up to the total at any PUE (fast-check). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { prepareCarbon, type EnergyTimeline } from '../../src/carbon/index.js';
import { KWH } from './helpers.js';

const RUNS = { numRuns: 100, seed: 20260115 };
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1e-12, Math.abs(a), Math.abs(b));
const energy = fc.double({ min: 0, max: 1e9, noNaN: true });
const intensity = fc.double({ min: 0, max: 2000, noNaN: true });
const pue = fc.double({ min: 1, max: 5, noNaN: true });
const positive = fc.double({ min: 0.01, max: 100, noNaN: true });
const window = { name: 'w', t0: 0, t1: 3600 };
const timeline = (j: number): EnergyTimeline => ({ startWallMs: 0, energyAt: (t) => (j * Math.min(Math.max(t, 0), 3600)) / 3600 });

test('gCO2e = kWh x PUE x intensity, for the run record and for any window', () => {
  fc.assert(
    fc.property(energy, intensity, pue, (j, g, p) => {
      const c = prepareCarbon({ intensity: g, pue: p, runStartMs: null });
      const expected = (j / KWH) * p * g;
      assert.ok(close(c.grams(j, window, timeline(j)), expected));
      const r = c.record(j, window, timeline(j));
      assert.ok(close(r.gCO2e, expected));
      assert.ok(close(r.facilityEnergyKWh!, (j / KWH) * p));
      assert.ok(Number.isFinite(r.gCO2e) && r.gCO2e >= 0);
    }),
    RUNS,
  );
});

test('linear: k times the energy or the intensity gives k times the gCO2e; the PUE scales it in proportion', () => {
  fc.assert(
    fc.property(energy, intensity, pue, pue, positive, (j, g, p1, p2, k) => {
      const c = prepareCarbon({ intensity: g, pue: p1, runStartMs: null });
      const base = c.grams(j, window, timeline(j));
      assert.ok(close(c.grams(k * j, window, timeline(k * j)), k * base));
      // Intensities above 5000 gCO2e/kWh are refused (no grid is that dirty): scale within that range.
      const kg = g > 0 ? Math.min(k, 5000 / g) : k;
      assert.ok(close(prepareCarbon({ intensity: kg * g, pue: p1, runStartMs: null }).grams(j, window, timeline(j)), kg * base));
      const other = prepareCarbon({ intensity: g, pue: p2, runStartMs: null });
      assert.ok(close(other.grams(j, window, timeline(j)) * p1, base * p2));
      assert.ok(close(other.record(j, window, timeline(j)).gCO2e * p1, c.record(j, window, timeline(j)).gCO2e * p2));
    }),
    RUNS,
  );
});

test('with an hourly series, phases add up to the run at any PUE, and scaling all energy scales the gCO2e', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-carbon-prop-'));
  try {
    const file = join(tmp, 's.csv');
    writeFileSync(file, '2025-03-01T12:00:00Z,120\n2025-03-01T13:00:00Z,480\n2025-03-01T14:00:00Z,60\n2025-03-01T15:00:00Z,300\n');
    const start = Date.UTC(2025, 2, 1, 12, 20);
    fc.assert(
      fc.property(
        pue,
        fc.array(fc.double({ min: 0, max: 500, noNaN: true }), { minLength: 12, maxLength: 12 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 0, maxLength: 6 }),
        positive,
        (p, powers, cuts, k) => {
          // Power piecewise constant over 12 steps of 15 min from 12:20 to 15:20, across four hourly values.
          const step = 900;
          const e = (t: number) => {
            let acc = 0;
            for (let i = 0; i < powers.length; i++) acc += powers[i] * Math.max(0, Math.min(step, t - i * step));
            return acc;
          };
          const T = step * powers.length;
          const c = prepareCarbon({ seriesFile: file, runStartMs: start, pue: p });
          const tl: EnergyTimeline = { startWallMs: start, energyAt: e };
          const bounds = [0, ...cuts.map((x) => x * T).sort((a, b) => a - b), T];
          let sum = 0;
          for (let i = 0; i + 1 < bounds.length; i++)
            sum += c.grams(e(bounds[i + 1]) - e(bounds[i]), { name: `p${i}`, t0: bounds[i], t1: bounds[i + 1] }, tl);
          const total = c.record(e(T), { name: 'total', t0: 0, t1: T }, tl);
          assert.ok(Math.abs(sum - total.gCO2e) <= 1e-9 * Math.max(1, total.gCO2e), `phases ${sum} g, total ${total.gCO2e} g`);
          const scaled = c.record(k * e(T), { name: 'total', t0: 0, t1: T }, { startWallMs: start, energyAt: (t) => k * e(t) });
          assert.ok(Math.abs(scaled.gCO2e - k * total.gCO2e) <= 1e-9 * Math.max(1, k * total.gCO2e));
          const atOne = prepareCarbon({ seriesFile: file, runStartMs: start }).record(e(T), { name: 'total', t0: 0, t1: T }, tl);
          assert.ok(Math.abs(total.gCO2e - p * atOne.gCO2e) <= 1e-9 * Math.max(1, total.gCO2e));
        },
      ),
      { ...RUNS, numRuns: 60 },
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
