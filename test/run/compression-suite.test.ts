/**
 * Compression in a suite, end to end through the CLI with a command model that compresses for real
 * (test/fixtures/compress-model.mjs: naive Bayes, its log-probabilities pruned and quantized): phases,
 * run.json compression records and comparisons, the report's method comparison and decision, the accuracy
 * budget; and bad input (unknown method, sparsity outside (0, 1), a kind that cannot be quantized, a chain
 * whose input does not exist) refused with exit code 2 and the field named, before any work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunJson } from '../../src/core/contract.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIX = join(ROOT, 'test', 'fixtures');
const SUITE = join(FIX, 'own-models', 'compression.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-compression-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function kdbench(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, KDBENCH_NVML_LIB: join(tmp, 'none.so'), KDBENCH_NVIDIA_SMI: '', KDBENCH_POWERCAP_ROOT: join(tmp, 'none') },
  });
}
/** A tfjs suite whose student asks for int8 quantization, which tfjs would only store (it computes in fp32). */
const TFJS_SUITE = `name: tfjs-int8
seed: 1
dataset: { name: spam-assassin, testFraction: 0.2, maxExamples: 100, vocabSize: 500, seqLen: 16 }
teacher: { name: teacher, kind: embedding-bag, dModel: 4, hidden: 4, train: { epochs: 1, batchSize: 32, learningRate: 0.01 } }
students:
  - name: bag-int8
    kind: embedding-bag
    dModel: 4
    hidden: 4
    train: { epochs: 1, batchSize: 32, learningRate: 0.01 }
    compression: { method: quantization, from: teacher, quantization: { mode: dynamic-int8 } }
distillation: { temperature: 2, softWeight: 0.5, hardWeight: 0.5 }
inference: { batchSizes: [1], timeMs: 50 }
`;
const readRun = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;

test('a compression suite: distillation, quantization, pruning with fine-tuning and distillation + quantization of one teacher', () => {
  const out = join(tmp, 'run');
  const r = kdbench(['run', SUITE, '--out', out, '--quiet', '--max-accuracy-drop', '2pt']);
  assert.equal(r.status, 0, r.stderr);
  const run = readRun(out);
  assert.equal(run.status, 'completed');
  assert.equal(run.reportSettings?.maxAccuracyDrop, 0.02);
  const names = run.phases.map((p) => p.name);
  for (const n of [
    'distillation:nb-student',
    'compression:nb-teacher-int8',
    'compression:nb-teacher-int8:quantization',
    'compression:nb-teacher-pruned:pruning',
    'compression:nb-teacher-pruned:fine-tuning',
    'compression:nb-student-int8:quantization',
    'evaluation:nb-student-int8',
    'inference:nb-student-int8:b32:r2',
  ])
    assert.ok(names.includes(n), `missing phase ${n} in ${names.join(', ')}`);
  assert.equal(run.phases.find((p) => p.name === 'compression:nb-teacher-int8')?.model, 'nb-teacher-int8');

  const by = new Map(run.models.map((m) => [m.name, m]));
  assert.equal(by.get('nb-teacher')!.compression, undefined);
  const q = by.get('nb-teacher-int8')!.compression!;
  assert.equal(q.method, 'quantization');
  assert.equal(q.from, 'nb-teacher');
  assert.equal(q.runtime, 'command');
  assert.equal(q.honestCompute.changesArithmetic, null);
  assert.deepEqual(q.productionPhases, ['compression:nb-teacher-int8', 'compression:nb-teacher-int8:quantization']);
  assert.equal((q.info as { base?: string }).base, 'nb-teacher', 'the compress step got KDBENCH_BASE');
  const p = by.get('nb-teacher-pruned')!.compression!;
  assert.deepEqual(p.steps, ['pruning (50 % unstructured, fine-tuned 1 epoch)']);
  assert.equal(p.honestCompute.changesArithmetic, false);
  const chain = by.get('nb-student-int8')!.compression!;
  assert.equal(chain.method, 'distillation + quantization');
  assert.equal(chain.root, 'nb-teacher');
  assert.equal(chain.from, 'nb-student');
  assert.ok(chain.productionPhases.includes('distillation:nb-student') && chain.productionPhases.includes('compression:nb-student-int8'));
  assert.equal(by.get('nb-student')!.compression!.method, 'distillation');
  // The accuracy change is the paired difference against the teacher, also as a comparison the decision box reads.
  for (const m of run.models.filter((x) => x.compression)) {
    const a = m.compression!.accuracyChange!;
    assert.equal(a.vs, 'nb-teacher');
    assert.ok(Math.abs(a.estimate - (m.accuracy - by.get('nb-teacher')!.accuracy)) < 1e-9, m.name);
    assert.ok(a.ci95 && a.ci95[0] <= a.estimate && a.estimate <= a.ci95[1], `${m.name}: ${JSON.stringify(a)}`);
    assert.ok(run.comparisons?.some((c) => c.metric === 'accuracy' && c.a === m.name && c.b === 'nb-teacher'));
  }
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /## Compression methods side by side/);
  assert.match(md, /\| nb-student-int8 \| distillation → quantization \(dynamic-int8\) \| nb-student \| command \|/);
  assert.match(
    md,
    /nb-teacher-pruned\*\* \(pruning \(50 % unstructured, fine-tuned 1 epoch\), command\): changes the arithmetic: NO; unstructured sparsity/,
  );
  assert.match(md, /### Best compression option within 2 points of accuracy/);
  assert.match(md, /recorded by kdbench run --max-accuracy-drop/);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /Compression methods side by side/);
  assert.ok(existsSync(join(out, 'charts', 'pareto.png')));
});

test('the accuracy budget decides the best option: kdbench report --max-accuracy-drop', () => {
  const out = join(tmp, 'run');
  if (!existsSync(join(out, 'run.json'))) return assert.fail('the run of the previous test is missing');
  // Fixed energies, so the choice depends on the budget only: the distilled student + int8 is cheapest but 1.25 points less accurate.
  const run = readRun(out);
  const energy: Record<string, number> = {
    'nb-teacher': 10,
    'nb-student': 6,
    'nb-teacher-int8': 8,
    'nb-teacher-pruned': 9,
    'nb-student-int8': 2,
  };
  const acc: Record<string, number> = {
    'nb-teacher': 0.9,
    'nb-student': 0.8875,
    'nb-teacher-int8': 0.9,
    'nb-teacher-pruned': 0.9,
    'nb-student-int8': 0.8875,
  };
  run.inference = run.inference.map((r) => ({ ...r, energyJPer1000: energy[r.model], energyJ: (energy[r.model] * r.inferences) / 1000 }));
  run.models = run.models.map((m) => ({
    ...m,
    accuracy: acc[m.name],
    ...(m.compression
      ? { compression: { ...m.compression, accuracyChange: { vs: 'nb-teacher', estimate: acc[m.name] - 0.9, n: 80 } } }
      : {}),
  }));
  writeFileSync(join(out, 'run.json'), JSON.stringify(run));
  const best = (flag: string[]) => {
    const r = kdbench(['report', out, '--quiet', ...flag]);
    assert.equal(r.status, 0, r.stderr);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    return /- At batch 32: (\S+) /.exec(md)?.[1] ?? /- At batch 32: no option/.exec(md)?.[0];
  };
  assert.equal(best(['--max-accuracy-drop', '0']), 'nb-teacher-int8');
  assert.equal(best(['--max-accuracy-drop', '1.5pt']), 'nb-student-int8');
  assert.equal(best(['--max-accuracy-drop', '0.01']), 'nb-teacher-int8', 'a fraction: 1 point');
  assert.equal(best([]), 'nb-student-int8', "the run's recorded budget (2 points)");
  const bad = kdbench(['report', out, '--max-accuracy-drop', 'lots']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--max-accuracy-drop: expected points of accuracy such as "1pt"/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack');
});

test('bad compression input: exit code 2, the field named, nothing run', () => {
  const text = readFileSync(SUITE, 'utf8').replaceAll('cwd: ..', `cwd: ${FIX}`);
  const cases: [string, (t: string) => string, RegExp][] = [
    [
      'unknown method',
      (t) => t.replace('method: quantization, from: nb-teacher,', 'method: sparsify, from: nb-teacher,'),
      /field "students\[1\]\.compression\.method" must be one of: "distillation", "quantization", "pruning", "chain"/,
    ],
    [
      'sparsity 1.5',
      (t) => t.replace('sparsity: 0.5', 'sparsity: 1.5'),
      /field "students\[2\]\.compression\.pruning\.sparsity" must be < 1/,
    ],
    ['sparsity 0', (t) => t.replace('sparsity: 0.5', 'sparsity: 0'), /field "students\[2\]\.compression\.pruning\.sparsity" must be > 0/],
    [
      'chain input missing',
      (t) => t.replace('from: nb-student, quantization', 'from: nb-stduent, quantization'),
      /field "students\[3\]\.compression\.from": no model "nb-stduent" in this suite/,
    ],
    [
      'a tfjs model quantized',
      () => TFJS_SUITE,
      /field "students\[0\]\.compression\.method": kdbench does not quantize TensorFlow\.js models \("embedding-bag"\)/,
    ],
    [
      'an fp32 hf-onnx model quantized',
      () =>
        `${TFJS_SUITE.replace(/students:[\s\S]*?distillation:/, `students:\n  - name: bert-int8\n    kind: hf-onnx\n    path: ${join(FIX, 'hf-tiny', 'model')}\n    labels: [ham, spam]\n    compression: { method: quantization, from: teacher, quantization: { mode: dynamic-int8 } }\ndistillation:`)}`,
      /field "students\[0\]\.dtype": quantization "dynamic-int8" of an hf-onnx model is the ONNX file Optimum's quantizer wrote .* "fp32" is not quantized/,
    ],
  ];
  for (const [what, edit, expected] of cases) {
    const file = join(tmp, `${what.replace(/\W+/g, '-')}.yaml`);
    const edited = edit(text);
    assert.notEqual(edited, text, `${what}: the edit did not apply`);
    writeFileSync(file, edited);
    const out = join(tmp, `bad-${what.replace(/\W+/g, '-')}`);
    const r = kdbench(['run', file, '--out', out, '--quiet']);
    assert.equal(r.status, 2, `${what}: ${r.stderr}`);
    assert.match(r.stderr, expected, what);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack`);
    assert.ok(!existsSync(join(out, 'run.json')), `${what}: nothing ran`);
  }
});
