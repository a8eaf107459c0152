import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareCarbon } from '../../src/carbon/index.js';
import { carbonOptionsFromFlags } from '../../src/cli/carbon-flags.js';
import { resolvePue, PUE_PRESETS } from '../../src/carbon/pue.js';
import { embodiedFor, parseEmbodied } from '../../src/carbon/embodied.js';
import { equivalents } from '../../src/carbon/equivalents.js';
import { parseDuration, parseEnergy, parseMass } from '../../src/carbon/units.js';
import { formatCarbon } from '../../src/carbon/format.js';
import { UserError } from '../../src/core/errors.js';
import { piecewiseTrace, KWH } from './helpers.js';
import { energyTimeline } from '../../src/measurement/trace-energy.js';

const trace = piecewiseTrace(Date.UTC(2025, 0, 1), { gpu: [[7200, 500]] }); // 1 kWh over two hours
const twoHours = { name: 'total', t0: 0, t1: 7200 };

test('PUE: default 1.0, presets with sources, explicit value, conflicts and bounds', () => {
  assert.equal(resolvePue(undefined, undefined).pue, 1);
  assert.match(resolvePue(undefined, undefined).source, /local machine/);
  assert.deepEqual(Object.fromEntries(Object.entries(PUE_PRESETS).map(([k, p]) => [k, p.pue])), {
    local: 1,
    'uptime-2024': 1.56,
    'strubell-2019': 1.58,
    'google-2023': 1.1,
  });
  assert.match(resolvePue(undefined, 'Strubell-2019').source, /Strubell.*2019/);
  assert.equal(resolvePue(1.3, undefined).source, 'given with --pue');
  assert.throws(() => resolvePue(1.3, 'local'), /give one or the other/);
  assert.throws(() => resolvePue(undefined, 'aws'), /unknown preset; known: local, uptime-2024/);
  assert.throws(() => resolvePue(0.9, undefined), UserError);
  assert.throws(() => carbonOptionsFromFlags({ pue: '1.2', 'pue-preset': 'local' }), /give one or the other/);
  assert.throws(() => carbonOptionsFromFlags({ pue: 'x' }), /--pue: expected a number/);
  // applied before carbon: 1 kWh x 1.56 x 100 g/kWh = 156 g
  const r = prepareCarbon({ intensity: 100, puePreset: 'uptime-2024' }).record(KWH, twoHours, energyTimeline(trace));
  assert.ok(Math.abs(r.gCO2e - 156) < 1e-9);
  assert.equal(r.energyKWh, 1);
  assert.ok(Math.abs((r.facilityEnergyKWh ?? 0) - 1.56) < 1e-12);
  assert.equal(r.pue, 1.56);
});

test('embodied: parsed from NAME=MASS:LIFETIME[:xCOUNT], charged for the duration, none by default', () => {
  assert.deepEqual(parseEmbodied('gpu=150kg:5y:x8'), { name: 'gpu', kgCO2e: 150, lifetimeYears: 5, count: 8 });
  assert.deepEqual(parseEmbodied('server=1.3t:4y'), { name: 'server', kgCO2e: 1300, lifetimeYears: 4, count: 1 });
  for (const bad of ['gpu', 'gpu=150:5y', 'gpu=150kg', 'gpu=150kg:0y', 'gpu=-1kg:5y', 'gpu=150kg:5y:x0', 'gpu=150kg:5 years']) {
    assert.throws(() => parseEmbodied(bad), UserError, bad);
  }
  // 150 kg x 2 over 5 years, charged for 2 h: 300000 g x 7200 / (5 x 365.25 x 86400) = 13.6893... g
  const e = embodiedFor([parseEmbodied('gpu=150kg:5y:x2')], 7200);
  const expected = (300000 * 7200) / (5 * 365.25 * 86400);
  assert.ok(Math.abs(e.gCO2e - expected) < 1e-9);
  assert.ok(Math.abs(expected - 13.6893) < 1e-4);
  const r = prepareCarbon({ intensity: 100, embodied: [parseEmbodied('gpu=150kg:5y:x2')] }).record(KWH, twoHours, energyTimeline(trace));
  assert.ok(Math.abs((r.totalGCO2e ?? 0) - (100 + expected)) < 1e-9);
  assert.equal(r.gCO2e, 100); // operational stays operational
  const none = prepareCarbon({ intensity: 100 }).record(KWH, twoHours, energyTimeline(trace));
  assert.equal(none.embodied?.included, false);
  assert.equal(none.embodied?.gCO2e, 0);
  assert.match(none.embodied?.source ?? '', /not included.*no default device footprints/);
  assert.equal(none.totalGCO2e, 100);
  const flags = carbonOptionsFromFlags({ embodied: ['gpu=150kg:5y', 'cpu=20kg:4y'] });
  assert.deepEqual(
    flags.embodied?.map((d) => d.name),
    ['gpu', 'cpu'],
  );
});

test('equivalents: EPA per-mile and per-charge figures, with sources', () => {
  const [car, phone] = equivalents(1000);
  // 1000 g / (393 g per mile / 1.609344 km per mile) = 4.0950 km
  assert.ok(Math.abs(car.value - 1000 / (393 / 1.609344)) < 1e-9);
  assert.ok(Math.abs(car.value - 4.095) < 1e-3);
  assert.equal(car.unit, 'km');
  assert.match(car.source, /EPA.*3\.93 x 10\^-4/);
  assert.ok(Math.abs(phone.value - 1000 / 12.4) < 1e-9);
  assert.match(phone.source, /1\.24 x 10\^-5/);
});

test('units: energy, durations, masses; negative and unit-less values refused', () => {
  assert.equal(parseEnergy('energy', '1.5kWh'), 5.4e6);
  assert.equal(parseEnergy('energy', '5400 J'), 5400);
  assert.equal(parseEnergy('energy', '2Wh'), 7200);
  assert.equal(parseEnergy('energy', '0.001MWh'), 3.6e6);
  assert.equal(parseEnergy('energy', '3kJ'), 3000);
  assert.equal(parseEnergy('energy', '1e3J'), 1000);
  for (const bad of ['-1kWh', '1.5', 'kWh', '1.5 kW', 'abc', '', '1,5kWh'])
    assert.throws(() => parseEnergy('energy', bad), /--energy: expected a non-negative energy with a unit/, bad);
  assert.equal(parseDuration('d', '1h30m'), 5400);
  assert.equal(parseDuration('d', '90s'), 90);
  assert.equal(parseDuration('d', '5y'), 5 * 365.25 * 86400);
  for (const bad of ['', '5', '-1h', '1 fortnight']) assert.throws(() => parseDuration('d', bad), UserError, bad);
  assert.equal(parseMass('m', '150kg'), 150000);
  assert.equal(parseMass('m', '0.15tCO2e'), 150000);
  assert.throws(() => parseMass('m', '150'), UserError);
});

test('the readable form shows every part with its source', () => {
  const r = prepareCarbon({ region: 'FR', pue: 1.5, embodied: [parseEmbodied('gpu=150kg:5y')] }).record(
    KWH,
    twoHours,
    energyTimeline(trace),
  );
  const text = formatCarbon(r);
  assert.match(text, /1 kWh measured x PUE 1\.50 = 1\.5 kWh at the facility/);
  assert.match(text, /31 gCO2e\/kWh, location-based/);
  assert.match(text, /Operational\s+46\.5 gCO2e/); // 1 kWh x 1.5 x 31
  assert.match(text, /Marginal\s+158 gCO2e\/kWh -> 237 gCO2e/);
  assert.match(text, /Embodied\s+6\.84 gCO2e/); // 150000 g x 7200 / 157788000 s
  assert.match(text, /Total\s+53\.3 gCO2e/);
  assert.match(text, /km driven by an average gasoline passenger car/);
  assert.match(text, /licence: ODbL/);
});
