/** Invariants every energy figure relies on, for any trace (fast-check). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Integrator } from '../../src/measurement/integrator.js';
import { energyByWindow } from '../../src/measurement/windows.js';
import type { DomainInfo, Method, Sample, Trace } from '../../src/measurement/types.js';

const RUNS = { numRuns: 80, seed: 20260115 };
const rel = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Strictly increasing times from 0 to T (both included), from positive gaps. */
const times = (T: number, gaps: number[]) => {
  const sum = gaps.reduce((a, g) => a + g, 0);
  const ts = [0];
  let acc = 0;
  for (const g of gaps.slice(0, -1)) ts.push((T * (acc += g)) / sum);
  ts.push(T);
  return ts;
};
const gaps = fc.array(fc.double({ min: 0.01, max: 10, noNaN: true }), { minLength: 1, maxLength: 40 });
const watts = fc.double({ min: 0, max: 1000, noNaN: true, noDefaultInfinity: true });

test('a constant power P over T integrates to P x T for any sampling', () => {
  fc.assert(
    fc.property(watts, fc.double({ min: 0.01, max: 3600, noNaN: true }), gaps, (P, T, g) => {
      const it = new Integrator();
      let last: Sample | undefined;
      for (const t of times(T, g)) last = it.add({ device: 'gpu:0', t, powerW: P }, t, 'p') ?? last;
      assert.ok(Math.abs(last!.energyJ - P * T) <= 1e-9 * Math.max(1, P * T), `${last!.energyJ} vs ${P * T}`);
    }),
    RUNS,
  );
});

test('a counter rising at P over T gives P x T for any sampling, and power P between reads', () => {
  fc.assert(
    fc.property(
      watts,
      fc.double({ min: 0.5, max: 3600, noNaN: true }),
      gaps,
      fc.double({ min: 0, max: 1e9, noNaN: true }),
      (P, T, g, origin) => {
        const it = new Integrator();
        let last: Sample | undefined;
        for (const t of times(T, g)) last = it.add({ device: 'cpu', energyJ: origin + P * t }, t, 'p') ?? last;
        assert.ok(Math.abs(last!.energyJ - P * T) <= 1e-6 * Math.max(1, P * T) + 1e-6 * origin * 1e-6, `${last!.energyJ} vs ${P * T}`);
      },
    ),
    RUNS,
  );
});

test('energy is finite, non-negative and never decreasing for any non-negative power readings', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.double({ min: 0.001, max: 5, noNaN: true }), watts), { minLength: 1, maxLength: 60 }), (steps) => {
      const it = new Integrator();
      let t = 0;
      let prev = 0;
      for (const [dt, w] of steps) {
        const s = it.add({ device: 'gpu:0', t, powerW: w }, t, 'p');
        if (s) {
          assert.ok(Number.isFinite(s.energyJ) && s.energyJ >= prev, `${s.energyJ} after ${prev}`);
          prev = s.energyJ;
        }
        t += dt;
      }
    }),
    RUNS,
  );
});

const METHODS: Method[] = ['counter', 'sampled', 'estimated'];
const domain = (device: string, method: Method): DomainInfo => ({
  device,
  method,
  source: 'property test',
  scope: 'test',
  uncertainty: { relative: 0.05, absoluteW: 1, stalenessS: 0.01, basis: 'test' },
});

/** A trace of 1-3 devices with random non-negative power, each sampled at its own random times over [0, T]. */
const traceArb = fc
  .record({
    T: fc.double({ min: 1, max: 1000, noNaN: true }),
    devices: fc.array(fc.record({ method: fc.constantFrom(...METHODS), gaps, powers: fc.array(watts, { minLength: 41, maxLength: 41 }) }), {
      minLength: 1,
      maxLength: 3,
    }),
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 0, maxLength: 8 }),
  })
  .map(({ T, devices, cuts }) => {
    const samples: Sample[] = [];
    const domains = devices.map((d, i) => {
      const device = `dev${i}`;
      const it = new Integrator();
      times(T, d.gaps).forEach((t, k) => {
        const s = it.add({ device, t, powerW: d.powers[k] }, t, 'p');
        if (s) samples.push(s);
      });
      return domain(device, d.method);
    });
    samples.sort((a, b) => a.t - b.t);
    const trace: Trace = { startWallMs: 0, domains, samples, problems: [], samplerCpuS: 0, intervalMs: 100 };
    // Phase boundaries: sorted cut points, possibly outside the sampled span at either end.
    const bounds = [-0.1 * T, ...cuts.map((c) => c * T).sort((a, b) => a - b), 1.1 * T];
    return { trace, bounds };
  });

test('phases add up to the total for every device, and every figure is finite and non-negative', () => {
  fc.assert(
    fc.property(traceArb, ({ trace, bounds }) => {
      const phases = bounds.slice(0, -1).map((t0, i) => ({ name: `p${i}`, t0, t1: bounds[i + 1] }));
      const total = { name: 'total', t0: bounds[0], t1: bounds[bounds.length - 1] };
      const [whole, ...parts] = energyByWindow(trace, [total, ...phases]);
      for (const d of trace.domains) {
        const sum = parts.reduce((a, w) => a + w.domains.find((x) => x.device === d.device)!.energyJ, 0);
        const tot = whole.domains.find((x) => x.device === d.device)!.energyJ;
        assert.ok(rel(sum, tot), `${d.device}: phases ${sum} J, total ${tot} J`);
      }
      assert.ok(
        rel(
          parts.reduce((a, w) => a + w.energyJ, 0),
          whole.energyJ,
        ),
      );
      for (const w of [whole, ...parts]) {
        for (const x of [w.energyJ, w.uncertaintyJ, ...w.domains.map((d) => d.energyJ), ...w.domains.map((d) => d.uncertaintyJ)])
          assert.ok(Number.isFinite(x) && x >= -1e-9, `${w.name}: ${x}`);
        for (const d of w.domains) assert.ok(d.coverage >= 0 && d.coverage <= 1, `coverage ${d.coverage}`);
      }
    }),
    RUNS,
  );
});
