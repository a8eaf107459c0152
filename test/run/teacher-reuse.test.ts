/**
 * End to end on --quick: repeated inference rounds interleaved and folded into medians with
 * intervals, trained models saved in the run directory, and --teacher reusing a saved teacher.
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
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-reuse-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function kdbench(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
    env: {
      ...process.env,
      KDBENCH_NVML_LIB: join(tmp, 'none.so'),
      KDBENCH_NVIDIA_SMI: '',
      KDBENCH_POWERCAP_ROOT: join(tmp, 'no-powercap'),
    },
  });
}
const readRun = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;

const first = join(tmp, 'first');

test('--quick --repeats 2: interleaved rounds, medians with intervals, comparisons, models saved', () => {
  const r = kdbench(['run', '--quick', '--quiet', '--out', first, '--repeats', '2']);
  assert.equal(r.status, 0, r.stderr);
  const run = readRun(first);
  const inf = run.phases.map((p) => p.name).filter((n) => n.startsWith('inference:'));
  // Every model x 2 batch sizes x 2 rounds; round 1 complete before round 2 starts.
  const k = run.models.length * 2;
  assert.equal(inf.length, 2 * k);
  assert.ok(inf.slice(0, k).every((n) => n.endsWith(':r1')) && inf.slice(k).every((n) => n.endsWith(':r2')), inf.join(', '));
  assert.notEqual(inf[0].replace(/:r1$/, ''), inf[k].replace(/:r2$/, ''), 'round 2 starts with another slot');
  assert.equal(run.inference.length, k);
  for (const rec of run.inference) {
    assert.equal(rec.repeats, 2);
    assert.equal(rec.perRepeat?.energyJPer1000.length, 2);
    assert.ok(rec.energyJPer1000CI95 && rec.energyJPer1000CI95[0] <= rec.energyJPer1000 && rec.energyJPer1000 <= rec.energyJPer1000CI95[1]);
  }
  const ratios = (run.comparisons ?? []).filter((c) => c.metric === 'energyJPer1000');
  assert.equal(ratios.length, 2 * (run.models.length - 1), 'every student and control vs teacher at 2 batch sizes');
  assert.ok(ratios.every((c) => c.b === 'teacher' && c.n === 2 && c.ci95));
  const acc = (run.comparisons ?? []).find((c) => c.metric === 'accuracy' && c.a === 'student-bag');
  assert.equal(acc?.b, 'student-bag-control');
  for (const m of run.models) {
    assert.equal(m.savedTo, join('models', m.name));
    for (const f of ['model.json', 'weights.bin', 'vocab.json']) assert.ok(existsSync(join(first, 'models', m.name, f)), `${m.name}/${f}`);
    assert.ok((m.sizeBytes ?? 0) >= m.params * 4);
  }
});

test('--teacher reuses the saved teacher: no teacher training, same teacher accuracy, the run says so', () => {
  const second = join(tmp, 'second');
  const r = kdbench(['run', '--quick', '--out', second, '--teacher', first]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /teacher: loaded from .*first\/models\/teacher\/model\.json \(not trained in this run/);
  const a = readRun(first);
  const b = readRun(second);
  const names = b.phases.map((p) => p.name);
  assert.ok(!names.includes('teacher-training'), names.join(', '));
  assert.ok(names.includes('loading:teacher') && names.includes('distillation:student-bag'));
  const ta = a.models.find((m) => m.role === 'teacher')!;
  const tb = b.models.find((m) => m.role === 'teacher')!;
  assert.equal(tb.reusedFrom, join(first, 'models', 'teacher', 'model.json'));
  assert.equal(tb.accuracy, ta.accuracy);
  assert.equal(tb.params, ta.params);
  assert.equal(tb.training.steps, ta.training.steps);
  assert.equal(b.environment.teacherReusedFrom, tb.reusedFrom);
  assert.match(b.reproduce ?? '', /--teacher /);
  // The student learns from the same teacher logits: same student as in the first run.
  assert.equal(b.models.find((m) => m.role === 'student')!.accuracy, a.models.find((m) => m.role === 'student')!.accuracy);
});

test('a suite can name saved models as teacher and student: loaded, not trained, no control for the saved student', () => {
  const def = readRun(first).environment.suiteConfig as Record<string, unknown>;
  const suite = join(tmp, 'saved.json');
  const bag = (def.students as { name: string }[]).find((m) => m.name === 'student-bag')!;
  const students = [bag, { name: 'old-bag', kind: 'saved', path: 'first/models/student-bag' }];
  writeFileSync(
    suite,
    JSON.stringify({
      ...def,
      name: 'saved-models',
      teacher: { name: 'teacher', kind: 'saved', path: join(first, 'models', 'teacher') },
      students,
    }),
  );
  const out = join(tmp, 'third');
  const r = kdbench(['run', suite, '--quick', '--quiet', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const a = readRun(first);
  const c = readRun(out);
  const names = c.phases.map((p) => p.name);
  assert.ok(
    names.includes('loading:teacher') && names.includes('loading:old-bag') && !names.includes('teacher-training'),
    names.join(', '),
  );
  assert.deepEqual(c.models.map((m) => `${m.name}:${m.role}`).sort(), [
    'old-bag:student',
    'student-bag-control:control',
    'student-bag:student',
    'teacher:teacher',
  ]);
  const old = c.models.find((m) => m.name === 'old-bag')!;
  assert.equal(old.reusedFrom, join(first, 'models', 'student-bag', 'model.json'));
  assert.equal(old.accuracy, a.models.find((m) => m.name === 'student-bag')!.accuracy);
});

test('bad reuse is a clear error (exit 2, no stack): missing path, a teacher for other input', () => {
  const missing = kdbench(['run', '--quick', '--out', join(tmp, 'x1'), '--teacher', join(tmp, 'nope')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--teacher .*nope.*not found/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);
  const suite = join(tmp, 'longer.json');
  const def = readRun(first).environment.suiteConfig as Record<string, unknown>;
  writeFileSync(
    suite,
    JSON.stringify({
      ...def,
      quick: undefined,
      baseline: { seconds: 0.5 },
      dataset: { ...(def.dataset as object), seqLen: 48, maxExamples: 100 },
    }),
  );
  const other = kdbench(['run', suite, '--out', join(tmp, 'x2'), '--teacher', first]);
  assert.equal(other.status, 2, other.stderr);
  assert.match(other.stderr, /does not match this suite's input: it takes 32 tokens per example, this suite's tokenizer gives 48/);
  assert.doesNotMatch(other.stderr, /\n\s+at /);
});
