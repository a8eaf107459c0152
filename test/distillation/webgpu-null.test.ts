/**
 * The webgpu backend's plumbing on a machine without a GPU: Dawn's null adapter (KDBENCH_WEBGPU_DAWN=
 * "backend=null") accepts every command and runs none, so its numbers mean nothing, but every tfjs
 * kernel a model needs must exist on webgpu and every WGSL shader must pass Dawn's validation. Checked:
 * the backend starts after the WebGPU setup, carries a device sync, every model kind trains with every
 * loss, inference reads back asynchronously (dataSync would need OffscreenCanvas), and the run records
 * the adapter. The numbers themselves are checked against the cpu backend in webgpu-gpu.test.ts.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { selectBackend, tf, type BackendChoice } from '../../src/distillation/backend.js';
import { readbackFor, tfjsBatchRunner } from '../../src/distillation/infer.js';
import { buildModel } from '../../src/distillation/models/build.js';
import { predictLogits } from '../../src/distillation/train.js';
import { benchmarkInference } from '../../src/benchmark/inference.js';
import { CLASSES, KIND_SPECS, LOSSES, SEQ_LEN, VOCAB, tinyTask, trainSteps } from '../support/webgpu-cases.js';

const installed = (() => {
  try {
    createRequire(import.meta.url).resolve('webgpu');
    return true;
  } catch {
    return false;
  }
})();
const skip = installed ? false : 'the optional package webgpu is not installed';

let backend: BackendChoice;
before(async () => {
  if (!installed) return;
  backend = await selectBackend('webgpu', { ...process.env, KDBENCH_WEBGPU_DAWN: 'backend=null' });
  // tfjs-backend-webgpu runs ops on small CPU-resident tensors on the CPU; off, every op runs a shader.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
});

test("Dawn's null adapter: the webgpu backend starts, records its adapter and carries a device sync", { skip }, async () => {
  assert.equal(backend.name, 'webgpu');
  assert.equal(tf.getBackend(), 'webgpu');
  assert.deepEqual(backend.dawnOptions, ['backend=null']);
  assert.equal(typeof backend.adapter?.vendor, 'string');
  assert.match(backend.adapter?.device ?? '', /null/i, JSON.stringify(backend.adapter));
  assert.equal(typeof backend.sync, 'function');
  await backend.sync!();
  assert.equal(readbackFor(), 'async');
});

for (const spec of KIND_SPECS) {
  for (const loss of LOSSES) {
    test(
      `null adapter: ${spec.kind}${spec.kind === 'embedding-bag' && spec.hidden === 0 ? ' (no hidden layer)' : ''} trains with ${loss.name}`,
      { skip },
      async () => {
        const r = await trainSteps(spec, loss);
        assert.equal(r.losses.length, 2);
        assert.ok(Object.keys(r.grads).length > 0);
      },
    );
  }
}

test('null adapter: predictLogits and the inference benchmark read back asynchronously', { skip }, async () => {
  const set = tinyTask(5, 16);
  const model = buildModel(KIND_SPECS[0], 'gpu-infer', { vocabSize: VOCAB, seqLen: SEQ_LEN, classes: CLASSES }, 1);
  try {
    assert.equal((await predictLogits(model, set, 8)).length, set.n * CLASSES);
    const runner = tfjsBatchRunner(model, set, 4);
    assert.equal(runner.async, true, 'webgpu needs the async runner');
    const p = runner.runBatch(0);
    assert.ok(p instanceof Promise, 'runBatch returns a promise that settles once the logits are read back');
    await p;
    const r = await benchmarkInference(tfjsBatchRunner(model, set, 4), 50);
    assert.ok(r.inferences > 0 && r.latencyMsMean > 0);
  } finally {
    model.dispose();
  }
});
