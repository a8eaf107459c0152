/**
 * Hugging Face models exported to ONNX, run with transformers.js on onnxruntime-node, offline: the tiny
 * fixture model (test/fixtures/hf-tiny) scores on the suite's test split exactly what PyTorch measured
 * when it was built, labels are mapped from the suite, and bad folders are clear user errors.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../src/core/errors.js';
import { countOnnxParams } from '../../src/ownmodels/onnx/params.js';
import { labelMapping, loadHfTextClassifier, type HfLoadOptions } from '../../src/ownmodels/onnx/hf-model.js';
import { effectiveSuite, loadSuite } from '../../src/suites/load.js';
import { prepareData, type PreparedData } from '../../src/distillation/data/prepare.js';
import { accuracy, argmaxRows } from '../../src/distillation/metrics.js';

const TINY = fileURLToPath(new URL('../../../test/fixtures/hf-tiny/', import.meta.url));
const MODEL = join(TINY, 'model');
const info = JSON.parse(readFileSync(join(TINY, 'build-info.json'), 'utf8')) as {
  params: number;
  testAccuracy: number;
  testCorrect: number;
  testExamples: number;
};
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-onnx-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

let data: PreparedData;
before(() => {
  // The data the model was built on: the default suite's --quick split (kdbench data export default --quick).
  const s = effectiveSuite(loadSuite('default').suite, true);
  data = prepareData(s.dataset, s.seed);
});

const opts = (extra: Partial<HfLoadOptions> = {}): HfLoadOptions => ({
  path: MODEL,
  classes: data.dataset.classes,
  labels: ['ham', 'spam'],
  maxLength: 64,
  where: 'students[0] "tiny"',
  ...extra,
});

async function userError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${(e as Error)?.stack ?? String(e)}`);
    return e.message;
  }
  assert.fail('accepted');
}

test('parameters are counted from the ONNX file: the same as PyTorch counted', () => {
  assert.deepEqual(countOnnxParams(join(MODEL, 'onnx', 'model.onnx')), { params: info.params, initializers: 21 });
  assert.throws(() => countOnnxParams(join(MODEL, 'config.json')), /unsupported wire type|no graph|truncated/);
});

test("the model's accuracy on the suite's test split is the one PyTorch measured when it was built", async () => {
  const m = await loadHfTextClassifier('tiny', opts());
  try {
    assert.equal(data.test.n, info.testExamples);
    const logits = await m.predictLogits(
      data.examples.test.map((e) => e.text),
      32,
    );
    const pred = argmaxRows(logits, 2);
    const correct = pred.reduce((a, p, i) => a + (p === data.test.labels[i] ? 1 : 0), 0);
    assert.equal(correct, info.testCorrect, `transformers.js ${correct}/80, PyTorch ${info.testCorrect}/80`);
    assert.equal(m.info.params, info.params);
    assert.equal(m.info.executionProvider, 'CPUExecutionProvider');
    assert.equal(m.info.device, 'cpu');
    assert.deepEqual(m.info.inputs, ['input_ids', 'attention_mask', 'token_type_ids']);
    assert.equal(m.info.modelType, 'bert');
    assert.match(m.info.runtime.transformersJs ?? '', /^4\./);
    assert.match(m.info.runtime.onnxruntimeNode ?? '', /^1\./);
    // Batch sizes do not change the answers (padding is masked).
    const one = await m.predictLogits(
      data.examples.test.slice(0, 5).map((e) => e.text),
      1,
    );
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(one[i] - logits[i]) < 1e-4, `logit ${i}: ${one[i]} vs ${logits[i]}`);
    // The benchmark's runner: pre-tokenized batches, each run awaited.
    const r = m.batchRunner(
      data.examples.test.map((e) => e.text),
      100,
    );
    assert.equal(r.async, true);
    await r.runBatch(0);
    await r.runBatch(1);
    r.dispose();
  } finally {
    await m.dispose();
  }
});

test("labels come from the suite: swapped, the model's answers are mapped the other way round", async () => {
  const m = await loadHfTextClassifier('tiny', opts({ labels: ['spam', 'ham'] }));
  const logits = await m.predictLogits(
    data.examples.test.map((e) => e.text),
    32,
  );
  await m.dispose();
  assert.equal(Math.round(accuracy(argmaxRows(logits, 2), data.test.labels) * 80), 80 - info.testCorrect);
  assert.deepEqual(m.info.labels, ['spam', 'ham']);
});

test('a label set that does not match the dataset is a user error', async () => {
  assert.match(
    await userError(loadHfTextClassifier('tiny', opts({ labels: undefined }))),
    /config\.json id2label \(LABEL_0, LABEL_1\) does not match the dataset's classes \(ham, spam\): not in the dataset: LABEL_0, LABEL_1; no output for: ham, spam; map the model's outputs .* with "labels"/,
  );
  assert.match(
    await userError(loadHfTextClassifier('tiny', opts({ labels: ['ham', 'junk'] }))),
    /field "labels" \(ham, junk\) .*not in the dataset: junk; no output for: spam/,
  );
  assert.match(
    await userError(loadHfTextClassifier('tiny', opts({ labels: ['ham', 'spam', 'eggs'] }))),
    /field "labels" names 3 classes, but the model has 2 outputs/,
  );
  assert.throws(() => labelMapping(['a', 'b'], ['x', 'y'], ['x', 'x'], 'w'), /does not match/);
  assert.deepEqual(
    Array.from(labelMapping(['b', 'a'], ['a', 'b'], undefined, 'w')),
    [1, 0],
    'id2label names that are the classes need no mapping',
  );
});

test('a folder without tokenizer.json, or whose model takes inputs a tokenizer does not give, is a user error', async () => {
  const noTok = join(tmp, 'no-tokenizer');
  cpSync(MODEL, noTok, { recursive: true });
  rmSync(join(noTok, 'tokenizer.json'));
  assert.match(
    await userError(loadHfTextClassifier('tiny', opts({ path: noTok }))),
    /no-tokenizer\/tokenizer\.json is missing; a model folder in the Hugging Face layout has/,
  );

  const wrong = join(tmp, 'wrong-input');
  mkdirSync(join(wrong, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(MODEL, f), join(wrong, f));
  copyFileSync(join(TINY, 'wrong-input', 'onnx', 'model.onnx'), join(wrong, 'onnx', 'model.onnx'));
  assert.match(
    await userError(loadHfTextClassifier('tiny', opts({ path: wrong }))),
    /onnx\/model\.onnx takes the input\(s\) pixel_values; a text classifier gets input_ids, attention_mask, token_type_ids from its tokenizer \(not: pixel_values\)/,
  );
  assert.match(await userError(loadHfTextClassifier('tiny', opts({ path: join(tmp, 'nowhere') }))), /model folder .*nowhere not found/);
  assert.match(await userError(loadHfTextClassifier('tiny', opts({ dtype: 'q8' }))), /onnx\/model_quantized\.onnx is missing/);
  const badJson = join(tmp, 'bad-json');
  cpSync(MODEL, badJson, { recursive: true });
  writeFileSync(join(badJson, 'config.json'), '{ not json');
  assert.match(await userError(loadHfTextClassifier('tiny', opts({ path: badJson }))), /config\.json is not valid JSON/);
});

test('device "cuda" without onnxruntime-node\'s CUDA provider is a user error that says how to install it', async (t) => {
  const ort = join(fileURLToPath(new URL('../../../node_modules/onnxruntime-node/bin/napi-v6/linux/x64/', import.meta.url)));
  if (existsSync(join(ort, 'libonnxruntime_providers_cuda.so'))) return t.skip('the CUDA provider is installed here');
  assert.match(
    await userError(loadHfTextClassifier('tiny', opts({ device: 'cuda' }))),
    /device "cuda" \(onnxruntime execution provider CUDA\) is not available here: .*ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/s,
  );
});
