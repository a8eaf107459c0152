/**
 * The webgpu backend as a user meets it on a machine without a GPU: in the automatic order it is
 * skipped with its reason in run.json; forced with --backend webgpu it is a clear error (exit 2, the
 * reason and the fix, no stack, no run directory); kdbench doctor has a WebGPU line. Then a whole run on
 * Dawn's null adapter (no GPU work, meaningless numbers): every step runs on the webgpu backend, the
 * adapter is recorded, and the process ends on its own; with a stub NVML at a constant 100 W, the GPU
 * benchmark's summary of that run (bench/gpu.ts) finds all GPU energy explained by the idle baseline.
 * KDBENCH_VULKAN_LIB points at a missing Vulkan loader, so that the tests say the same on a GPU machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunJson } from '../../src/core/contract.js';
import { REPO, buildStubNvml } from '../support/meters-fakes.js';
import { gpuMarkdown, summariseRun } from '../../bench/gpu.js';

const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-webgpu-cli-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const MISSING = join(tmp, 'no-libvulkan.so.1');

/** A suite small enough to run in seconds on 2 cores. */
const SUITE = join(tmp, 'tiny.yaml');
writeFileSync(
  SUITE,
  `name: tiny-webgpu
seed: 5
dataset: { name: spam-assassin, testFraction: 0.25, maxExamples: 120, vocabSize: 300, seqLen: 16 }
teacher: { name: teacher, kind: transformer, dModel: 8, heads: 2, layers: 1, ffDim: 16, train: { epochs: 1, batchSize: 32, learningRate: 0.01 } }
students:
  - { name: student, kind: embedding-bag, dModel: 4, hidden: 0, train: { epochs: 1, batchSize: 32, learningRate: 0.01 } }
distillation: { temperature: 2, softWeight: 0.5, hardWeight: 0.5 }
inference: { batchSizes: [1, 8], timeMs: 40 }
baseline: { seconds: 0.5 }
`,
);

function kdbench(args: string[], env: Record<string, string> = {}) {
  const e: NodeJS.ProcessEnv = { ...process.env };
  delete e.KDBENCH_WEBGPU_DAWN;
  Object.assign(e, { KDBENCH_VULKAN_LIB: MISSING, KDBENCH_NVML_LIB: join(tmp, 'no-libnvidia-ml.so.1'), KDBENCH_NVIDIA_SMI: '' }, env);
  return spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, encoding: 'utf8', env: e, timeout: 240_000 });
}
const readRun = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;

test('--backend webgpu without an adapter: exit 2 with the reason and the fix, no stack, no run directory', () => {
  const out = join(tmp, 'forced');
  const r = kdbench(['run', SUITE, '--backend', 'webgpu', '--out', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--backend webgpu: no WebGPU adapter here: the Vulkan loader .*no-libvulkan\.so\.1 cannot be loaded/);
  assert.match(r.stderr, /fix: .*apt-get install libvulkan1.*nvidia_icd\.json.*"graphics" driver capability/s);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(existsSync(out), false, 'no run directory');
  assert.equal(r.stdout, '');
});

test('automatic order without an adapter: webgpu skipped with its reason in run.json, the run goes on', () => {
  const out = join(tmp, 'auto');
  const r = kdbench(['run', SUITE, '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const env = readRun(out).environment;
  assert.notEqual(env.tfjsBackend, 'webgpu');
  const skipped = env.tfjsBackendsSkipped ?? [];
  const i = skipped.findIndex((s) => s.startsWith('webgpu: '));
  assert.ok(i >= 0, skipped.join('\n'));
  assert.match(skipped[i], /^webgpu: no adapter: the Vulkan loader .*no-libvulkan\.so\.1 cannot be loaded/);
  // Tried in its place: after tensorflow-gpu, before tensorflow.
  assert.ok(
    skipped.slice(0, i).every((s) => s.startsWith('tensorflow-gpu')),
    skipped.join('\n'),
  );
  assert.equal(env.webgpuAdapter, undefined);
});

test('doctor: the WebGPU line says why there is no adapter and how to fix it (text and --json)', () => {
  const text = kdbench(['doctor']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /\[no\] +WebGPU adapter \(tfjs backend webgpu/);
  assert.match(text.stdout, /Vulkan loader .*no-libvulkan\.so\.1 cannot be loaded/);
  assert.match(text.stdout, /fix: +WebGPU reaches the GPU through Vulkan/);
  const json = kdbench(['doctor', '--json']);
  const report = JSON.parse(json.stdout) as { webgpu: { ok: boolean; reason: string; fix: string }; checks: { meter: string }[] };
  assert.equal(report.webgpu.ok, false);
  assert.match(report.webgpu.reason, /Vulkan loader .*no-libvulkan\.so\.1 cannot be loaded/);
  assert.match(report.webgpu.fix, /libvulkan1/);
  assert.ok(
    report.checks.length > 0 && report.checks.every((c) => !c.meter.startsWith('WebGPU')),
    'the meter checks stay as they are; the WebGPU probe sits beside them',
  );
});

const dawnInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('webgpu');
    return true;
  } catch {
    return false;
  }
})();

test(
  "a whole run on Dawn's null adapter: every step on webgpu, the adapter recorded, the process ends on its own",
  { skip: dawnInstalled ? false : 'the optional package webgpu is not installed' },
  () => {
    const out = join(tmp, 'null-adapter');
    const stub = buildStubNvml(tmp);
    const nvml: Record<string, string> = stub
      ? { KDBENCH_NVML_LIB: stub, KDBENCH_STUB_NVML_GPUS: '1', KDBENCH_STUB_NVML_CURVE: 'const:100' }
      : {};
    const r = kdbench(['run', SUITE, '--backend', 'webgpu', '--out', out], { KDBENCH_WEBGPU_DAWN: 'backend=null', ...nvml });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.error, undefined, 'ended before the time limit');
    assert.match(r.stderr, /WebGPU adapter: .*null.*the run's numbers mean nothing/);
    const run = readRun(out);
    assert.equal(run.status, 'completed');
    assert.equal(run.environment.tfjsBackend, 'webgpu');
    assert.deepEqual(run.environment.webgpuDawnOptions, ['backend=null']);
    const adapter = run.environment.webgpuAdapter as Record<string, string>;
    assert.deepEqual(Object.keys(adapter).sort(), ['architecture', 'description', 'device', 'vendor']);
    assert.equal((run.environment.packages as Record<string, string | null>).webgpu, '0.6.2');
    assert.deepEqual(run.models.map((m) => m.role).sort(), ['control', 'student', 'teacher']);
    assert.equal(run.inference.length, 3 * 2, 'every model at batch 1 and 8');
    for (const i of run.inference) assert.ok(i.inferences > 0 && i.latencyMsMean > 0, JSON.stringify(i));
    if (!stub) return; // no C compiler for the stub NVML: no GPU energy to summarise

    const s = summariseRun(run, [], 1, 0);
    assert.equal(s.backend, 'webgpu');
    assert.ok(s.baselineGpuW !== null && Math.abs(s.baselineGpuW - 100) < 1, `idle GPU power ${s.baselineGpuW}`);
    assert.deepEqual(
      s.parts.map((p) => p.name),
      ['data preparation', 'teacher training', 'distillation (all students)', 'controls (all)', 'evaluation', 'inference benchmarks'],
    );
    for (const p of [...s.parts, s.totals!]) {
      assert.deepEqual(p.gpuMethods, ['counter'], p.name);
      assert.ok(Math.abs(p.gpuJ - 100 * p.durationS) <= 0.02 * p.gpuJ + 0.5, `${p.name}: ${p.gpuJ} J in ${p.durationS} s at 100 W`);
      assert.ok(p.gpuIdleJ !== null && Math.abs(p.gpuJ - p.gpuIdleJ) <= 0.02 * p.gpuJ + 0.5, `${p.name}: all of it idle (${p.gpuIdleJ} J)`);
      assert.ok(Math.abs(p.totalJ - (p.gpuJ + p.cpuJ + p.dramJ)) < 1e-6 * p.totalJ + 1e-9, p.name);
    }
    assert.deepEqual(
      s.ratios.map((x) => x.student),
      ['student'],
    );
    assert.ok(s.ratios[0].params > 1 && Object.keys(s.ratios[0].energyPer1000).sort().join() === 'b1,b8', JSON.stringify(s.ratios));
    const md = gpuMarkdown({ ran: true, startedAt: run.startedAt, doctor: '(doctor)', adapter: {}, runs: [s] });
    assert.match(md, /\| whole run \| [\d.]+ \| [\d.]+ k?J \| [\d.]+ k?J \(counter\) \| \d+\.\d % \|/);
  },
);
