/** The hf-onnx sentence encoder (ownmodels/onnx/hf-encoder.ts): pooling over the attention mask, normalisation, and folders it refuses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadHfSentenceEncoder, poolEmbeddings } from '../../src/ownmodels/onnx/hf-encoder.js';
import { UserError } from '../../src/core/errors.js';
import { FIXTURES } from '../support/meters-fakes.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `[${i}] ${a[i]} vs ${b[i]}`);
};

// Two texts, three tokens, width 2; the second text's last token is padding.
const states = { data: Float32Array.from([1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 500, 600]), dims: [2, 3, 2] };
const mask = BigInt64Array.from([1n, 1n, 1n, 1n, 1n, 0n]);

test('mean pooling leaves padding out (the mask as int64, as transformers.js gives it); cls takes the first token', () => {
  close(poolEmbeddings(states, mask, 'mean', false), [3, 4, 20, 30], 1e-6);
  close(poolEmbeddings(states, [1, 1, 1, 1, 1, 1], 'mean', false), [3, 4, 180, 220], 1e-4);
  close(poolEmbeddings(states, mask, 'cls', false), [1, 2, 10, 20], 0);
});

test("normalize divides each embedding by its L2 norm; a model's sentence_embedding is taken as it is", () => {
  close(poolEmbeddings(states, mask, 'mean', true), [0.6, 0.8, 20 / Math.hypot(20, 30), 30 / Math.hypot(20, 30)], 1e-6);
  close(poolEmbeddings({ data: Float32Array.from([3, 4, 0, 2]), dims: [2, 2] }, undefined, 'model', false), [3, 4, 0, 2], 0);
  close(poolEmbeddings({ data: Float32Array.from([3, 4, 0, 2]), dims: [2, 2] }, undefined, 'model', true), [0.6, 0.8, 0, 1], 1e-6);
});

test("the fixture encoder: width from its output, and a text's embedding does not depend on its batch's padding", async () => {
  const m = await loadHfSentenceEncoder('enc', {
    path: join(FIXTURES, 'hf-tiny-encoder', 'model'),
    maxLength: 64,
    where: 'students[0] "enc"',
  });
  try {
    assert.equal(m.info.embeddingDim, 32);
    assert.equal(m.info.output, 'last_hidden_state');
    assert.equal(m.info.pooling, 'mean');
    const short = 'cheap meds';
    const alone = await m.embed([short], 1);
    const padded = await m.embed([short, 'a much longer subject line that pads the short one with many more tokens'], 2);
    close(alone, padded.subarray(0, 32), 1e-5);
    let n = 0;
    for (const x of alone) n += x * x;
    assert.ok(Math.abs(n - 1) < 1e-5, `unit norm: ${n}`);
    const other = await m.embed(['a much longer subject line'], 1);
    assert.ok(
      other.some((x, i) => Math.abs(x - alone[i]) > 1e-3),
      'other texts, other embeddings',
    );
  } finally {
    await m.dispose();
  }
});

test('a classifier (output logits) and a model a tokenizer cannot feed are refused, naming the field', async () => {
  const where = 'students[0] "x"';
  await assert.rejects(
    loadHfSentenceEncoder('x', { path: join(FIXTURES, 'hf-tiny', 'model'), where }),
    (e: Error) =>
      e instanceof UserError &&
      /students\[0\] "x": field "path": .* is not a sentence encoder: onnx\/model\.onnx outputs logits/.test(e.message),
  );
  await assert.rejects(
    loadHfSentenceEncoder('x', { path: join(FIXTURES, 'hf-tiny', 'nowhere'), where }),
    (e: Error) => e instanceof UserError && /field "path": model folder .* not found/.test(e.message),
  );
  await assert.rejects(
    loadHfSentenceEncoder('x', { path: join(FIXTURES, 'hf-tiny', 'wrong-input'), where }),
    (e: Error) => e instanceof UserError && /wrong-input\/config\.json is missing/.test(e.message),
  );
});
