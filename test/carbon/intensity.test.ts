import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { electricityMaps } from '@tgwf/co2/data';
import { prepareCarbon } from '../../src/carbon/index.js';
import { carbonOptionsFromFlags } from '../../src/cli/carbon-flags.js';
import { resolveRegion } from '../../src/carbon/regions.js';
import { suggestRegions, editDistance } from '../../src/carbon/suggest.js';
import { COUNTRIES, country } from '../../src/carbon/iso3166.js';
import { EMBER_DATA } from '../../src/carbon/datasets.js';
import { UserError } from '../../src/core/errors.js';
import { piecewiseTrace, KWH } from './helpers.js';
import { energyTimeline } from '../../src/measurement/trace-energy.js';

const trace = piecewiseTrace(Date.UTC(2025, 0, 1), { gpu: [[3600, 1000]] }); // 1 kWh in one hour
const hour = { name: 'total', t0: 0, t1: 3600 };

test('region DE and DEU give the same Electricity Maps 2025 figure (342), Ember DEU (342.06) recorded as alternative', () => {
  for (const code of ['DE', 'DEU', 'de', ' deu ']) {
    const c = prepareCarbon({ region: code });
    const r = c.record(KWH, hour, energyTimeline(trace));
    assert.equal(r.intensityGCO2ePerKWh, 342, code);
    assert.equal(r.gCO2e, 342);
    assert.equal(r.dataset, 'Electricity Maps');
    assert.equal(r.year, 2025);
    assert.equal(r.region, 'DE');
    assert.equal(r.intensityKind, 'region');
    assert.equal(r.fallback, false);
    assert.match(r.licence ?? '', /ODbL/);
    assert.deepEqual(
      r.alternatives?.map((a) => [a.dataset, a.region, a.gCO2ePerKWh]),
      [['Ember', 'DEU', 342.06]],
    );
    // marginal: UNFCCC 2021 DEU = 650 gCO2e/kWh, 1 kWh -> 650 g, not added to gCO2e
    assert.equal(r.marginal?.gCO2ePerKWh, 650);
    assert.equal(r.marginal?.gCO2e, 650);
    assert.equal(r.marginal?.year, 2021);
  }
});

test('--carbon-dataset ember uses the Ember figure, with licence CC BY-SA 4.0 and no invented year', () => {
  const r = prepareCarbon({ region: 'FR', dataset: 'ember' }).record(2 * KWH, hour, energyTimeline(trace));
  assert.equal(r.intensityGCO2ePerKWh, 44.18);
  assert.equal(r.gCO2e, 2 * 44.18);
  assert.equal(r.dataset, 'Ember');
  assert.equal(r.year, undefined);
  assert.equal(r.licence, 'CC BY-SA 4.0');
  assert.match(r.intensitySource, /year is not shipped/);
  assert.deepEqual(
    r.alternatives?.map((a) => [a.region, a.gCO2ePerKWh, a.year]),
    [['FR', 31, 2025]],
  );
});

test('--carbon-year picks an older Electricity Maps year; a year not shipped is refused', () => {
  const r = resolveRegion('DE', { year: 2021 });
  assert.equal(r.average.year, 2021);
  assert.equal(r.average.gCO2ePerKWh, 439);
  assert.throws(
    () => resolveRegion('DE', { year: 2019 }),
    (e: unknown) => e instanceof UserError && /2021, 2022, 2023, 2024, 2025/.test(e.message),
  );
});

test('a sub-national zone: Electricity Maps value; marginal and Ember alternative are country level and say so', () => {
  const r = resolveRegion('us-cal-ciso');
  assert.equal(r.average.region, 'US-CAL-CISO');
  assert.equal(r.average.gCO2ePerKWh, 208);
  assert.equal(r.marginal?.region, 'USA');
  assert.equal(r.marginal?.gCO2ePerKWh, 416);
  assert.match(r.marginal?.source ?? '', /country level; none for zone US-CAL-CISO/);
  assert.deepEqual(
    r.alternatives.map((a) => a.region),
    ['USA'],
  );
  assert.ok(r.notes.some((n) => /whole country USA/.test(n)));
  assert.throws(() => resolveRegion('US-CAL-CISO', { dataset: 'ember' }), /country-level data only: use --region USA/);
});

test('a country only Ember has, and Ember aggregates', () => {
  // pick a country Ember has and Electricity Maps does not, from the shipped data itself
  const em = (electricityMaps.yearly2025 as { data: Record<string, unknown> }).data;
  const only = COUNTRIES.find((c) => EMBER_DATA[c.alpha3] !== undefined && em[c.alpha2] === undefined);
  assert.ok(only, 'expected at least one Ember-only country');
  const r = resolveRegion(only.alpha2);
  assert.equal(r.average.dataset, 'Ember');
  assert.equal(r.average.region, only.alpha3);
  assert.equal(r.average.gCO2ePerKWh, EMBER_DATA[only.alpha3]);
  const eu = resolveRegion('EU');
  assert.equal(eu.average.gCO2ePerKWh, 213.02);
  assert.equal(eu.average.fallback, false);
  assert.equal(eu.marginal, undefined);
  assert.equal(resolveRegion('latin_america_and_caribbean').average.region, 'LATIN AMERICA AND CARIBBEAN');
});

test('precedence: explicit > series > region > world fallback; the losers are recorded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kdbench-carbon-precedence-'));
  const seriesFile = join(dir, 's.csv');
  writeFileSync(seriesFile, '2025-01-01T00:00:00Z,1\n2025-01-01T01:00:00Z,2\n');
  const explicit = prepareCarbon({ intensity: 100, region: 'FR', seriesFile }).record(KWH, hour, energyTimeline(trace));
  const fromSeries = prepareCarbon({ region: 'FR', seriesFile, runStartMs: null }).record(KWH, hour, energyTimeline(trace));
  assert.equal(fromSeries.intensityKind, 'series');
  assert.equal(fromSeries.gCO2e, 1); // 1 kWh, all in the 00:00 hour at 1 gCO2e/kWh
  assert.ok(fromSeries.notes?.some((n) => /--region FR: .* not used: --carbon-series takes precedence/.test(n)));
  // a bad series file is an error even when --carbon-intensity wins
  assert.throws(() => prepareCarbon({ intensity: 100, seriesFile: join(dir, 'missing.csv') }), /cannot read/);
  rmSync(dir, { recursive: true, force: true });
  assert.equal(explicit.intensityKind, 'explicit');
  assert.equal(explicit.gCO2e, 100);
  assert.equal(explicit.region, '');
  assert.ok(explicit.notes?.some((n) => n === `--carbon-series ${seriesFile} not used: --carbon-intensity takes precedence`));
  assert.ok(explicit.notes?.some((n) => /--region FR: its annual average \(31 gCO2e\/kWh/.test(n)));
  assert.deepEqual(
    explicit.alternatives?.map((a) => a.region),
    ['FR', 'FRA'],
  );
  assert.equal(explicit.marginal?.gCO2e, 158);

  const world = prepareCarbon({}).record(KWH, hour, energyTimeline(trace));
  assert.equal(world.intensityKind, 'world');
  assert.equal(world.fallback, true);
  assert.equal(world.region, 'WORLD');
  assert.equal(world.gCO2e, 472.94);
  assert.match(world.intensitySource, /FALLBACK/);
  assert.equal(world.marginal, undefined);
});

test('unknown regions fail before the run with the nearest codes', () => {
  const msg = (code: string) => {
    try {
      prepareCarbon({ region: code });
    } catch (e) {
      assert.ok(e instanceof UserError);
      return e.message;
    }
    assert.fail(`--region ${code} was accepted`);
  };
  assert.match(msg('DEX'), /did you mean DE \(Germany\), DEU \(Germany\)/);
  assert.match(msg('US-CAL'), /US-CAL-CISO \(California ISO\)/);
  assert.match(msg('Germany'), /did you mean DE \(Germany\)/);
  assert.match(msg('Frnace'), /FR \(France\)/);
  assert.match(msg('QQQQQQQ'), /use an ISO 3166 country code/);
  assert.deepEqual(suggestRegions('spain'), ['ES (Spain)', 'ESP (Spain)']);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('flags: dataset/year need --region, bad numbers and unknown datasets are user errors', () => {
  assert.throws(() => prepareCarbon({ dataset: 'ember' }), /give --region too/);
  assert.throws(() => carbonOptionsFromFlags({ 'carbon-intensity': '-5' }), /--carbon-intensity: expected a number >= 0/);
  assert.throws(() => carbonOptionsFromFlags({ 'carbon-intensity': 'abc' }), UserError);
  assert.throws(() => carbonOptionsFromFlags({ 'carbon-dataset': 'iea' }), /expected one of auto, ember, electricity-maps/);
  assert.throws(() => carbonOptionsFromFlags({ 'carbon-year': '2024.5', region: 'DE' }), /integer/);
  const o = carbonOptionsFromFlags({ region: 'DE', 'carbon-dataset': 'ember', 'carbon-year': '2023', 'carbon-intensity': '12.5' });
  assert.deepEqual([o.region, o.dataset, o.year, o.intensity], ['DE', 'ember', 2023, 12.5]);
});

test('ISO table: unique codes, every Ember country key covered, names agree with Electricity Maps country zones', () => {
  assert.equal(new Set(COUNTRIES.map((c) => c.alpha2)).size, COUNTRIES.length);
  assert.equal(new Set(COUNTRIES.map((c) => c.alpha3)).size, COUNTRIES.length);
  for (const key of Object.keys(EMBER_DATA)) if (/^[A-Z]{3}$/.test(key)) assert.ok(country(key), `Ember key ${key} has no ISO entry`);
  // names Electricity Maps spells differently (checked by hand)
  const aliases: Record<string, string> = {
    AX: 'Åland',
    CD: 'Democratic Republic',
    CI: 'Ivory',
    GB: 'Great Britain',
    IN: 'Mainland India',
    KP: 'North Korea',
    KR: 'South Korea',
    LA: 'Laos',
    PS: 'State of Palestine',
    RE: 'Réunion',
    ST: 'São',
  };
  const em = (electricityMaps.yearly2025 as { data: Record<string, { zone: { zoneName: string } }> }).data;
  for (const [code, z] of Object.entries(em)) {
    if (!/^[A-Z]{2}$/.test(code)) continue;
    const c = country(code);
    assert.ok(c, `Electricity Maps zone ${code} is not in the ISO table`);
    const expected = aliases[code] ?? c.name.slice(0, 4);
    assert.ok(z.zone.zoneName.startsWith(expected), `${code}: ISO name "${c.name}" vs Electricity Maps "${z.zone.zoneName}"`);
  }
});
