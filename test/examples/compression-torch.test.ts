/**
 * suites/compression.yaml --quick with real PyTorch (Debian's python3-torch): int8 dynamic quantization,
 * magnitude pruning (unstructured and by neurons) with fine-tuning, and distillation + int8 made by the
 * example's compress step, measured and reported. Skipped where no python3 has torch, unless
 * KDBENCH_REQUIRE_TORCH=1 (CI sets it).
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
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-compression-torch-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function pythonWithTorch(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is None)'], {
      encoding: 'utf8',
    });
    if (r.status === 0) return py.includes('/') ? py : spawnSync('which', [py], { encoding: 'utf8' }).stdout.trim();
  }
  return undefined;
}

test('the compression suite, --quick, in PyTorch: int8, pruning with fine-tuning, neurons removed, distillation + int8', (t) => {
  const py = pythonWithTorch();
  if (!py) {
    if (process.env.KDBENCH_REQUIRE_TORCH === '1') assert.fail('no python3 with torch (apt-get install python3-torch)');
    return t.skip('no python3 with torch here (apt-get install python3-torch; CI sets KDBENCH_REQUIRE_TORCH=1)');
  }
  const bin = join(tmp, 'bin');
  mkdirSync(bin);
  symlinkSync(py, join(bin, 'python3'));
  const out = join(tmp, 'run');
  const r = spawnSync(process.execPath, [CLI, 'run', 'compression', '--quick', '--out', out, '--quiet'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 900_000,
    env: {
      ...process.env,
      PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
      KDBENCH_NVML_LIB: join(tmp, 'none.so'),
      KDBENCH_NVIDIA_SMI: '',
      KDBENCH_POWERCAP_ROOT: join(tmp, 'none'),
    },
  });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
  assert.equal(run.status, 'completed');
  const by = new Map(run.models.map((m) => [m.name, m]));
  const teacher = by.get('torch-teacher')!;
  const int8 = by.get('torch-teacher-int8')!;
  assert.equal(int8.compression!.runtime, 'pytorch');
  assert.match(String(int8.runtime?.framework), /^torch /);
  const info = int8.compression!.info as { engine?: string };
  assert.ok(['fbgemm', 'x86', 'onednn', 'qnnpack'].includes(String(info.engine)), `engine ${info.engine}`);
  assert.equal(int8.compression!.honestCompute.changesArithmetic, true);
  assert.equal(int8.params, teacher.params, 'a quantized model has the parameters of its base');
  assert.ok(int8.sizeBytes! < teacher.sizeBytes!, `int8 ${int8.sizeBytes} B is not smaller than fp32 ${teacher.sizeBytes} B`);
  const pruned = by.get('torch-teacher-pruned50')!;
  const steps = (pruned.compression!.info as { steps: { sparsityOfPrunedMatrices: number }[] }).steps;
  assert.ok(Math.abs(steps[0].sparsityOfPrunedMatrices - 0.5) < 0.01, `sparsity ${steps[0].sparsityOfPrunedMatrices}`);
  assert.equal(pruned.compression!.honestCompute.changesArithmetic, false);
  assert.ok(run.phases.some((p) => p.name === 'compression:torch-teacher-pruned50:fine-tuning'));
  const neurons = by.get('torch-teacher-neurons50')!;
  assert.ok(neurons.params < teacher.params, 'structured pruning removes parameters');
  assert.equal((neurons.architecture as { ff?: number }).ff, 64, '128 feed-forward neurons, half removed');
  const chain = by.get('torch-student-int8')!.compression!;
  assert.equal(chain.method, 'distillation + quantization');
  assert.ok(run.inference.some((i) => i.model === 'torch-student-int8' && i.inferences > 0));
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /## Compression methods side by side/);
  assert.match(md, /### Best compression option within 1 point of accuracy/);
});
