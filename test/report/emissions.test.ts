import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emissionsCsv, CODECARBON_COLUMNS, KDBENCH_EMISSIONS_COLUMNS } from '../../src/report/emissions.js';
import { parseCsv } from '../../src/report/samples.js';
import { handRun, gOf } from '../fixtures/runs/hand-run.js';
import type { RunJson } from '../../src/core/contract.js';

/** CodeCarbon's emissions.csv header as written by CodeCarbon 2.7.1 and 3.0.7 (2.3 lacks experiment_id). */
const CODECARBON_HEADER =
  'timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,region,cloud_provider,cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,ram_total_size,tracking_mode,on_cloud,pue';

function rows(run: RunJson): Record<string, string>[] {
  const [head, ...body] = parseCsv(emissionsCsv(run));
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}
const near = (got: string, want: number) => assert.ok(Math.abs(Number(got) - want) <= 1e-12 + 1e-9 * Math.abs(want), `${got} != ${want}`);

test("emissions.csv has CodeCarbon's header, one row per phase and a total row", () => {
  const text = emissionsCsv(handRun());
  // CodeCarbon's columns in CodeCarbon's order, then kdbench's method and fallback columns.
  assert.equal(text.split('\n')[0], `${CODECARBON_HEADER},${KDBENCH_EMISSIONS_COLUMNS.join(',')}`);
  assert.equal(CODECARBON_COLUMNS.join(','), CODECARBON_HEADER);
  assert.deepEqual([...KDBENCH_EMISSIONS_COLUMNS], ['energy_method', 'intensity_fallback']);
  const r = rows(handRun());
  assert.deepEqual(
    r.map((x) => x.experiment_id),
    [...handRun().phases.map((p) => p.name), 'total'],
  );
  assert.equal(new Set(r.map((x) => x.run_id)).size, 1);
  assert.match(r[0].run_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  // A run with its own id (newer runs) keeps it.
  const withId = { ...handRun(), runId: '3f2b8c1e-9a4d-4c6b-8e21-7d5f0a9b1c2d' };
  assert.ok(rows(withId).every((x) => x.run_id === '3f2b8c1e-9a4d-4c6b-8e21-7d5f0a9b1c2d'));
});

test('emissions.csv values: CodeCarbon units (kg, kWh, W, GB) from the phase figures', () => {
  const teacher = rows(handRun()).find((x) => x.experiment_id === 'teacher-training')!;
  // teacher-training: 10 s; cpu 60 J, gpu 38 J, dram 2 J; 500 gCO2e/kWh x PUE 1.5.
  assert.equal(teacher.timestamp, '2026-01-02T03:04:13');
  assert.equal(teacher.project_name, 'kdbench:hand');
  near(teacher.duration, 10);
  near(teacher.cpu_power, 6);
  near(teacher.gpu_power, 3.8);
  near(teacher.ram_power, 0.2);
  near(teacher.cpu_energy, 60 / 3.6e6);
  near(teacher.gpu_energy, 38 / 3.6e6);
  near(teacher.ram_energy, 2 / 3.6e6);
  near(teacher.energy_consumed, 100 / 3.6e6);
  near(teacher.emissions, gOf(100) / 1000);
  near(teacher.emissions, ((100 / 3.6e6) * 1.5 * 500) / 1000);
  near(teacher.emissions_rate, gOf(100) / 1000 / 10);
  assert.equal(teacher.country_name, 'France');
  assert.equal(teacher.country_iso_code, 'FRA');
  assert.equal(teacher.cpu_count, '16');
  assert.equal(teacher.cpu_model, 'Test CPU 9000');
  assert.equal(teacher.gpu_count, '1');
  assert.equal(teacher.gpu_model, '1 x Test GPU 80GB');
  near(teacher.ram_total_size, 64);
  assert.equal(teacher.tracking_mode, 'machine');
  assert.equal(teacher.pue, '1.5');
  assert.equal(teacher.os, 'linux-6.1.0-x64');
  // Every row says how each device was measured (the dram figure is an estimate) and whether the intensity is a fallback.
  assert.equal(teacher.energy_method, 'cpu:counter;gpu:0:sampled;dram:estimated');
  assert.equal(teacher.intensity_fallback, 'false');
  const total = rows(handRun()).at(-1)!;
  const run = handRun();
  near(total.energy_consumed, run.totals!.energyJ / 3.6e6);
  near(total.emissions, run.carbon!.gCO2e / 1000);
  // Phase rows add up to the total row.
  const phases = rows(run).slice(0, -1);
  near(String(phases.reduce((a, x) => a + Number(x.energy_consumed), 0)), Number(total.energy_consumed));
});

test('unknown is an empty cell, never 0; no GPU on the machine is 0 GPU power', () => {
  const run = handRun();
  run.meter.domains = run.meter.domains.filter((d) => d.device !== 'gpu:0');
  for (const p of run.phases) {
    p.domains = p.domains.filter((d) => d.device !== 'gpu:0');
    delete p.gCO2e;
  }
  run.carbon = null;
  const unmeasured = rows(run)[1];
  assert.equal(unmeasured.gpu_power, '', 'a GPU that exists but was not measured is unknown');
  assert.equal(unmeasured.gpu_energy, '');
  assert.equal(unmeasured.emissions, '', 'no carbon figures: emissions unknown');
  assert.equal(unmeasured.pue, '');
  assert.equal(unmeasured.intensity_fallback, '', 'no carbon figures: no fallback to flag');
  const world = handRun();
  world.carbon = { ...world.carbon!, region: 'WORLD', fallback: true, intensityKind: 'world' };
  assert.ok(rows(world).every((x) => x.intensity_fallback === 'true'));
  (run.environment as { gpus: unknown[] }).gpus = [];
  const none = rows(run)[1];
  assert.equal(none.gpu_power, '0');
  assert.equal(none.gpu_count, '0');
  delete (run.environment as { gpus?: unknown[] }).gpus;
  assert.equal(rows(run)[1].gpu_count, '');
  // A domain whose energy is unknown (null in run.json) leaves its cells empty instead of adding 0.
  (run.phases[1].domains[0] as { energyJ: number | null }).energyJ = null;
  (run.phases[1] as { energyJ: number | null }).energyJ = null;
  const torn = rows(run)[1];
  assert.equal(torn.cpu_energy, '');
  assert.equal(torn.cpu_power, '');
  assert.equal(torn.energy_consumed, '');
  near(torn.ram_energy, 2 / 3.6e6);
});
