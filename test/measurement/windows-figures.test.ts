/** Window energies and their uncertainty, term by term, against hand-computed values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceSeries, domainEnergy, energyByWindow, meanPower, seriesByDevice } from '../../src/measurement/windows.js';
import { cumulativeEnergy, energyTimeline } from '../../src/measurement/trace-energy.js';
import { Integrator } from '../../src/measurement/integrator.js';
import type { DomainInfo, Method, Sample, Trace } from '../../src/measurement/types.js';

const close = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what} ${a} != ${b}`);
const s = (t: number, powerW: number, energyJ: number, device = 'd'): Sample => ({ t, device, powerW, energyJ, phase: 'p' });
const info = (method: Method, u: Partial<DomainInfo['uncertainty']> = {}, device = 'd'): DomainInfo => ({
  device,
  method,
  source: 'test',
  scope: 'test',
  uncertainty: { relative: 0, absoluteW: 0, basis: 'test', ...u },
});

// 100 W for 2 s, then 300 W for 2 s (cumulative energy exact at each sample).
const SAMPLES = [s(0, 100, 0), s(1, 100, 100), s(2, 100, 200), s(3, 300, 500), s(4, 300, 800)];

test('interpolated cumulative energy: exact at samples, linear between, held outside', () => {
  const d = new DeviceSeries(SAMPLES);
  close(d.at(-5), 0);
  close(d.at(0), 0);
  close(d.at(2.5), 350);
  close(d.at(1.25), 125);
  close(d.at(4), 800);
  close(d.at(9), 800);
  assert.equal(d.peakW, 300);
  assert.equal(new DeviceSeries([]).at(3), 0);
  close(new DeviceSeries([s(5, 10, 42)]).at(7), 42);
  close(d.coverage(0, 4), 1);
  close(d.coverage(-1, 3), 0.75);
  close(d.coverage(2, 6), 0.5);
  close(d.coverage(5, 6), 0);
  close(d.coverage(3, 3), 1);
  assert.equal(new DeviceSeries([]).coverage(0, 1), 0);
  // The trapezoid's bound: half of each power change times the spacing, only inside the window.
  close(d.spacingErrorJ(0, 4), 100);
  close(d.spacingErrorJ(0, 2), 0);
  close(d.spacingErrorJ(2.5, 4), 50);
  close(d.spacingErrorJ(5, 9), 0);
});

test('uncertainty = relative x |E| + absolute W x duration + staleness + spacing (sampled only) + gap time x peak power', () => {
  const series = new DeviceSeries(SAMPLES);
  const w = { name: 'w', t0: 1, t1: 3 };
  // E = 500 - 100 = 400 J over 2 s: mean 200 W
  const counter = domainEnergy(info('counter', { relative: 0.05, absoluteW: 2, stalenessS: 0.1 }), series, w);
  close(counter.energyJ, 400);
  close(counter.uncertaintyJ, 0.05 * 400 + 2 * 2 + 2 * 0.1 * 200, 'counter');
  assert.equal(counter.coverage, 1);
  assert.equal(counter.gapS, undefined);
  assert.equal(counter.idleJ, undefined);
  const sampled = domainEnergy(info('sampled', { absoluteW: 5 }), series, w);
  close(sampled.uncertaintyJ, 5 * 2 + 100, 'sampled'); // the 100 -> 300 W step between t = 2 and 3
  const estimated = domainEnergy(info('estimated', { relative: 0.5 }), series, w, 10);
  close(estimated.uncertaintyJ, 200, 'estimated: no spacing term');
  close(estimated.idleJ!, 20);
  // Staleness is capped at the energy itself (a near-empty window is not more uncertain than its energy).
  const stale = domainEnergy(info('counter', { stalenessS: 100 }), series, w);
  close(stale.uncertaintyJ, 400);
  // Part of the window outside the trace: that time at peak power, and the gap is reported.
  const out = domainEnergy(info('counter'), series, { name: 'late', t0: 3, t1: 6 });
  close(out.energyJ, 300);
  close(out.coverage, 1 / 3);
  close(out.gapS!, 2);
  close(out.uncertaintyJ, 2 * 300);
  // A recorded outage of this device inside the window counts the same way; another device's does not.
  const gaps = [
    { device: 'd', t0: 0.5, t1: 1.5 },
    { device: 'other', t0: 0, t1: 4 },
  ];
  const withGap = domainEnergy(info('counter'), series, { name: 'g', t0: 1, t1: 3 }, undefined, gaps);
  close(withGap.gapS!, 0.5);
  close(withGap.uncertaintyJ, 0.5 * 300);
  // Gaps under a millisecond are not worth a field.
  const tiny = domainEnergy(info('counter'), series, w, undefined, [{ device: 'd', t0: 1, t1: 1.0005 }]);
  assert.equal(tiny.gapS, undefined);
  close(tiny.uncertaintyJ, 0.0005 * 300);
});

test('windows: per-device figures, totals, idle baseline net of power x duration', () => {
  const trace: Trace = {
    startWallMs: 1000,
    domains: [info('counter', { relative: 0.1 }, 'cpu'), info('sampled', {}, 'gpu')],
    samples: [
      ...SAMPLES.map((x) => ({ ...x, device: 'cpu' })),
      s(0, 50, 0, 'gpu'),
      s(4, 50, 200, 'gpu'),
      s(2, 7, 7, 'stray'), // a device without a domain is not in the windows
    ],
    problems: [],
    samplerCpuS: 0,
    intervalMs: 1000,
  };
  const idle = new Map([
    ['cpu', 20],
    ['gpu', 10],
  ]);
  const [a, b] = energyByWindow(
    trace,
    [
      { name: 'a', t0: 0, t1: 2 },
      { name: 'b', t0: 2, t1: 4 },
    ],
    idle,
  );
  close(a.energyJ, 200 + 100);
  close(b.energyJ, 600 + 100);
  assert.deepEqual(
    b.domains.map((d) => d.device),
    ['cpu', 'gpu'],
  );
  close(b.uncertaintyJ, 0.1 * 600 + 0);
  close(a.netEnergyJ!, 300 - 2 * 30);
  assert.equal(a.durationS, 2);
  assert.equal(energyByWindow(trace, [{ name: 'a', t0: 0, t1: 2 }])[0].netEnergyJ, undefined);
  const mean = meanPower(trace, { name: 'idle', t0: 0, t1: 2 });
  close(mean.get('cpu')!, 100);
  close(mean.get('gpu')!, 50);
  assert.equal(meanPower(trace, { name: 'empty', t0: 1, t1: 1 }).get('cpu'), 0);
  assert.deepEqual([...seriesByDevice(trace).keys()], ['cpu', 'gpu']);
  // The timeline carbon uses adds every device that has samples, stray ones included.
  const e = cumulativeEnergy(trace);
  close(e(4), 800 + 200 + 7);
  close(e(1), 100 + 50 + 7);
  const tl = energyTimeline(trace);
  assert.equal(tl.startWallMs, 1000);
  close(tl.energyAt(2), 200 + 100 + 7);
});

test('windows that do not start at 0, and a zero-length window: durations, mean power and uncertainty stay right', () => {
  const trace: Trace = {
    startWallMs: 0,
    domains: [info('counter', { relative: 0.1, stalenessS: 0.1 })],
    samples: SAMPLES,
    problems: [],
    samplerCpuS: 0,
    intervalMs: 1000,
  };
  const [w] = energyByWindow(trace, [{ name: 'w', t0: 1, t1: 3 }]);
  assert.equal(w.durationS, 2);
  close(w.energyJ, 400);
  close(meanPower(trace, { name: 'idle', t0: 2, t1: 4 }).get('d')!, 300);
  const [z] = energyByWindow(trace, [{ name: 'z', t0: 2.5, t1: 2.5 }]);
  assert.equal(z.energyJ, 0);
  assert.equal(z.uncertaintyJ, 0);
});

test('integrator: a first counter reading keeps the power it came with; unusable readings are dropped', () => {
  const it = new Integrator();
  assert.deepEqual(it.add({ device: 'gpu:0', energyJ: 1000, powerW: 7 }, 5, 'a'), {
    t: 5,
    device: 'gpu:0',
    powerW: 7,
    energyJ: 0,
    phase: 'a',
  });
  assert.deepEqual(it.add({ device: 'cpu', energyJ: 3 }, 5, 'a'), { t: 5, device: 'cpu', powerW: 0, energyJ: 0, phase: 'a' });
  // Neither energy nor power: nothing, and no state that would turn the next reading into NaN.
  assert.equal(it.add({ device: 'dram' }, 5, 'a'), undefined);
  assert.deepEqual(it.add({ device: 'dram', powerW: 2 }, 6, 'a'), { t: 6, device: 'dram', powerW: 2, energyJ: 0, phase: 'a' });
  // A power reading not after the previous one is dropped; a gap marked on it is not recorded.
  assert.equal(it.add({ device: 'dram', powerW: 9, afterGap: true }, 6, 'a'), undefined);
  assert.deepEqual(it.gaps, []);
  assert.equal(it.add({ device: 'dram', powerW: 2 }, 7, 'a')!.energyJ, 2);
});
