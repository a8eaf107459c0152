/**
 * `kdbench run` with models of other frameworks, end to end through the CLI: a mixed suite (a tfjs
 * teacher, a command student with its control, an hf-onnx student) with interleaved rounds, an hf-onnx
 * teacher teaching a tfjs and a command student, and bad input: exit code 2 for the user's mistakes, a
 * failed step exits 1, and a run that started is kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunJson } from '../../src/core/contract.js';
import { parseCsv } from '../../src/report/samples.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIX = join(ROOT, 'test', 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-own-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const info = JSON.parse(readFileSync(join(FIX, 'hf-tiny', 'build-info.json'), 'utf8')) as { testAccuracy: number };

function kdbench(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, KDBENCH_NVML_LIB: join(tmp, 'none.so'), KDBENCH_NVIDIA_SMI: '', KDBENCH_POWERCAP_ROOT: join(tmp, 'none') },
  });
}
const readRun = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;

/** A copy of a fixture suite in the temp folder with its relative paths made absolute and `edit` applied. */
function suiteFile(name: string, fixture: string, edit: (text: string) => string): string {
  const text = readFileSync(join(FIX, 'own-models', fixture), 'utf8')
    .replace('cwd: ..', `cwd: ${FIX}`)
    .replace('path: ../hf-tiny/model', `path: ${join(FIX, 'hf-tiny', 'model')}`);
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(file, edit(text));
  return file;
}

test('a mixed suite: tfjs teacher, command student with control, hf-onnx student, 2 interleaved rounds', () => {
  const out = join(tmp, 'mixed');
  const r = kdbench(['run', 'test/fixtures/own-models/mixed.yaml', '--repeats', '2', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), out);
  const run = readRun(out);
  assert.equal(run.status, 'completed');
  const names = run.phases.map((p) => p.name);
  for (const n of [
    'teacher-training',
    'teacher-logits',
    'distillation:nb',
    'distillation:nb:counting',
    'loading:tiny-bert',
    'control-training:nb-control',
    'evaluation',
    'evaluation:nb',
    'evaluation:tiny-bert',
    'evaluation:nb-control',
    'inference-setup:nb:b1:r1',
    'inference:nb:b1:r1',
    'inference-exit:nb:b1:r1',
    'inference:tiny-bert:b32:r2',
  ])
    assert.ok(names.includes(n), `missing phase ${n} in ${names.join(', ')}`);
  // Round 1 of every model and batch size before round 2, commands included.
  const timed = names.filter((n) => n.startsWith('inference:'));
  assert.equal(timed.length, 4 * 2 * 2);
  assert.ok(timed.slice(0, 8).every((n) => n.endsWith(':r1')) && timed.slice(8).every((n) => n.endsWith(':r2')), timed.join(', '));

  const byName = new Map(run.models.map((m) => [m.name, m]));
  assert.deepEqual([...byName.keys()].sort(), ['nb', 'nb-control', 'teacher', 'tiny-bert']);
  const nb = byName.get('nb')!;
  assert.equal(nb.kind, 'command');
  assert.equal(nb.pairedWith, 'teacher');
  assert.equal(byName.get('nb-control')!.pairedWith, 'nb');
  const bert = byName.get('tiny-bert')!;
  assert.equal(bert.kind, 'hf-onnx');
  assert.equal(bert.accuracy, info.testAccuracy, 'the same accuracy as PyTorch measured on the same split');
  assert.equal(bert.runtime?.executionProvider, 'CPUExecutionProvider');
  assert.match(String(bert.runtime?.framework), /^transformers\.js 4\.\S+ \+ onnxruntime-node 1\.\S+$/);
  assert.equal(run.environment.packages?.['@huggingface/transformers'] !== null, true);

  // Every model has inference figures with energy from its own timed phases; medians over the 2 rounds.
  for (const m of byName.keys())
    for (const b of [1, 32]) {
      const rec = run.inference.find((x) => x.model === m && x.batchSize === b);
      assert.ok(rec && rec.repeats === 2 && rec.energyJ > 0 && rec.energyJPer1000 > 0 && rec.inferences > 0, `${m} b${b}`);
    }
  // The command student's predictions give the paired comparison with its control.
  const acc = run.comparisons?.find((c) => c.metric === 'accuracy');
  assert.equal(acc?.a, 'nb');
  assert.equal(acc?.b, 'nb-control');
  assert.equal(acc?.n, 80);
  assert.ok(run.comparisons?.some((c) => c.metric === 'energyJPer1000' && c.a === 'tiny-bert' && c.b === 'teacher' && c.ci95));

  // The data the commands saw: kdbench's split; the teacher's logits in the same order.
  const lines = readFileSync(join(out, 'data', 'spam-assassin.jsonl'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(lines.length, 400);
  const logits = readFileSync(join(out, 'data', 'teacher-logits.jsonl'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(logits.length, 320);
  assert.equal(JSON.parse(logits[0]).id, JSON.parse(lines[0]).id);

  // The report shows them like built-in models; a loaded student has no break-even.
  const summary = parseCsv(readFileSync(join(out, 'summary.csv'), 'utf8'));
  assert.deepEqual(
    summary
      .slice(1)
      .map((row) => row[0])
      .sort(),
    ['nb', 'nb-control', 'teacher', 'tiny-bert'],
  );
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  // tiny-bert was not distilled in this run: the decision box weighs it, the break-even section does not.
  assert.match(md, /- \*\*tiny-bert\*\*: /);
  assert.doesNotMatch(md, /tiny-bert pays back its distillation/);
  assert.match(md, /\| model tiny-bert \(hf-onnx\) \| transformers\.js .*; device cpu; execution provider CPUExecutionProvider \|/);
  assert.match(md, /\| nb \| 32 \| .* \| teacher-logits, distillation:nb, distillation:nb:counting \|/);
  assert.doesNotMatch(md, /\| tiny-bert \| 32 \| .* \| loading:tiny-bert/);
});

test('an hf-onnx teacher teaches a tfjs student (logits in memory) and a command student (logits as a file)', () => {
  const out = join(tmp, 'hf-teacher');
  const r = kdbench(['run', 'test/fixtures/own-models/hf-teacher.yaml', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const run = readRun(out);
  const phases = run.phases.map((p) => [p.name, p.model]);
  assert.deepEqual(phases.slice(0, 3), [
    ['data-preparation', undefined],
    ['loading:tiny-bert', 'tiny-bert'],
    ['teacher-logits', 'tiny-bert'],
  ]);
  const models = new Map(run.models.map((m) => [m.name, m]));
  assert.equal(models.get('tiny-bert')?.role, 'teacher');
  assert.equal(models.get('bag')?.pairedWith, 'tiny-bert');
  assert.equal(models.get('nb')?.pairedWith, 'tiny-bert');
  assert.ok(models.get('nb')!.accuracy > 0.7 && models.get('bag')!.accuracy > 0.6);
  assert.ok(existsSync(join(out, 'data', 'teacher-logits.jsonl')));
});

test('bad input: exit code 2 and a clear message; a run that started is kept and marked failed; a failed step exits 1', () => {
  // A result line with a wrong type, found in the run: exit 2, the run kept.
  const bad = suiteFile('bad-type', 'mixed.yaml', (t) =>
    t.replace('timeoutS: 60', 'timeoutS: 60\n    env: { FAKE_FAULT: bad-type@distil }'),
  );
  const badOut = join(tmp, 'bad-type-run');
  const b = kdbench(['run', bad, '--out', badOut]);
  assert.equal(b.status, 2, b.stderr);
  assert.match(
    b.stderr,
    /kdbench: students\[0\] "nb", step "distil": invalid result line \(suites\/command-result\.schema\.json\):\n\s+- field "epochs" must be integer/,
  );
  assert.match(b.stderr, /partial run written to/);
  const badRun = readRun(badOut);
  assert.equal(badRun.status, 'failed');
  assert.equal(badRun.error?.phase, 'distillation:nb:counting');
  assert.ok(badRun.phases.some((p) => p.name === 'teacher-training' && p.energyJ > 0));

  // A step that exits with an error: the run failed, exit 1, the message without a stack.
  const fail = suiteFile('exit', 'mixed.yaml', (t) => t.replace('timeoutS: 60', 'timeoutS: 60\n    env: { FAKE_FAULT: exit@distil }'));
  const failOut = join(tmp, 'exit-run');
  const f = kdbench(['run', fail, '--out', failOut]);
  assert.equal(f.status, 1, f.stderr);
  assert.match(f.stderr, /failed: students\[0\] "nb", step "distil": the command exited with code 3/);
  assert.equal(readRun(failOut).status, 'failed');
  assert.equal(readRun(failOut).error?.phase, 'distillation:nb');

  // Labels that do not match the dataset, found when the model is loaded: exit 2, the run kept.
  const labels = suiteFile('labels', 'hf-teacher.yaml', (t) => t.replace('labels: [ham, spam]', 'labels: [ham, junk]'));
  const labelsOut = join(tmp, 'labels-run');
  const l = kdbench(['run', labels, '--out', labelsOut]);
  assert.equal(l.status, 2, l.stderr);
  assert.match(
    l.stderr,
    /teacher "tiny-bert": field "labels" \(ham, junk\) does not match the dataset's classes \(ham, spam\): not in the dataset: junk/,
  );
  assert.equal(readRun(labelsOut).error?.phase, 'loading:tiny-bert');

  // Caught before anything runs: a command that does not exist, a model folder without tokenizer.json.
  const missing = suiteFile('missing', 'mixed.yaml', (t) =>
    t.replace('distil: { argv: [node,', 'distil: { argv: [no-such-program-kdbench,'),
  );
  const mOut = join(tmp, 'missing-run');
  const m = kdbench(['run', missing, '--out', mOut]);
  assert.equal(m.status, 2);
  assert.match(m.stderr, /students\[0\] "nb", step "distil": cannot run "no-such-program-kdbench": not found on PATH/);
  assert.ok(!existsSync(mOut), 'nothing measured, no run folder');
  const noTok = suiteFile('no-tokenizer', 'mixed.yaml', (t) =>
    t.replace(join(FIX, 'hf-tiny', 'model'), join(FIX, 'hf-tiny', 'wrong-input')),
  );
  const n = kdbench(['run', noTok, '--out', join(tmp, 'no-tok-run')]);
  assert.equal(n.status, 2);
  assert.match(
    n.stderr,
    /students\[1\] "tiny-bert": .*wrong-input\/config\.json is missing; a model folder in the Hugging Face layout has/,
  );
  for (const x of [b, f, l, m, n]) assert.doesNotMatch(x.stderr, /\n\s+at /, 'no stack trace');
});
