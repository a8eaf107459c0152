import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Integrator, MIN_POWER_SPAN_S } from '../../src/measurement/integrator.js';

test('a cumulative source read twice within a few ms gives no power spike, and its energy is exact', () => {
  // 4 W for 0.3 s, read as CPU time in 10 ms ticks (as /proc stat is); a phase-boundary read 2 ms after a periodic one.
  const energyAt = (t: number) => (Math.floor(t * 100 + 1e-9) / 100) * 4;
  const it = new Integrator();
  const samples = [0, 0.1, 0.102, 0.2, 0.3].map((t) => it.add({ device: 'cpu', energyJ: energyAt(t) }, t, '')!);
  for (const s of samples.slice(1)) assert.ok(Math.abs(s.powerW - 4) < 0.2, `power ${s.powerW} W at t=${s.t}`);
  assert.ok(Math.abs(samples[samples.length - 1].energyJ - 1.2) < 1e-9);
  // Without the minimum span, the read at 0.102 would have been compared with the one at 0.1 only.
  assert.ok(MIN_POWER_SPAN_S > 0.002);
});

test('power readings are integrated with the trapezoid rule', () => {
  const it = new Integrator();
  it.add({ device: 'gpu:0', powerW: 100, t: 0 }, 0, '');
  it.add({ device: 'gpu:0', powerW: 200, t: 1 }, 1, '');
  const s = it.add({ device: 'gpu:0', powerW: 200, t: 3 }, 3, '')!;
  assert.equal(s.energyJ, 150 + 400);
});
