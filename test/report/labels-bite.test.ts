/**
 * The labels every energy and gCO2e figure of a report carries (ESTIMATED, partly ESTIMATED, WORLD FALLBACK), exactly,
 * for runs measured on every device, on none, on some, and with and without the fallback grid intensity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { co2Flag, co2Labels, co2Suffix, energyWord, estimateLabel, estimateSuffix } from '../../src/report/metrics.js';
import type { RunJson } from '../../src/core/contract.js';

/** The two fields these labels read, on an otherwise empty run.json (cast: the rest is not read). */
function run(methods: string[], fallback?: boolean): RunJson {
  return {
    meter: { domains: methods.map((method, i) => ({ device: ['gpu:0', 'cpu', 'dram'][i], method })) },
    ...(fallback === undefined ? {} : { carbon: { fallback } }),
  } as unknown as RunJson;
}

test('energy labels: measured, ESTIMATED, partly ESTIMATED with the devices, unmeasured', () => {
  const measured = run(['counter', 'sampled']);
  const all = run(['estimated', 'estimated']);
  const part = run(['sampled', 'estimated', 'estimated']);
  const none = run([]);
  assert.deepEqual([measured, all, part, none].map(estimateLabel), ['', 'ESTIMATED', 'partly ESTIMATED (cpu, dram)', '']);
  assert.deepEqual([measured, all, part, none].map(estimateSuffix), ['', ' (ESTIMATED)', ' (partly ESTIMATED (cpu, dram))', '']);
  assert.deepEqual([measured, all, part, none].map(energyWord), ['measured', 'ESTIMATED', 'partly ESTIMATED', 'unmeasured']);
});

test('gCO2e labels: WORLD FALLBACK only with the fallback intensity, joined with the energy label', () => {
  assert.deepEqual([run(['counter'], true), run(['counter'], false), run(['counter'])].map(co2Flag), ['WORLD FALLBACK', '', '']);
  assert.deepEqual([run(['counter'], true), run(['counter'], false)].map(co2Suffix), [' (WORLD FALLBACK)', '']);
  assert.deepEqual(
    [run(['counter'], false), run(['counter'], true), run(['estimated'], false), run(['estimated', 'counter'], true)].map(co2Labels),
    ['', ' (WORLD FALLBACK)', ' (ESTIMATED)', ' (partly ESTIMATED (gpu:0); WORLD FALLBACK)'],
  );
});
