/**
 * examples/pytorch-distil, the example users copy, run in its quick mode through kdbench with real
 * PyTorch (Debian's python3-torch), so that it cannot rot. Skipped where no python3 has torch, unless
 * KDBENCH_REQUIRE_TORCH=1 (CI sets it: .ci/run installs python3-torch).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunJson } from '../../src/core/contract.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SUITE = 'examples/pytorch-distil/suite.yaml';
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-pytorch-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** The first python3 that imports torch: the one on PATH, else Debian's. */
function pythonWithTorch(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    // find_spec, not import: importing torch takes seconds.
    const r = spawnSync(py, ['-c', 'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is None)'], {
      encoding: 'utf8',
    });
    if (r.status === 0) return py;
  }
  return undefined;
}

test("the PyTorch example, --quick: teacher, distilled student and control measured step by step on kdbench's own split", (t) => {
  const py = pythonWithTorch();
  if (!py) {
    if (process.env.KDBENCH_REQUIRE_TORCH === '1') assert.fail('no python3 with torch (apt-get install python3-torch)');
    return t.skip('no python3 with torch here (apt-get install python3-torch; CI sets KDBENCH_REQUIRE_TORCH=1)');
  }
  // The suite says "python3": put the interpreter that has torch first on PATH.
  const bin = join(tmp, 'bin');
  mkdirSync(bin);
  symlinkSync(
    py === 'python3' ? (spawnSync('which', ['python3'], { encoding: 'utf8' }).stdout.trim() as string) : py,
    join(bin, 'python3'),
  );
  const env = {
    ...process.env,
    PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
    KDBENCH_NVML_LIB: join(tmp, 'none.so'),
    KDBENCH_NVIDIA_SMI: '',
    KDBENCH_POWERCAP_ROOT: join(tmp, 'none'),
  };
  const out = join(tmp, 'run');
  const r = spawnSync(process.execPath, [CLI, 'run', SUITE, '--quick', '--out', out, '--quiet'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
  assert.equal(run.status, 'completed');
  const names = run.phases.map((p) => p.name);
  for (const n of [
    'teacher-training',
    'teacher-training:epoch-1',
    'distillation:torch-student',
    'distillation:torch-student:epoch-1',
    'control-training:torch-student-control:epoch-1',
    'evaluation:torch-teacher',
    'inference-setup:torch-teacher:b32',
    'inference:torch-teacher:b32',
    'inference-exit:torch-teacher:b32',
  ])
    assert.ok(names.includes(n), `missing phase ${n} in ${names.join(', ')}`);
  assert.ok(!names.includes('teacher-logits'), "the student computes its teacher's logits in its own distillation phase");
  const m = new Map(run.models.map((x) => [x.name, x]));
  const teacher = m.get('torch-teacher')!;
  const student = m.get('torch-student')!;
  assert.equal(student.pairedWith, 'torch-teacher');
  assert.equal(m.get('torch-student-control')?.pairedWith, 'torch-student');
  assert.ok(teacher.params > student.params, `${teacher.params} > ${student.params}`);
  for (const x of m.values()) {
    assert.equal(x.kind, 'command');
    assert.match(String(x.runtime?.framework), /^torch \d/);
    assert.match(String(x.runtime?.device), /^(cpu|cuda)/);
    assert.ok(x.accuracy >= 0.5 && x.accuracy <= 1, `${x.name} ${x.accuracy}`);
    assert.equal(x.training.epochs, 1, '--quick: one epoch');
    assert.equal(x.architecture.kind, 'transformer-encoder');
    const inf = run.inference.find((i) => i.model === x.name && i.batchSize === 32);
    assert.ok(inf && inf.inferences >= 5 * 32 && inf.energyJ > 0, `${x.name} inference`);
  }
  const acc = run.comparisons?.find((c) => c.metric === 'accuracy');
  assert.equal(acc?.a, 'torch-student');
  assert.equal(acc?.n, 80);
  // The same examples and split as `kdbench data export` gives; the test split is suites/default.yaml --quick's
  // (whose training side keeps only its labelled examples: dataset.labelled).
  const exportOf = (suite: string) => {
    const file = join(tmp, `${suite.replace(/\W/g, '_')}.jsonl`);
    const e = spawnSync(process.execPath, [CLI, 'data', 'export', suite, '--quick', '--out', file, '--quiet'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(e.status, 0, e.stderr);
    return readFileSync(file, 'utf8');
  };
  const given = readFileSync(join(out, 'data', 'spam-assassin.jsonl'), 'utf8');
  assert.equal(given, exportOf(SUITE));
  const testLines = (t: string) => t.split('\n').filter((l) => l.endsWith('"split":"test"}'));
  assert.deepEqual(testLines(given), testLines(exportOf('default')));
  assert.equal(testLines(given).length, 80);
});
