import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Integrator } from '../../src/measurement/integrator.js';
import { energyByWindow } from '../../src/measurement/windows.js';
import type { DomainInfo, Trace } from '../../src/measurement/types.js';

const sampledDomain: DomainInfo = {
  device: 'gpu:0',
  method: 'sampled',
  source: 'test',
  scope: 'test',
  uncertainty: { relative: 0, absoluteW: 5, basis: 'test' },
};

test('integrator and windows: a gap is recorded and its time at peak power joins the uncertainty', () => {
  const integ = new Integrator();
  const samples = [
    integ.add({ device: 'gpu:0', t: 0, powerW: 100 }, 0, 'a'),
    integ.add({ device: 'gpu:0', t: 1, powerW: 100 }, 1, 'a'),
    integ.add({ device: 'gpu:0', t: 3, powerW: 200, afterGap: true }, 3, 'a'),
    integ.add({ device: 'gpu:0', t: 4, powerW: 200 }, 4, 'a'),
  ].filter((s) => s !== undefined);
  assert.deepEqual(integ.gaps, [{ device: 'gpu:0', t0: 1, t1: 3 }]);
  const trace: Trace = {
    startWallMs: 0,
    domains: [sampledDomain],
    samples,
    problems: [],
    gaps: integ.gaps,
    samplerCpuS: 0,
    intervalMs: 1000,
  };
  const [w] = energyByWindow(trace, [{ name: 'all', t0: 0, t1: 4 }]);
  assert.equal(w.energyJ, 100 + 300 + 200);
  const d = w.domains[0];
  assert.equal(d.gapS, 2);
  // 5 W x 4 s + spacing bound |200-100|/2 x 2 s + gap 2 s x 200 W peak
  assert.equal(d.uncertaintyJ, 20 + 100 + 400);
});
