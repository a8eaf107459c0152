/** src/compression: magnitude pruning, tfjs weight quantization, honest-compute verdicts, lineages and the checks of compression fields. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chainVerdict,
  compressionErrors,
  dequantizeUint8,
  honestCompute,
  lineage,
  lineageVerdict,
  magnitudePrune,
  maxAbsError,
  methodName,
  pruneRows,
  prunedCount,
  quantizeUint8,
  roundFloat16,
  sparsityOf,
  stepLabel,
  storedBytes,
  type CompressibleModel,
} from '../../src/compression/index.js';
import { rng as mulberry32 } from '../../src/core/random.js';

test('magnitude pruning zeroes exactly the smallest |w|, keeps the others untouched, and refuses a sparsity outside (0, 1)', () => {
  const w = Float32Array.from([0.5, -0.1, 0.05, -2, 0.3, 0.01, -0.2, 1]);
  const p = magnitudePrune(w, 0.5);
  assert.deepEqual(Array.from(p), [0.5, 0, 0, -2, 0.30000001192092896, 0, 0, 1]);
  assert.equal(sparsityOf(p), 0.5);
  assert.equal(w[1], Math.fround(-0.1), 'the input is not changed');
  const rnd = mulberry32(7);
  const big = Float32Array.from({ length: 1001 }, () => rnd() - 0.5);
  const q = magnitudePrune(big, 0.3);
  assert.equal(sparsityOf(q), prunedCount(1001, 0.3) / 1001);
  const keptMin = Math.min(
    ...Array.from(q)
      .filter((x) => x !== 0)
      .map(Math.abs),
  );
  const droppedMax = Math.max(
    ...Array.from(big)
      .filter((_, i) => q[i] === 0)
      .map(Math.abs),
  );
  assert.ok(droppedMax <= keptMin, `a dropped weight (${droppedMax}) is larger than a kept one (${keptMin})`);
  for (const s of [0, 1, -0.1, 1.5, NaN]) assert.throws(() => magnitudePrune(w, s), /sparsity must be in \(0, 1\)/);
});

test('structured pruning removes the rows (neurons) of least L2 norm and returns a smaller matrix', () => {
  // 4 neurons x 3 inputs; norms: row0 = 1, row1 = 10, row2 = 0.1, row3 = 5
  const m = Float32Array.from([1, 0, 0, 0, 10, 0, 0.1, 0, 0, 0, 0, 5]);
  const r = pruneRows(m, 4, 3, 0.5);
  assert.deepEqual(r.kept, [1, 3]);
  assert.deepEqual(Array.from(r.matrix), [0, 10, 0, 0, 0, 5]);
  assert.throws(() => pruneRows(m, 3, 3, 0.5), /not 3 x 3/);
});

test('uint8 quantization as tfjs stores it: within scale / 2 of every weight, a quarter of the fp32 bytes; fp16 rounds to 11 bits', () => {
  const rnd = mulberry32(3);
  const w = Float32Array.from({ length: 500 }, () => (rnd() - 0.5) * 4);
  const q = quantizeUint8(w);
  const back = dequantizeUint8(q);
  assert.ok(maxAbsError(w, back) <= q.scale / 2 + 1e-6, `error ${maxAbsError(w, back)} > scale/2 ${q.scale / 2}`);
  assert.ok(maxAbsError(w, back) > 0, 'uint8 loses precision');
  assert.equal(storedBytes([500], 'uint8'), 508);
  assert.equal(storedBytes([500, 10], 'fp32'), 2040);
  assert.equal(storedBytes([500], 'fp16'), 1000);
  const h = roundFloat16(Float32Array.from([1 / 3, 65504, 1e-8, -2.5]));
  assert.equal(h[0], 0.333251953125);
  assert.equal(h[1], 65504);
  assert.equal(h[3], -2.5);
  assert.throws(() => quantizeUint8(Float32Array.from([1, NaN])), /non-finite/);
});

test('honest compute: tfjs int8 and unstructured sparsity save no arithmetic; PyTorch int8 on the CPU, structured pruning and distillation do', () => {
  const q8 = { method: 'quantization' as const, quantization: { mode: 'dynamic-int8' as const } };
  const tfjs = honestCompute(q8, 'tfjs');
  assert.equal(tfjs.changesArithmetic, false);
  assert.deepEqual(tfjs.saves, ['disk']);
  assert.match(tfjs.note, /dequantizes them to fp32.*not energy per inference/);
  assert.equal(honestCompute(q8, 'pytorch', { int8Engine: 'fbgemm' }).changesArithmetic, true);
  assert.match(honestCompute(q8, 'pytorch', { int8Engine: 'fbgemm' }).note, /fbgemm/);
  assert.equal(honestCompute(q8, 'pytorch', { int8Engine: 'none' }).changesArithmetic, false);
  assert.equal(honestCompute(q8, 'pytorch', { int8Engine: 'fbgemm', device: 'cuda:0' }).changesArithmetic, false);
  assert.equal(
    honestCompute({ method: 'quantization', quantization: { mode: 'fp16' } }, 'pytorch', { device: 'cpu' }).changesArithmetic,
    false,
  );
  assert.equal(honestCompute(q8, 'onnxruntime').changesArithmetic, true);
  assert.equal(honestCompute(q8, 'command').changesArithmetic, null);
  const unstructured = honestCompute({ method: 'pruning', pruning: { sparsity: 0.5 } }, 'pytorch');
  assert.equal(unstructured.changesArithmetic, false);
  assert.match(unstructured.note, /does not speed up dense kernels/);
  assert.equal(honestCompute({ method: 'pruning', pruning: { sparsity: 0.5, structure: 'neurons' } }, 'pytorch').changesArithmetic, true);
  assert.equal(honestCompute({ method: 'distillation' }, 'tfjs').changesArithmetic, true);
  assert.equal(chainVerdict([tfjs, unstructured]).changesArithmetic, false);
  assert.equal(chainVerdict([tfjs, honestCompute(q8, 'command')]).changesArithmetic, null);
});

test('lineage: a quantized distilled student is distillation then quantization, from the teacher', () => {
  const models = [
    { name: 't', role: 'teacher' as const },
    { name: 's', role: 'student' as const, distilled: true },
    {
      name: 's8',
      role: 'student' as const,
      compression: { method: 'quantization' as const, from: 's', quantization: { mode: 'dynamic-int8' as const } },
    },
    {
      name: 'tp',
      role: 'student' as const,
      compression: {
        method: 'chain' as const,
        from: 't',
        chain: [
          { method: 'pruning' as const, pruning: { sparsity: 0.5, fineTuneEpochs: 1 } },
          { method: 'quantization' as const, quantization: { mode: 'dynamic-int8' as const } },
        ],
      },
    },
  ];
  const l = lineage('s8', models);
  assert.equal(l.root, 't');
  assert.equal(methodName(l.steps), 'distillation + quantization');
  assert.deepEqual(l.steps.map(stepLabel), ['distillation', 'quantization (dynamic-int8)']);
  const c = lineage('tp', models);
  assert.deepEqual(c.steps.map(stepLabel), ['pruning (50 % unstructured, fine-tuned 1 epoch)', 'quantization (dynamic-int8)']);
  assert.equal(lineageVerdict(c.steps, 'tfjs').changesArithmetic, false);
  assert.deepEqual(lineage('t', models).steps, []);
});

test('compression fields: each mistake named by its field', () => {
  const base: CompressibleModel[] = [
    { path: 'teacher', name: 't', kind: 'command', hasCompressStep: false },
    { path: 'students[0]', name: 's', kind: 'command', hasDistilStep: true, compression: { method: 'distillation', from: 't' } },
  ];
  const check = (m: Omit<CompressibleModel, 'path'>) => compressionErrors([...base, { path: 'students[1]', ...m }]);
  assert.deepEqual(
    check({
      name: 'q',
      kind: 'command',
      hasCompressStep: true,
      compression: { method: 'quantization', from: 't', quantization: { mode: 'dynamic-int8' } },
    }),
    [],
  );
  assert.match(
    check({
      name: 'q',
      kind: 'command',
      hasCompressStep: true,
      compression: { method: 'quantization', from: 'nope', quantization: { mode: 'dynamic-int8' } },
    }).join('\n'),
    /field "students\[1\]\.compression\.from": no model "nope"/,
  );
  assert.match(
    check({ name: 'q', kind: 'command', hasCompressStep: true, compression: { method: 'magic' as never, from: 't' } }).join('\n'),
    /field "students\[1\]\.compression\.method": unknown method "magic"/,
  );
  for (const sp of [0, 1, 1.5, -0.2])
    assert.match(
      check({
        name: 'p',
        kind: 'command',
        hasCompressStep: true,
        compression: { method: 'pruning', from: 't', pruning: { sparsity: sp } },
      }).join('\n'),
      /field "students\[1\]\.compression\.pruning\.sparsity": .* is not in \(0, 1\)/,
    );
  assert.match(
    check({ name: 'p', kind: 'command', hasCompressStep: true, compression: { method: 'pruning', from: 't' } }).join('\n'),
    /field "students\[1\]\.compression\.pruning" is required/,
  );
  assert.match(
    check({ name: 'q', kind: 'command', compression: { method: 'quantization', from: 't', quantization: { mode: 'fp16' } } }).join('\n'),
    /field "students\[1\]\.compress" is required/,
  );
  assert.match(
    check({
      name: 'q',
      kind: 'transformer',
      compression: { method: 'quantization', from: 't', quantization: { mode: 'dynamic-int8' } },
    }).join('\n'),
    /does not quantize TensorFlow\.js models .*dequantize int8 weights to fp32/,
  );
  assert.match(
    check({
      name: 'h',
      kind: 'hf-onnx',
      dtype: 'fp32',
      compression: { method: 'quantization', from: 't', quantization: { mode: 'dynamic-int8' } },
    }).join('\n'),
    /field "students\[1\]\.dtype": .*"fp32" is not quantized/,
  );
  assert.deepEqual(
    check({
      name: 'h',
      kind: 'hf-onnx',
      dtype: 'q8',
      compression: { method: 'quantization', from: 't', quantization: { mode: 'dynamic-int8' } },
    }),
    [],
  );
  assert.match(
    check({ name: 'h', kind: 'hf-onnx', dtype: 'q8', compression: { method: 'pruning', from: 't', pruning: { sparsity: 0.5 } } }).join(
      '\n',
    ),
    /cannot prune an hf-onnx model/,
  );
  assert.match(
    check({ name: 'd', kind: 'command', hasDistilStep: true, compression: { method: 'distillation', from: 's' } }).join('\n'),
    /distillation learns from the teacher/,
  );
  assert.match(
    check({ name: 'c', kind: 'command', hasCompressStep: true, compression: { method: 'chain', from: 't', chain: [] } }).join('\n'),
    /field "students\[1\]\.compression\.chain": method "chain" needs a list/,
  );
  // A model listed later cannot be the base.
  const later = compressionErrors([
    base[0],
    {
      path: 'students[0]',
      name: 'q',
      kind: 'command',
      hasCompressStep: true,
      compression: { method: 'quantization', from: 's', quantization: { mode: 'dynamic-int8' } },
    },
    { ...base[1], path: 'students[1]' },
  ]);
  assert.match(later.join('\n'), /field "students\[0\]\.compression\.from": "s" \(students\[1\]\) comes after this model/);
  assert.match(
    compressionErrors([{ ...base[0], compression: { method: 'quantization', from: 't', quantization: { mode: 'fp16' } } }]).join('\n'),
    /field "teacher\.compression": the teacher is the baseline/,
  );
});
