/**
 * The kernel worker thread: a fault in the program it runs (a WebAssembly trap) comes back to the
 * main thread as an Error, and the worker keeps serving; and the kernels on TensorFlow.js's cpu
 * backend give the same logits, gradients and Adam steps as the tfjs path there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, tf } from '../../src/distillation/backend.js';
import { kernels } from '../../src/distillation/kernels/module.js';
import { ProgramBuilder } from '../../src/distillation/kernels/program.js';
import { kernelThreads, startKernelThreads } from '../../src/distillation/kernels/runtime.js';
import { TransformerClassifier } from '../../src/distillation/models/transformer.js';
import { crossEntropy } from '../../src/distillation/loss.js';
import { KernelAdam } from '../../src/distillation/adam.js';

test('a trap in the worker is an Error on the main thread; the worker keeps running programs', async () => {
  await selectBackend('wasm');
  assert.equal(await startKernelThreads(2), 2);
  const mem = kernels()!;
  const threads = kernelThreads()!;
  const n = 64;
  const buf = mem.alloc(n * 4);
  const encode = (p: ProgramBuilder) => {
    const ptr = mem.alloc(p.words() * 4);
    p.encode(mem, ptr);
    return ptr;
  };
  const fillA = encode(new ProgramBuilder().call('fill', n / 2, buf, 1));
  const fillB = encode(new ProgramBuilder().call('fill', n / 2, buf + (n / 2) * 4, 2));
  // A fill far beyond the end of the memory: the worker's instance traps.
  const bad = encode(new ProgramBuilder().call('fill', 16, 0x7ff00000, 3));
  try {
    assert.throws(() => threads.runPair(fillA, bad), /kernel worker: .*out of bounds/);
    const before = threads.workerRuns;
    threads.runPair(fillA, fillB);
    assert.equal(threads.workerRuns, before + 1);
    const v = mem.floats(buf, n);
    assert.deepEqual(Array.from(v), [...new Array(n / 2).fill(1), ...new Array(n / 2).fill(2)]);
  } finally {
    await startKernelThreads(1);
  }
});

test('on the cpu backend the kernels match the tfjs path: logits, gradients, and Adam against tf.train.adam', async () => {
  await selectBackend('cpu');
  try {
    const cfg = { vocabSize: 40, seqLen: 10, classes: 3, dModel: 8, heads: 2, layers: 1, ffDim: 12 };
    const m = new TransformerClassifier('cpu-backend', cfg, 2);
    try {
      assert.ok(m.kernels, 'the kernels run on the cpu backend');
      const ids = tf.tensor2d(
        [
          [3, 4, 5, 6, 0, 0, 0, 0, 0, 0],
          [7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
        ],
        [2, 10],
        'int32',
      );
      const labels = tf.tensor1d([0, 2], 'int32');
      const run = (kernelsOn: boolean) =>
        tf.tidy(() => {
          const g = tf.variableGrads(() => crossEntropy(kernelsOn ? m.logits(ids) : m.referenceLogits(ids), labels), m.variables);
          return { loss: g.value.dataSync()[0], grads: m.variables.map((v) => Array.from(g.grads[v.name].dataSync())) };
        });
      const k = run(true);
      const r = run(false);
      assert.ok(Math.abs(k.loss - r.loss) < 1e-6);
      const scale = Math.max(...r.grads.flat().map(Math.abs));
      k.grads.forEach((g, i) => g.forEach((x, j) => assert.ok(Math.abs(x - r.grads[i][j]) < 1e-4 * scale, `${m.variables[i].name}[${j}]`)));
      // Adam on the cpu backend: the tensors it writes are copies (the backend keeps the arrays it is given).
      const copies = m.variables.map((v) => tf.variable(v.clone(), true, `${v.name}-copy`));
      const ours = new KernelAdam(kernels()!, 0.01);
      const theirs = tf.train.adam(0.01);
      for (let step = 0; step < 3; step++) {
        const grads = m.variables.map((v) => tf.randomNormal(v.shape, 0, 1, 'float32', step * 100 + v.size));
        ours.applyGradients(Object.fromEntries(m.variables.map((v, i) => [v.name, grads[i]])));
        theirs.applyGradients(Object.fromEntries(copies.map((v, i) => [v.name, grads[i]])) as Record<string, tf.Variable>);
        tf.dispose(grads);
      }
      m.variables.forEach((v, i) => assert.deepEqual(v.dataSync(), copies[i].dataSync(), v.name));
      ours.dispose();
      theirs.dispose();
      tf.dispose([ids, labels, ...copies]);
    } finally {
      m.dispose();
    }
  } finally {
    await selectBackend('wasm');
  }
});
