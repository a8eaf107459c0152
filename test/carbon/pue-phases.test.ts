/**
 * PUE applies to every figure, not only to the run total: phase gCO2e (and the gCO2e per 1,000
 * inferences derived from a phase) must add up to the run's operational gCO2e at any PUE.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareCarbon, type EnergyTimeline } from '../../src/carbon/index.js';
import { KWH } from './helpers.js';

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} != ${b}`);

/** 200 W from t = 0 for an hour, as a timeline (carbon's own interface). */
const flat = (startWallMs: number, watts = 200): EnergyTimeline => ({ startWallMs, energyAt: (t) => watts * Math.max(0, t) });

const PHASES = [
  { name: 'training', t0: 0, t1: 1800 },
  { name: 'logits', t0: 1800, t1: 2400 },
  { name: 'inference', t0: 2400, t1: 3600 },
];

test('at PUE 1.58 every phase gets the PUE factor: phases add up to the run total, and each is kWh x PUE x intensity', () => {
  const c = prepareCarbon({ intensity: 400, pue: 1.58, runStartMs: null });
  const tl = flat(0);
  const total = { name: 'total', t0: 0, t1: 3600 };
  const record = c.record(200 * 3600, total, tl);
  // 0.2 kWh x 1.58 x 400 = 126.4 g
  close(record.gCO2e, 126.4, 'run total');
  let sum = 0;
  for (const w of PHASES) {
    const j = 200 * (w.t1 - w.t0);
    const g = c.grams(j, w, tl);
    close(g, (j / KWH) * 1.58 * 400, `phase ${w.name}`);
    sum += g;
  }
  close(sum, record.gCO2e, 'sum of phases');
  // gCO2e per 1,000 inferences of the inference phase (what summary.csv shows): 5,000 inferences
  const per1000 = c.grams(200 * 1200, PHASES[2], tl) * (1000 / 5000);
  close(per1000, ((200 * 1200) / KWH) * 1.58 * 400 * 0.2, 'gCO2e per 1,000 inferences');
});

test('a PUE preset and a region behave the same way: phase figures scale with the PUE, exactly like the total', () => {
  const base = prepareCarbon({ region: 'FR', runStartMs: null });
  const dc = prepareCarbon({ region: 'FR', puePreset: 'uptime-2024', runStartMs: null });
  assert.equal(dc.pue, 1.56);
  const tl = flat(0);
  for (const w of PHASES) {
    const j = 200 * (w.t1 - w.t0);
    close(dc.grams(j, w, tl), 1.56 * base.grams(j, w, tl), w.name);
  }
  const total = { name: 'total', t0: 0, t1: 3600 };
  close(dc.record(720_000, total, tl).gCO2e, 1.56 * base.record(720_000, total, tl).gCO2e, 'total');
});

test('with an hourly series at PUE 1.2, phases crossing the hour add up to the total and carry the PUE', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-pue-'));
  try {
    const file = join(tmp, 's.csv');
    writeFileSync(file, '2025-03-01T12:00:00Z,100\n2025-03-01T13:00:00Z,300\n2025-03-01T14:00:00Z,300\n');
    const start = Date.UTC(2025, 2, 1, 12, 30);
    const c1 = prepareCarbon({ seriesFile: file, runStartMs: start });
    const c = prepareCarbon({ seriesFile: file, runStartMs: start, pue: 1.2 });
    const tl = flat(start);
    const total = { name: 'total', t0: 0, t1: 3600 };
    // 12:30-13:00 at 100 g, 13:00-13:30 at 300 g: 0.1 kWh x 100 + 0.1 kWh x 300 = 40 g, x 1.2 = 48 g
    close(c.record(720_000, total, tl).gCO2e, 48, 'total');
    let sum = 0;
    for (const w of PHASES) {
      const g = c.grams(200 * (w.t1 - w.t0), w, tl);
      close(g, 1.2 * c1.grams(200 * (w.t1 - w.t0), w, tl), `${w.name} carries the PUE`);
      sum += g;
    }
    close(sum, 48, 'sum of phases');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
