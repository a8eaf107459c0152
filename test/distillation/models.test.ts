/** The BiLSTM student (shapes, masking, it learns), the MSE logit loss, and the save/load round trip. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend, tf } from '../../src/distillation/backend.js';
import { BiLstmClassifier } from '../../src/distillation/models/bilstm.js';
import { buildModel } from '../../src/distillation/models/build.js';
import { loadSavedModel, saveModel } from '../../src/distillation/models/io.js';
import { hintonLoss } from '../../src/distillation/loss.js';
import { predictLogits, train, type EncodedSet } from '../../src/distillation/train.js';
import { accuracy, argmaxRows } from '../../src/distillation/metrics.js';
import { rng } from '../../src/core/random.js';
import { UserError } from '../../src/core/errors.js';
import type { TrainableSpec } from '../../src/suites/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-models-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test.before(async () => {
  await selectBackend('wasm');
});

/** Label 1 when token 3 occurs anywhere in the (padded) sequence: needs the whole sequence, both directions work. */
function containsTask(n: number, seqLen: number, seed: number): EncodedSet {
  const r = rng(seed);
  const ids = new Int32Array(n * seqLen);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const len = 2 + Math.floor(r() * (seqLen - 1));
    for (let t = 0; t < len; t++) ids[i * seqLen + t] = 4 + Math.floor(r() * 12);
    if (r() < 0.5) {
      ids[i * seqLen + Math.floor(r() * len)] = 3;
      labels[i] = 1;
    }
  }
  return { ids, labels, n, seqLen };
}

test('bilstm: logits [batch, classes], parameter count, padding does not change the output', () => {
  const m = new BiLstmClassifier('lstm-shape', { vocabSize: 20, seqLen: 6, classes: 3, dModel: 4, hidden: 5 }, 1);
  try {
    // emb 20x4 + per direction (4x20 + 5x20 + 20) + head 10x3 + 3
    assert.equal(m.paramCount(), 80 + 2 * (80 + 100 + 20) + 33);
    const out = tf.tidy(() =>
      m.logits(
        tf.tensor2d(
          [
            [5, 6, 7, 0, 0, 0],
            [8, 9, 10, 11, 12, 13],
          ],
          [2, 6],
          'int32',
        ),
      ),
    );
    assert.deepEqual(out.shape, [2, 3]);
    const a = out.arraySync() as number[][];
    out.dispose();
    // The same tokens with a shorter padded row (seqLen 3) give the same logits: padding steps keep the state.
    const short = tf.tidy(() => m.logits(tf.tensor2d([[5, 6, 7]], [1, 3], 'int32')));
    const b = short.arraySync() as number[][];
    short.dispose();
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(a[0][c] - b[0][c]) < 1e-5, `class ${c}: ${a[0][c]} vs ${b[0][c]}`);
    assert.notDeepEqual(a[0], a[1]);
  } finally {
    m.dispose();
  }
});

test('bilstm learns a trivial task (does token 3 occur?) well above chance', async () => {
  const trainSet = containsTask(256, 8, 1);
  const testSet = containsTask(128, 8, 2);
  const m = new BiLstmClassifier('lstm-learn', { vocabSize: 16, seqLen: 8, classes: 2, dModel: 8, hidden: 8 }, 3);
  try {
    const before = accuracy(argmaxRows(await predictLogits(m, testSet, 64), 2), testSet.labels);
    const r = await train(m, trainSet, { epochs: 8, batchSize: 32, learningRate: 0.03 }, { seed: 4 });
    const after = accuracy(argmaxRows(await predictLogits(m, testSet, 64), 2), testSet.labels);
    assert.ok(r.lossByEpoch[7] < r.lossByEpoch[0] / 2, `loss ${r.lossByEpoch.map((x) => x.toFixed(3)).join(' ')}`);
    assert.ok(after >= 0.9, `accuracy after training ${after} (before ${before})`);
  } finally {
    m.dispose();
  }
});

test('logitLoss "mse": the soft term is the mean squared logit difference, no T^2', () => {
  const s = tf.tensor2d([
    [1, 2],
    [0, 0],
  ]);
  const t = tf.tensor2d([
    [1, 4],
    [2, 0],
  ]);
  const y = tf.tensor1d([1, 0], 'int32');
  const onlySoft = hintonLoss(s, t, y, { temperature: 4, softWeight: 1, hardWeight: 0, logitLoss: 'mse' });
  assert.ok(Math.abs(onlySoft.dataSync()[0] - (0 + 4 + 4 + 0) / 4) < 1e-6);
  const same = hintonLoss(t, t, y, { temperature: 4, softWeight: 1, hardWeight: 0, logitLoss: 'mse' });
  assert.equal(same.dataSync()[0], 0);
  const ce = hintonLoss(s, t, y, { temperature: 4, softWeight: 1, hardWeight: 0 });
  assert.ok(ce.dataSync()[0] > 0 && Math.abs(ce.dataSync()[0] - 2) > 1e-3);
  tf.dispose([s, t, y, onlySoft, same, ce]);
});

const specs: TrainableSpec[] = [
  {
    name: 'rt-transformer',
    kind: 'transformer',
    dModel: 8,
    heads: 2,
    layers: 1,
    ffDim: 16,
    train: { epochs: 1, batchSize: 8, learningRate: 0.01 },
  },
  { name: 'rt-bag', kind: 'embedding-bag', dModel: 4, hidden: 6, train: { epochs: 1, batchSize: 8, learningRate: 0.01 } },
  { name: 'rt-lstm', kind: 'bilstm', dModel: 4, hidden: 3, train: { epochs: 1, batchSize: 8, learningRate: 0.01 } },
];
const tokens = ['<pad>', '<unk>', ...Array.from({ length: 14 }, (_, i) => `w${i}`)];
const input = { tokens, classes: ['a', 'b'], seqLen: 8 };

for (const spec of specs) {
  test(`save/load round trip gives identical logits: ${spec.kind}`, async () => {
    const set = containsTask(40, 8, 9);
    const m = buildModel(spec, spec.name, { vocabSize: 16, seqLen: 8, classes: 2 }, 5);
    const dir = join(tmp, spec.name);
    try {
      await train(m, set, spec.train, { seed: 1 });
      const before = await predictLogits(m, set, 16);
      await saveModel(m, dir, input, { epochs: 1 });
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      assert.equal(json.weightsManifest[0].paths[0], 'weights.bin');
      assert.equal(json.weightsManifest[0].weights.length, m.variables.length);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8')), tokens);
      const loaded = loadSavedModel(dir, `${spec.name}-copy`, input);
      try {
        assert.equal(loaded.model.kind, spec.kind);
        assert.equal(loaded.model.paramCount(), m.paramCount());
        const after = await predictLogits(loaded.model, set, 16);
        assert.deepEqual(Array.from(after), Array.from(before));
      } finally {
        loaded.model.dispose();
      }
    } finally {
      m.dispose();
    }
  });
}

test('a saved model whose input does not match the tokenizer is a clear UserError', () => {
  const dir = join(tmp, specs[1].name);
  const bad = (what: RegExp, inp: typeof input) =>
    assert.throws(
      () => loadSavedModel(dir, 'x', inp),
      (e: unknown) => e instanceof UserError && what.test(e.message),
    );
  bad(/differs from this suite's tokenizer at id 5 \("w3" vs "zzz"\)/, { ...input, tokens: tokens.map((t, i) => (i === 5 ? 'zzz' : t)) });
  bad(/vocabulary has 16 words, this suite's tokenizer has 15/, { ...input, tokens: tokens.slice(0, 15) });
  bad(/takes 8 tokens per example, this suite's tokenizer gives 12/, { ...input, seqLen: 12 });
  bad(/classes \(a, b\) are not this dataset's \(a, b, c\)/, { ...input, classes: ['a', 'b', 'c'] });
  assert.throws(
    () => loadSavedModel(join(tmp, 'nowhere'), 'x', input),
    (e: unknown) => e instanceof UserError && /not found/.test(e.message),
  );
  writeFileSync(join(tmp, 'other.json'), JSON.stringify({ format: 'layers-model' }));
  assert.throws(
    () => loadSavedModel(join(tmp, 'other.json'), 'x', input),
    (e: unknown) => e instanceof UserError && /not a model saved by kdbench/.test(e.message),
  );
});

test('model.json cannot point its weights outside its folder or at something that is not a file (no endless read of /dev/zero)', () => {
  const src = join(tmp, specs[1].name);
  const json = JSON.parse(readFileSync(join(src, 'model.json'), 'utf8'));
  const withPaths = (name: string, paths: string[]) => {
    const dir = join(tmp, name);
    mkdirSync(dir, { recursive: true });
    for (const f of ['weights.bin', 'vocab.json']) writeFileSync(join(dir, f), readFileSync(join(src, f)));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0], paths }] }));
    return dir;
  };
  const refused = (dir: string, what: RegExp) =>
    assert.throws(
      () => loadSavedModel(dir, 'x', input),
      (e: unknown) => e instanceof UserError && what.test(e.message),
    );
  refused(withPaths('escape', ['../../../../../../dev/zero']), /names "\.\.\/.*dev\/zero", which is outside the model's folder/);
  refused(withPaths('absolute', ['/dev/zero']), /names "\/dev\/zero", which is outside the model's folder/);
  const sub = withPaths('subdir', ['sub']);
  mkdirSync(join(sub, 'sub'));
  refused(sub, /names "sub", which is not a regular file/);
  // The same files under their own names still load.
  const ok = withPaths('ok', ['./weights.bin']);
  loadSavedModel(ok, 'x', input).model.dispose();
});
