/**
 * The transformer on kdbench's kernels against the same model on TensorFlow.js ops (referenceLogits,
 * tf.train.adam): logits, every weight's gradient, training; one thread against two (bit-identical);
 * the optimizer against tf.train.adam (bit-identical); kernel memory released on dispose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, tf } from '../../src/distillation/backend.js';
import { TransformerClassifier, type TransformerConfig } from '../../src/distillation/models/transformer.js';
import { crossEntropy } from '../../src/distillation/loss.js';
import { predictLogits, train, type EncodedSet } from '../../src/distillation/train.js';
import { accuracy, argmaxRows } from '../../src/distillation/metrics.js';
import { KernelAdam } from '../../src/distillation/adam.js';
import { kernels } from '../../src/distillation/kernels/module.js';
import { kernelThreads, kernelsDescription, setKernelsEnabled, startKernelThreads } from '../../src/distillation/kernels/runtime.js';
import { wantedThreads } from '../../src/distillation/kernels/threads.js';
import { rng } from '../../src/core/random.js';
import { UserError } from '../../src/core/errors.js';

test.before(async () => {
  await selectBackend('wasm');
});

test.after(async () => {
  setKernelsEnabled(true);
  await startKernelThreads(1);
});

/** n sequences of seqLen ids in [2, vocab), each with a random number of padding ids (0) at the end. */
function batch(n: number, seqLen: number, vocab: number, seed: number, allPaddingRow = false): Int32Array {
  const r = rng(seed);
  const ids = new Int32Array(n * seqLen);
  for (let i = 0; i < n; i++) {
    const len = allPaddingRow && i === 1 ? 0 : 1 + Math.floor(r() * seqLen);
    for (let t = 0; t < len; t++) ids[i * seqLen + t] = 2 + Math.floor(r() * (vocab - 2));
  }
  return ids;
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / (m || 1);
}

/**
 * Largest |a - b| relative to the largest |b|, or to 1e-3 of `scale` when that is larger: the key
 * biases (bk) have a gradient that is 0 in exact arithmetic (softmax ignores a constant added to a
 * row of scores), so both paths give float32 noise there, ~1e-9.
 */
function gradErr(a: ArrayLike<number>, b: ArrayLike<number>, scale: number): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / Math.max(m, 1e-3 * scale);
}

function largest(arrays: ArrayLike<number>[]): number {
  return Math.max(...arrays.map((a) => Array.from(a).reduce((x, v) => Math.max(x, Math.abs(v)), 0)));
}

/** Logits and every weight's gradient of the cross-entropy, on the kernels or on tfjs ops. */
function logitsAndGrads(m: TransformerClassifier, ids: tf.Tensor2D, labels: tf.Tensor1D, kernelsOn: boolean) {
  return tf.tidy(() => {
    const f = () => crossEntropy(kernelsOn ? m.logits(ids) : m.referenceLogits(ids), labels);
    const logits = (kernelsOn ? m.logits(ids) : m.referenceLogits(ids)).dataSync();
    const { grads } = tf.variableGrads(f, m.variables);
    return { logits, grads: m.variables.map((v) => grads[v.name].dataSync()) };
  });
}

const shapes: { name: string; cfg: TransformerConfig; batch: number }[] = [
  {
    name: 'default teacher shape, 2 layers',
    cfg: { vocabSize: 300, seqLen: 64, classes: 2, dModel: 32, heads: 2, layers: 2, ffDim: 64 },
    batch: 6,
  },
  {
    name: 'brown student shape (head width 4), odd length',
    cfg: { vocabSize: 50, seqLen: 9, classes: 15, dModel: 8, heads: 2, layers: 1, ffDim: 16 },
    batch: 5,
  },
  {
    name: 'batch of 1, 3 layers, 4 heads',
    cfg: { vocabSize: 40, seqLen: 12, classes: 3, dModel: 16, heads: 4, layers: 3, ffDim: 20 },
    batch: 1,
  },
];

for (const { name, cfg, batch: B } of shapes) {
  test(`kernels vs tfjs ops (${name}): logits within 1e-5 and every gradient within 1e-4 of its largest value`, () => {
    const m = new TransformerClassifier(`eq-${cfg.dModel}-${cfg.layers}`, cfg, 7);
    try {
      assert.ok(m.kernels, 'the kernels run this model');
      const ids = tf.tensor2d(batch(B, cfg.seqLen, cfg.vocabSize, 3, B > 2), [B, cfg.seqLen], 'int32');
      const labels = tf.tensor1d(
        Array.from({ length: B }, (_, i) => i % cfg.classes),
        'int32',
      );
      const k = logitsAndGrads(m, ids, labels, true);
      const r = logitsAndGrads(m, ids, labels, false);
      assert.ok(maxRelErr(k.logits, r.logits) < 1e-5, `logits: ${maxRelErr(k.logits, r.logits)}`);
      const scale = largest(r.grads);
      m.variables.forEach((v, i) => {
        const e = gradErr(k.grads[i], r.grads[i], scale);
        assert.ok(e < 1e-4, `${v.name}: gradient relative error ${e.toExponential(2)}`);
      });
      // The gradients are not trivially zero.
      assert.ok(k.grads.every((g, i) => i === 0 || g.some((x) => x !== 0) || /\/bk$/.test(m.variables[i].name)));
      tf.dispose([ids, labels]);
    } finally {
      m.dispose();
    }
  });
}

test('one thread and two threads give bit-identical logits, gradients and trained weights', async () => {
  const cfg: TransformerConfig = { vocabSize: 200, seqLen: 32, classes: 2, dModel: 16, heads: 2, layers: 2, ffDim: 32 };
  const B = 24;
  const set: EncodedSet = { ids: batch(64, 32, 200, 11), labels: Int32Array.from({ length: 64 }, (_, i) => i % 2), n: 64, seqLen: 32 };
  const runs: { logits: Float32Array; grads: Float32Array[]; weights: Float32Array[] }[] = [];
  for (const threads of [1, 2]) {
    assert.equal(await startKernelThreads(threads), threads, `${threads} thread(s) start`);
    const m = new TransformerClassifier('threads', cfg, 5);
    try {
      const ids = tf.tensor2d(set.ids.subarray(0, B * 32), [B, 32], 'int32');
      const labels = tf.tensor1d(set.labels.subarray(0, B), 'int32');
      const { logits, grads } = logitsAndGrads(m, ids, labels, true);
      await train(m, set, { epochs: 2, batchSize: B, learningRate: 0.01 }, { seed: 3 });
      if (threads === 2) assert.ok(kernelThreads()!.workerRuns >= 2, 'the worker ran half of the passes');
      runs.push({
        logits: logits as Float32Array,
        grads: grads as Float32Array[],
        weights: m.variables.map((v) => v.dataSync() as Float32Array),
      });
      tf.dispose([ids, labels]);
    } finally {
      m.dispose();
    }
  }
  await startKernelThreads(1);
  assert.deepEqual(runs[1].logits, runs[0].logits);
  runs[0].grads.forEach((g, i) => assert.deepEqual(runs[1].grads[i], g, `gradient ${i}`));
  runs[0].weights.forEach((w, i) => assert.deepEqual(runs[1].weights[i], w, `weight ${i} after training`));
});

test('Adam on the kernels is bit-identical to tf.train.adam over 5 steps', () => {
  const shapes = [[7, 5], [13], [3, 4]];
  const r = rng(9);
  const init = shapes.map((s) =>
    tf.tensor(
      Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1),
      s,
    ),
  );
  const a = init.map((t, i) => tf.variable(t, true, `adam-a${i}`));
  const b = init.map((t, i) => tf.variable(t, true, `adam-b${i}`));
  const mem = kernels()!;
  const ours = new KernelAdam(mem, 0.01);
  const theirs = tf.train.adam(0.01);
  try {
    for (let step = 0; step < 5; step++) {
      const grads = shapes.map((s) =>
        tf.tensor(
          Float32Array.from({ length: s.reduce((x, y) => x * y, 1) }, () => (r() * 2 - 1) * 10 ** (step - 2)),
          s,
        ),
      );
      ours.applyGradients(Object.fromEntries(a.map((v, i) => [v.name, grads[i]])));
      theirs.applyGradients(Object.fromEntries(b.map((v, i) => [v.name, grads[i]])) as Record<string, tf.Variable>);
      tf.dispose(grads);
      a.forEach((v, i) => assert.deepEqual(v.dataSync(), b[i].dataSync(), `variable ${i}, step ${step + 1}`));
    }
    // The step changed the variables.
    assert.notDeepEqual(a[0].dataSync(), init[0].dataSync());
  } finally {
    ours.dispose();
    theirs.dispose();
    tf.dispose([...a, ...b, ...init]);
  }
});

test('training on the kernels follows training on tfjs ops (same data, seed, 3 epochs) and learns', async () => {
  const cfg: TransformerConfig = { vocabSize: 16, seqLen: 8, classes: 2, dModel: 16, heads: 2, layers: 1, ffDim: 16 };
  // Label 1 when token 3 occurs in the sequence.
  const make = (n: number, seed: number): EncodedSet => {
    const r = rng(seed);
    const ids = new Int32Array(n * 8);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const len = 2 + Math.floor(r() * 7);
      for (let t = 0; t < len; t++) ids[i * 8 + t] = 4 + Math.floor(r() * 12);
      if (r() < 0.5) {
        ids[i * 8 + Math.floor(r() * len)] = 3;
        labels[i] = 1;
      }
    }
    return { ids, labels, n, seqLen: 8 };
  };
  const trainSet = make(256, 1);
  const testSet = make(128, 2);
  const results: { loss: number[]; acc: number; weights: Float32Array[] }[] = [];
  let varNames: string[] = [];
  for (const on of [true, false]) {
    setKernelsEnabled(on);
    const m = new TransformerClassifier(`follow-${on}`, cfg, 3);
    try {
      assert.equal(m.kernels !== undefined, on);
      const r = await train(m, trainSet, { epochs: 3, batchSize: 32, learningRate: 0.01 }, { seed: 4 });
      const acc = accuracy(argmaxRows(await predictLogits(m, testSet, 64), 2), testSet.labels);
      results.push({ loss: r.lossByEpoch, acc, weights: m.variables.map((v) => v.dataSync() as Float32Array) });
      varNames = m.variables.map((v) => v.name);
    } finally {
      m.dispose();
    }
  }
  setKernelsEnabled(true);
  const [k, ref] = results;
  k.loss.forEach((l, e) =>
    assert.ok(Math.abs(l - ref.loss[e]) < 1e-3 * Math.max(1, ref.loss[e]), `epoch ${e} loss ${l} vs ${ref.loss[e]}`),
  );
  assert.ok(Math.abs(k.acc - ref.acc) <= 1 / 128 + 1e-9, `accuracy ${k.acc} vs ${ref.acc}`);
  // Not the key biases: their gradient is float32 noise on both paths (see gradErr), which Adam turns
  // into steps of about the learning rate in arbitrary directions.
  const names = ['tok_emb', 'pos_emb', 'block0/wq', 'block0/wk', 'block0/wv', 'block0/wo', 'block0/w1', 'block0/w2', 'out_w'];
  assert.equal(varNames.filter((v) => names.some((n) => v.endsWith(n))).length, names.length);
  k.weights.forEach((w, i) => {
    if (!names.some((n) => varNames[i].endsWith(n))) return;
    assert.ok(maxRelErr(w, ref.weights[i]) < 1e-3, `${varNames[i]}: ${maxRelErr(w, ref.weights[i])}`);
  });
  assert.ok(k.acc >= 0.9, `the model learns: accuracy ${k.acc}`);
});

test('weights assigned from outside (a loaded model) are picked up before the next pass', () => {
  const cfg: TransformerConfig = { vocabSize: 30, seqLen: 6, classes: 2, dModel: 8, heads: 2, layers: 1, ffDim: 8 };
  const a = new TransformerClassifier('assign-a', cfg, 1);
  const b = new TransformerClassifier('assign-b', cfg, 2);
  try {
    const ids = tf.tensor2d(batch(3, 6, 30, 4), [3, 6], 'int32');
    const before = tf.tidy(() => a.logits(ids).dataSync());
    a.variables.forEach((v, i) => v.assign(b.variables[i]));
    const after = tf.tidy(() => a.logits(ids).dataSync());
    const want = tf.tidy(() => b.referenceLogits(ids).dataSync());
    assert.notDeepEqual(after, before);
    assert.ok(maxRelErr(after, want) < 1e-5);
    ids.dispose();
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('a gradient of an earlier forward pass is recomputed, not taken from the later one', () => {
  const cfg: TransformerConfig = { vocabSize: 30, seqLen: 6, classes: 2, dModel: 8, heads: 2, layers: 1, ffDim: 8 };
  const m = new TransformerClassifier('regen', cfg, 1);
  try {
    const x = tf.tensor2d(batch(2, 6, 30, 5), [2, 6], 'int32');
    const y = tf.tensor2d(batch(3, 6, 30, 6), [3, 6], 'int32');
    const grads = tf.tidy(() => {
      const g = tf.variableGrads(() => {
        const loss = m.logits(x).sum() as tf.Scalar;
        m.logits(y).dispose(); // another pass in between
        return loss;
      }, m.variables);
      return m.variables.map((v) => g.grads[v.name].dataSync());
    });
    const want = tf.tidy(() => {
      const g = tf.variableGrads(() => m.referenceLogits(x).sum() as tf.Scalar, m.variables);
      return m.variables.map((v) => g.grads[v.name].dataSync());
    });
    const scale = largest(want);
    grads.forEach((g, i) => assert.ok(gradErr(g, want[i], scale) < 1e-4, `gradient ${i}: ${gradErr(g, want[i], scale)}`));
    tf.dispose([x, y]);
  } finally {
    m.dispose();
  }
});

test('kernel memory is given back when models are disposed; ids outside the vocabulary are refused', () => {
  const mem = kernels()!;
  const before = mem.allocated;
  const cfg: TransformerConfig = { vocabSize: 30, seqLen: 6, classes: 2, dModel: 8, heads: 2, layers: 1, ffDim: 8 };
  const m = new TransformerClassifier('memory', cfg, 1);
  const ids = tf.tensor2d(batch(4, 6, 30, 7), [4, 6], 'int32');
  tf.tidy(() => m.logits(ids).dataSync());
  assert.ok(mem.allocated > before);
  assert.throws(
    () => tf.tidy(() => m.logits(tf.tensor2d([[1, 30, 0, 0, 0, 0]], [1, 6], 'int32'))),
    /token id 30 outside the vocabulary of 30/,
  );
  m.dispose();
  ids.dispose();
  assert.equal(mem.allocated, before);
});

test('KDBENCH_THREADS accepts 1 or 2 and refuses anything else with a UserError; the description names the path', () => {
  assert.equal(wantedThreads({ KDBENCH_THREADS: '1' }), 1);
  assert.equal(wantedThreads({ KDBENCH_THREADS: '2' }), 2);
  assert.throws(
    () => wantedThreads({ KDBENCH_THREADS: 'four' }),
    (e: unknown) => e instanceof UserError && /KDBENCH_THREADS=four/.test((e as Error).message),
  );
  assert.match(kernelsDescription(), /WebAssembly SIMD kernels .* thread/);
  setKernelsEnabled(false);
  assert.match(kernelsDescription(), /TensorFlow\.js kernels only/);
  setKernelsEnabled(true);
});
