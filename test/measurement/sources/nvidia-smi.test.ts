/** nvidia-smi (src/measurement/sources/nvidia-smi/): CSV parsing, the probe and the streaming source, against a fake nvidia-smi printing the real CSV. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeSmi } from '../../../src/measurement/sources/nvidia-smi/probe.js';
import { parseSmiNumber, parseSmiTimestamp } from '../../../src/measurement/sources/nvidia-smi/csv.js';
import { NvidiaSmiSource } from '../../../src/measurement/sources/nvidia-smi/source.js';
import { Clock } from '../../../src/measurement/clock.js';
import { gpuInventory } from '../../../src/run/environment.js';
import { computeAppsArgs, parseComputeApps, smiMigParents } from '../../../src/measurement/sources/nvidia-smi/apps.js';
import { writeFakeSmi } from '../../support/meters-fakes.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-smi-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test('nvidia-smi probe: GPU without power.draw.instant falls back to power.draw; [N/A] GPUs are not sampled', () => {
  const smi = writeFakeSmi(join(tmp, 'smi-probe'), { FAKE_SMI_GPUS: '3', FAKE_SMI_INSTANT_NA_GPUS: '1', FAKE_SMI_NA_GPUS: '2' });
  const p = probeSmi(smi);
  assert.deepEqual(
    p.gpus.map((g) => g.powerField),
    ['power.draw.instant', 'power.draw', undefined],
  );
  const old = writeFakeSmi(join(tmp, 'smi-old'), { FAKE_SMI_GPUS: '1', FAKE_SMI_NO_INSTANT: '1' });
  assert.deepEqual(
    probeSmi(old).gpus.map((g) => g.powerField),
    ['power.draw'],
  );
});

const H200_MEMORY = 143771 * 1024 * 1024;

test('nvidia-smi probe: PCI bus id, driver version, enforced power limit and memory; [N/A] leaves a field out', () => {
  const smi = writeFakeSmi(join(tmp, 'smi-inventory'), { FAKE_SMI_GPUS: '2', FAKE_SMI_LIMIT_NA_GPUS: '1' });
  const p = probeSmi(smi);
  assert.deepEqual(p.gpus, [
    {
      index: 0,
      name: 'Fake GPU 0',
      uuid: 'GPU-00000000-0000-0000-0000-000000000000',
      pciBusId: '00000000:3B:00.0',
      driverVersion: '999.99',
      powerLimitW: 700,
      memoryBytes: H200_MEMORY,
      powerField: 'power.draw.instant',
    },
    {
      index: 1,
      name: 'Fake GPU 1',
      uuid: 'GPU-00000000-0000-0000-0000-000000000001',
      pciBusId: '00000000:3C:00.0',
      driverVersion: '999.99',
      memoryBytes: H200_MEMORY,
      powerField: 'power.draw.instant',
    },
  ]);
  // Where NVML is unavailable, the run's inventory takes nvidia-smi's GPUs, fields included.
  const inventory = gpuInventory({ nvml: { ok: false, gpus: [] }, smi: p });
  assert.deepEqual(inventory[0], {
    index: 0,
    name: 'Fake GPU 0',
    uuid: 'GPU-00000000-0000-0000-0000-000000000000',
    pciBusId: '00000000:3B:00.0',
    driverVersion: '999.99',
    powerLimitW: 700,
    memoryBytes: H200_MEMORY,
  });
});

test('nvidia-smi probe: fields a driver does not know are asked one by one; power.limit stands in for enforced.power.limit', () => {
  const smi = writeFakeSmi(join(tmp, 'smi-old-fields'), {
    FAKE_SMI_GPUS: '2',
    FAKE_SMI_UNKNOWN_FIELDS: 'enforced.power.limit,memory.total',
    FAKE_SMI_NO_INSTANT: '1',
  });
  const p = probeSmi(smi);
  assert.equal(p.ok, true);
  assert.deepEqual(
    p.gpus.map((g) => [g.pciBusId, g.driverVersion, g.powerLimitW, 'memoryBytes' in g, g.powerField]),
    [
      ['00000000:3B:00.0', '999.99', 700, false, 'power.draw'],
      ['00000000:3C:00.0', '999.99', 700, false, 'power.draw'],
    ],
  );
  const none = writeFakeSmi(join(tmp, 'smi-no-inventory'), {
    FAKE_SMI_GPUS: '1',
    FAKE_SMI_UNKNOWN_FIELDS: 'pci.bus_id,driver_version,enforced.power.limit,power.limit,memory.total',
  });
  assert.deepEqual(probeSmi(none).gpus, [
    { index: 0, name: 'Fake GPU 0', uuid: 'GPU-00000000-0000-0000-0000-000000000000', powerField: 'power.draw.instant' },
  ]);
});

test('nvidia-smi CSV values and local-time timestamps', () => {
  assert.equal(parseSmiNumber('154.88'), 154.88);
  assert.equal(parseSmiNumber('154.88 W'), 154.88);
  assert.equal(parseSmiNumber('[N/A]'), undefined);
  assert.equal(parseSmiNumber('[Not Supported]'), undefined);
  assert.equal(parseSmiTimestamp('2026/09/12 06:17:26.305'), new Date(2026, 8, 12, 6, 17, 26, 305).getTime());
  assert.equal(parseSmiTimestamp('garbage'), undefined);
});

test('nvidia-smi source: a GPU reporting [N/A] is named in the problems and gets no readings', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-na-'));
  try {
    const smi = writeFakeSmi(tmp, { FAKE_SMI_GPUS: '2', FAKE_SMI_NA_GPUS: '1', FAKE_SMI_CURVE: 'const:70' });
    const src = new NvidiaSmiSource({ binary: smi, intervalMs: 50 }, Clock.start());
    const domains = await src.start();
    assert.deepEqual(
      domains.map((d) => d.device),
      ['gpu:0', 'gpu:1'],
    );
    await new Promise((r) => setTimeout(r, 400));
    const readings = src.poll();
    src.stop();
    assert.ok(readings.filter((r) => r.device === 'gpu:0').length >= 4);
    assert.ok(readings.every((r) => r.device === 'gpu:0' && r.powerW === 70));
    assert.ok(
      src.problems().some((p) => /no power for GPU 1 \("\[N\/A\]/.test(p)),
      src.problems().join('\n'),
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('nvidia-smi source: a child that dies before its first reading fails the start with its message', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-dead-'));
  try {
    // Crashes after 1 ms, every time: no reading ever arrives.
    const smi = writeFakeSmi(tmp, { FAKE_SMI_GPUS: '1', FAKE_SMI_CRASH_AFTER_MS: '0', FAKE_SMI_NA_GPUS: '0' });
    const src = new NvidiaSmiSource({ binary: smi, intervalMs: 50 }, Clock.start());
    const t0 = Date.now();
    await assert.rejects(src.start(), /exited before its first reading \(code 1/);
    assert.ok(Date.now() - t0 < 5000, 'fails fast, not on the 10 s timeout');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('nvidia-smi compute apps and MIG listing: rows parsed as the real ones print them, messages skipped', () => {
  assert.deepEqual(
    parseComputeApps(
      'GPU-5d5ba0d6-8f3c-4d5e-8f90-a1b2c3d4e5f6, 4242, 1024\nGPU-5d5ba0d6-8f3c-4d5e-8f90-a1b2c3d4e5f6, 77, [N/A]\nNo running processes found\n',
    ),
    [
      { gpuUuid: 'GPU-5d5ba0d6-8f3c-4d5e-8f90-a1b2c3d4e5f6', pid: 4242, usedMemoryBytes: 1024 * 1024 * 1024 },
      { gpuUuid: 'GPU-5d5ba0d6-8f3c-4d5e-8f90-a1b2c3d4e5f6', pid: 77 },
    ],
  );
  const smi = writeFakeSmi(join(tmp, 'smi-apps'), { FAKE_SMI_GPUS: '2', FAKE_SMI_COMPUTE_APPS: '1:555:300,0:556', FAKE_SMI_MIG: '1:2' });
  const out = execFileSync(smi, computeAppsArgs(), { encoding: 'utf8' });
  assert.deepEqual(parseComputeApps(out), [
    { gpuUuid: 'GPU-00000000-0000-0000-0000-000000000001', pid: 555, usedMemoryBytes: 300 * 1024 * 1024 },
    { gpuUuid: 'GPU-00000000-0000-0000-0000-000000000000', pid: 556 },
  ]);
  assert.deepEqual(
    [...smiMigParents(smi)],
    [
      ['mig-00000000-0000-0000-0001-000000000000', 'gpu-00000000-0000-0000-0000-000000000001'],
      ['mig-00000000-0000-0000-0001-000000000001', 'gpu-00000000-0000-0000-0000-000000000001'],
    ],
  );
  assert.deepEqual([...smiMigParents(join(tmp, 'no-nvidia-smi'))], []);
});
