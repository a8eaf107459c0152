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
});

test('power of a cumulative source is its rise over at least MIN_POWER_SPAN_S, and over the latest such span', () => {
  // A read 1 ms after a tick: compared with the read 1 ms before it, one 10 ms tick of CPU time at 4 W would be a 40 W spike.
  const energyAt = (t: number) => (Math.floor(t * 100 + 1e-9) / 100) * 4;
  const it = new Integrator();
  const times = [0, 0.0995, 0.1005];
  const s = times.map((t) => it.add({ device: 'cpu', energyJ: energyAt(t) }, t, '')!);
  assert.ok(MIN_POWER_SPAN_S >= 0.01 && MIN_POWER_SPAN_S <= 0.1, `MIN_POWER_SPAN_S ${MIN_POWER_SPAN_S} s`);
  assert.ok(Math.abs(s[2].powerW - 0.4 / 0.1005) < 1e-9, `power ${s[2].powerW} W at 0.1005 s`);
  // Once a span of at least MIN_POWER_SPAN_S is available, the most recent one is used: 8 W after 4 W.
  const it2 = new Integrator();
  const e2 = (t: number) => (t <= 0.1 ? 4 * t : 0.4 + 8 * (t - 0.1));
  const r = [0, 0.1, 0.2].map((t) => it2.add({ device: 'cpu', energyJ: e2(t) }, t, '')!);
  assert.ok(Math.abs(r[1].powerW - 4) < 1e-9 && Math.abs(r[2].powerW - 8) < 1e-9, `${r[1].powerW} W, ${r[2].powerW} W`);
  assert.ok(Math.abs(r[2].energyJ - 1.2) < 1e-9);
  // A source that reports its own power alongside keeps it; a read not after the previous one is dropped.
  assert.equal(it2.add({ device: 'cpu', energyJ: 5, powerW: 7 }, 0.3, '')!.powerW, 7);
  assert.equal(it2.add({ device: 'cpu', energyJ: 6 }, 0.3, ''), undefined);
});

test('power readings are integrated with the trapezoid rule', () => {
  const it = new Integrator();
  it.add({ device: 'gpu:0', powerW: 100, t: 0 }, 0, '');
  it.add({ device: 'gpu:0', powerW: 200, t: 1 }, 1, '');
  const s = it.add({ device: 'gpu:0', powerW: 200, t: 3 }, 3, '')!;
  assert.equal(s.energyJ, 150 + 400);
});
