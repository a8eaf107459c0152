/** Choosing the sources per device (src/measurement/select.ts), over the stub NVML, the fake nvidia-smi and fake powercap trees. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectSources } from '../../src/measurement/select.js';
import { buildStubNvml, makePowercap, writeFakeSmi } from '../support/meters-fakes.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-select-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const stub = buildStubNvml(tmp);

test(
  'selection: NVML counter where the GPU has one, nvidia-smi for the GPU without, RAPL for CPU/DRAM',
  { skip: stub ? false : 'no C compiler' },
  () => {
    const root = join(tmp, 'pc5');
    makePowercap(root, [
      { zone: 'intel-rapl:0', name: 'package-0', energyUj: 10 },
      { zone: 'intel-rapl:0:0', name: 'dram', energyUj: 20 },
    ]);
    const smi = writeFakeSmi(join(tmp, 'smi-sel'), { FAKE_SMI_GPUS: '3' });
    process.env.KDBENCH_STUB_NVML_GPUS = '3';
    process.env.KDBENCH_STUB_NVML_NO_COUNTER = '1';
    try {
      const env = { KDBENCH_NVML_LIB: stub!, KDBENCH_NVIDIA_SMI: smi, KDBENCH_POWERCAP_ROOT: root, PATH: '' };
      const { sources, notes } = selectSources({ intervalMs: 100, env });
      assert.deepEqual(
        sources.map((s) => s.kind),
        ['nvml', 'nvidia-smi', 'gpu-sharing', 'rapl'],
      );
      assert.deepEqual(sources[0].kind === 'nvml' && sources[0].gpus, [0, 2]);
      assert.deepEqual(sources[1].kind === 'nvidia-smi' && sources[1].gpus, [1]);
      assert.deepEqual(sources[3].kind === 'rapl' && sources[3].zones.map((z) => z.device), ['cpu:package-0', 'dram:0']);
      // The sharing check covers every measured GPU, whichever meter reads it.
      assert.deepEqual(sources[2].kind === 'gpu-sharing' && sources[2].gpus.map((g) => g.index), [0, 2, 1]);
      assert.ok(
        notes.some((n) => /GPU 1 .*Not Supported.*nvidia-smi power.draw.instant sampled/.test(n)),
        notes.join('\n'),
      );
    } finally {
      delete process.env.KDBENCH_STUB_NVML_GPUS;
      delete process.env.KDBENCH_STUB_NVML_NO_COUNTER;
    }
  },
);

test(
  'selection restricted with gpus: only those GPUs, the others named as not measured; --gpus overrides CUDA_VISIBLE_DEVICES',
  { skip: stub ? false : 'no C compiler' },
  () => {
    const smi = writeFakeSmi(join(tmp, 'smi-only'), { FAKE_SMI_GPUS: '3' });
    process.env.KDBENCH_STUB_NVML_GPUS = '3';
    process.env.KDBENCH_STUB_NVML_NO_COUNTER = '1';
    try {
      const env = { KDBENCH_NVML_LIB: stub!, KDBENCH_NVIDIA_SMI: smi, KDBENCH_POWERCAP_ROOT: join(tmp, 'none'), PATH: '' };
      const a = selectSources({ intervalMs: 100, env, gpus: [0] });
      assert.deepEqual(
        a.sources.filter((s) => s.kind === 'nvml' || s.kind === 'nvidia-smi').map((s) => [s.kind, s.kind === 'nvml' ? s.gpus : s.gpus]),
        [['nvml', [0]]],
      );
      assert.ok(a.notes.some((n) => /GPU 1 .*not in --gpus/.test(n)) && a.notes.some((n) => /GPU 2 .*not in --gpus/.test(n)));
      const b = selectSources({ intervalMs: 100, env, gpus: [1] });
      assert.deepEqual(
        b.sources.filter((s) => s.kind === 'nvml' || s.kind === 'nvidia-smi').map((s) => [s.kind, s.kind === 'nvml' ? s.gpus : s.gpus]),
        [['nvidia-smi', [1]]],
      );
      const c = selectSources({ intervalMs: 100, env: { ...env, CUDA_VISIBLE_DEVICES: '2' }, gpus: [0] });
      assert.deepEqual(
        c.sources.find((s) => s.kind === 'nvml'),
        {
          kind: 'nvml',
          library: stub,
          gpus: [0],
        },
      );
      assert.ok(
        c.notes.some((n) => /--gpus 0 given; the allotment in the environment \(CUDA_VISIBLE_DEVICES=2\) is not used/.test(n)),
        c.notes.join('\n'),
      );
    } finally {
      delete process.env.KDBENCH_STUB_NVML_GPUS;
      delete process.env.KDBENCH_STUB_NVML_NO_COUNTER;
    }
  },
);

test('selection with nothing readable: labelled estimates, and the notes say no GPU is measured', () => {
  const env = { KDBENCH_NVML_LIB: join(tmp, 'missing.so'), KDBENCH_POWERCAP_ROOT: join(tmp, 'none'), PATH: '' };
  const { sources, notes } = selectSources({ intervalMs: 100, pid: process.pid, env });
  assert.deepEqual(
    sources.map((s) => s.kind),
    ['process-cpu-estimate', 'process-dram-estimate'],
  );
  assert.ok(
    notes.some((n) => /nvidia-smi unavailable.*no GPU measured/.test(n)),
    notes.join('\n'),
  );
  assert.ok(notes.some((n) => /CPU: .*ESTIMATED/.test(n)));
});
