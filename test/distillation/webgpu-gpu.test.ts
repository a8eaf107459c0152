/**
 * On a machine with a GPU that WebGPU can reach: every model kind with every loss gives, on webgpu, the
 * cpu backend's numbers (the same seeded weights, data and batch order). Tolerances, in float32:
 *   - the first training step's loss (the forward pass): |webgpu - cpu| <= 1e-4 x max(1, |cpu|);
 *   - the second step's loss (after one Adam update): <= 1e-3 x max(1, |cpu|);
 *   - every gradient at the initial weights: max |webgpu - cpu| <= 1e-3 x (largest |cpu gradient|) + 1e-6.
 * Elsewhere every test is skipped with the reason there is no adapter (and how to get one: kdbench doctor).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, tf } from '../../src/distillation/backend.js';
import { probeWebGpu } from '../../src/distillation/backends/webgpu.js';
import { KIND_SPECS, LOSSES, trainSteps, type StepResult } from '../support/webgpu-cases.js';

// A real adapter only: Dawn's null adapter (KDBENCH_WEBGPU_DAWN) runs nothing.
const env = { ...process.env };
delete env.KDBENCH_WEBGPU_DAWN;
const probe = await probeWebGpu(env);
const skip = probe.ok ? false : `no WebGPU adapter here (${probe.reason}); see kdbench doctor`;
if (!probe.ok) process.stderr.write(`webgpu-gpu.test: skipped: ${skip}\n`);

const cases = KIND_SPECS.flatMap((spec) => LOSSES.map((loss) => ({ spec, loss, key: `${spec.name} ${loss.name}` })));
const onCpu = new Map<string, StepResult>();

before(async () => {
  if (!probe.ok) return;
  await selectBackend('cpu');
  for (const c of cases) onCpu.set(c.key, await trainSteps(c.spec, c.loss));
  const b = await selectBackend('webgpu', env);
  assert.equal(b.name, 'webgpu');
  process.stderr.write(`webgpu-gpu.test: adapter ${JSON.stringify(b.adapter)}\n`);
  // Every op on a shader, none handed to the CPU for being small.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
});

after(() => {
  // Dawn may keep the event loop alive after the last test (node-webgpu README, "Lifetime"): end then.
  if (probe.ok) setTimeout(() => process.exit(), 10_000).unref();
});

const within = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

for (const c of cases) {
  test(`webgpu matches cpu: ${c.key}`, { skip }, async () => {
    const ref = onCpu.get(c.key)!;
    const got = await trainSteps(c.spec, c.loss);
    assert.ok(Number.isFinite(ref.losses[0]), `cpu loss ${ref.losses[0]}`);
    assert.ok(within(got.losses[0], ref.losses[0], 1e-4), `step 1 loss: webgpu ${got.losses[0]} vs cpu ${ref.losses[0]}`);
    assert.ok(within(got.losses[1], ref.losses[1], 1e-3), `step 2 loss: webgpu ${got.losses[1]} vs cpu ${ref.losses[1]}`);
    const scale = Math.max(...Object.values(ref.grads).flatMap((g) => g.map(Math.abs)));
    assert.ok(scale > 0, 'the cpu gradients are not all zero');
    assert.deepEqual(Object.keys(got.grads).sort(), Object.keys(ref.grads).sort());
    for (const [name, g] of Object.entries(ref.grads)) {
      const w = got.grads[name];
      const worst = Math.max(...g.map((v, i) => Math.abs(v - w[i])));
      assert.ok(worst <= 1e-3 * scale + 1e-6, `gradient of ${name}: max difference ${worst} (largest cpu gradient ${scale})`);
    }
  });
}
