/** NVML (src/measurement/sources/nvml/): the koffi binding, the probe and the counter source, against a stub libnvidia-ml compiled from C. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeNvml } from '../../../src/measurement/sources/nvml/probe.js';
import { NvmlSource } from '../../../src/measurement/sources/nvml/source.js';
import { Nvml } from '../../../src/measurement/sources/nvml/binding.js';
import { gpuInventory } from '../../../src/run/environment.js';
import { buildStubNvml, curveEnergy } from '../../support/meters-fakes.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-nvml-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const stub = buildStubNvml(tmp);

test(
  'NVML probe: counters per GPU, NOT_SUPPORTED named, init failure and a missing library explained',
  { skip: stub ? false : 'no C compiler' },
  () => {
    process.env.KDBENCH_STUB_NVML_GPUS = '3';
    process.env.KDBENCH_STUB_NVML_NO_COUNTER = '1';
    try {
      const p = probeNvml(stub!);
      assert.equal(p.ok, true);
      assert.deepEqual(
        p.gpus.map((g) => g.counter),
        [true, false, true],
      );
      assert.equal(p.gpus[2].name, 'Stub GPU 2');
      assert.match(p.gpus[1].counterError!, /returned 3 \(Not Supported\)/);
      process.env.KDBENCH_STUB_NVML_INIT_FAIL = '1';
      const failed = probeNvml(stub!);
      assert.equal(failed.ok, false);
      assert.match(failed.error!, /nvmlInit_v2 returned 9 \(Driver Not Loaded\)/);
    } finally {
      delete process.env.KDBENCH_STUB_NVML_INIT_FAIL;
      delete process.env.KDBENCH_STUB_NVML_GPUS;
      delete process.env.KDBENCH_STUB_NVML_NO_COUNTER;
    }
    const missing = probeNvml(join(tmp, 'no-such-libnvidia-ml.so.1'));
    assert.equal(missing.ok, false);
    assert.match(missing.error!, /cannot load/);
  },
);

test(
  'NVML probe: a library without the energy function makes every GPU fall back, not NVML fail',
  { skip: stub ? false : 'no C compiler' },
  () => {
    const old = buildStubNvml(tmp, ['STUB_WITHOUT_ENERGY_FUNCTION'])!;
    const p = probeNvml(old);
    assert.equal(p.ok, true);
    assert.deepEqual(
      p.gpus.map((g) => g.counter),
      [false, false],
    );
    assert.match(p.gpus[0].counterError!, /Not Supported/);
  },
);

const H200_MEMORY = 143771 * 1024 * 1024;

test(
  'NVML probe: driver version, PCI bus id, enforced power limit and memory as the driver answers them; NOT_SUPPORTED leaves a field out',
  { skip: stub ? false : 'no C compiler' },
  () => {
    process.env.KDBENCH_STUB_NVML_GPUS = '2';
    process.env.KDBENCH_STUB_NVML_NO_POWER_LIMIT = '1';
    try {
      const p = probeNvml(stub!);
      assert.equal(p.ok, true);
      assert.deepEqual(p.gpus, [
        {
          index: 0,
          name: 'Stub GPU 0',
          uuid: 'GPU-00000000-0000-0000-0000-000000000000',
          pciBusId: '00000000:3B:00.0',
          driverVersion: '999.99.01',
          powerLimitW: 700,
          memoryBytes: H200_MEMORY,
          counter: true,
        },
        {
          index: 1,
          name: 'Stub GPU 1',
          uuid: 'GPU-00000000-0000-0000-0000-000000000001',
          pciBusId: '00000000:3C:00.0',
          driverVersion: '999.99.01',
          memoryBytes: H200_MEMORY,
          counter: true,
        },
      ]);
      // The run's inventory copies them (run.json environment.gpus), without the meter's own fields.
      assert.deepEqual(gpuInventory({ nvml: p, smi: { gpus: [] } })[0], {
        index: 0,
        name: 'Stub GPU 0',
        uuid: 'GPU-00000000-0000-0000-0000-000000000000',
        pciBusId: '00000000:3B:00.0',
        driverVersion: '999.99.01',
        powerLimitW: 700,
        memoryBytes: H200_MEMORY,
      });
      assert.ok(!('powerLimitW' in gpuInventory({ nvml: p, smi: { gpus: [] } })[1]));
    } finally {
      delete process.env.KDBENCH_STUB_NVML_GPUS;
      delete process.env.KDBENCH_STUB_NVML_NO_POWER_LIMIT;
    }
  },
);

test(
  'NVML probe: a library without the inventory functions leaves the fields absent; one from before NVML 9 gives the legacy bus id',
  { skip: stub ? false : 'no C compiler' },
  () => {
    const bare = probeNvml(buildStubNvml(tmp, ['STUB_WITHOUT_INVENTORY_FUNCTIONS'])!);
    assert.equal(bare.ok, true);
    assert.deepEqual(
      bare.gpus.map((g) => Object.keys(g)),
      [
        ['index', 'name', 'uuid', 'counter'],
        ['index', 'name', 'uuid', 'counter'],
      ],
    );
    const old = probeNvml(buildStubNvml(tmp, ['STUB_WITHOUT_PCI_INFO_V3'])!);
    assert.deepEqual(
      old.gpus.map((g) => [g.pciBusId, g.driverVersion, g.powerLimitW, g.memoryBytes]),
      [
        ['0000:3B:00.0', '999.99.01', 700, H200_MEMORY],
        ['0000:3C:00.0', '999.99.01', 700, H200_MEMORY],
      ],
    );
  },
);

test('NVML source: counter differences follow the stub GPU energy curve', { skip: stub ? false : 'no C compiler' }, async () => {
  process.env.KDBENCH_STUB_NVML_CURVE = 'square:50:250:0.2';
  try {
    const src = new NvmlSource({ library: stub!, gpus: [0, 1] });
    const domains = await src.start();
    assert.deepEqual(
      domains.map((d) => [d.device, d.method]),
      [
        ['gpu:0', 'counter'],
        ['gpu:1', 'counter'],
      ],
    );
    const w0 = Date.now() / 1000;
    const r0 = src.poll();
    await new Promise((r) => setTimeout(r, 330));
    const r1 = src.poll();
    const w1 = Date.now() / 1000;
    src.stop();
    for (const gpu of [0, 1]) {
      const measured = r1[gpu].energyJ! - r0[gpu].energyJ!;
      const exact = curveEnergy({ kind: 'square', low: 50, high: 250, periodS: 0.2 }, w0, w1, gpu);
      // Both reads sit within a millisecond of the wall times: at most 250 W x 2 ms apart.
      assert.ok(Math.abs(measured - exact) < 0.6, `GPU ${gpu}: measured ${measured} J, exact ${exact} J`);
      assert.ok(r1[gpu].powerW! >= 50 + 10 * gpu && r1[gpu].powerW! <= 250 + 10 * gpu);
    }
  } finally {
    delete process.env.KDBENCH_STUB_NVML_CURVE;
  }
});

test(
  'NVML running processes: the _v3 functions with their 24-byte struct, memory NOT_AVAILABLE left out, errors named',
  { skip: stub ? false : 'no C compiler' },
  () => {
    process.env.KDBENCH_STUB_NVML_GPUS = '2';
    process.env.KDBENCH_STUB_NVML_COMPUTE_PIDS = '0:4242:1073741824,1:77:5,0:4343';
    process.env.KDBENCH_STUB_NVML_GRAPHICS_PIDS = '1:900';
    const nvml = Nvml.open(stub!);
    try {
      assert.deepEqual(nvml.processFunctions, { suffix: '_v3', stride: 24 });
      assert.deepEqual(nvml.runningProcesses(0, 'compute'), [{ pid: 4242, usedMemoryBytes: 1073741824 }, { pid: 4343 }]);
      assert.deepEqual(nvml.runningProcesses(1, 'compute'), [{ pid: 77, usedMemoryBytes: 5 }]);
      assert.deepEqual(nvml.runningProcesses(1, 'graphics'), [{ pid: 900 }]);
      assert.deepEqual(nvml.runningProcesses(0, 'graphics'), []);
      process.env.KDBENCH_STUB_NVML_PROCESSES_FAIL = '4';
      assert.throws(
        () => nvml.runningProcesses(0, 'compute'),
        /nvmlDeviceGetComputeRunningProcesses_v3\(0\) returned 4 \(Insufficient Permissions\)/,
      );
    } finally {
      nvml.close();
      delete process.env.KDBENCH_STUB_NVML_PROCESSES_FAIL;
      delete process.env.KDBENCH_STUB_NVML_COMPUTE_PIDS;
      delete process.env.KDBENCH_STUB_NVML_GRAPHICS_PIDS;
      delete process.env.KDBENCH_STUB_NVML_GPUS;
    }
  },
);

test(
  'NVML running processes: a library without _v3 uses _v2; one without any says NOT_SUPPORTED',
  { skip: stub ? false : 'no C compiler' },
  () => {
    process.env.KDBENCH_STUB_NVML_COMPUTE_PIDS = '1:31337:2048,1:31338:4096';
    try {
      const v2 = Nvml.open(buildStubNvml(tmp, ['STUB_WITHOUT_PROCESSES_V3'])!);
      try {
        assert.deepEqual(v2.processFunctions, { suffix: '_v2', stride: 24 });
        assert.deepEqual(v2.runningProcesses(1, 'compute'), [
          { pid: 31337, usedMemoryBytes: 2048 },
          { pid: 31338, usedMemoryBytes: 4096 },
        ]);
      } finally {
        v2.close();
      }
      const none = Nvml.open(buildStubNvml(tmp, ['STUB_WITHOUT_PROCESS_FUNCTIONS'])!);
      try {
        assert.equal(none.processFunctions, undefined);
        assert.throws(() => none.runningProcesses(0, 'compute'), /returned 3 \(Not Supported\)/);
      } finally {
        none.close();
      }
    } finally {
      delete process.env.KDBENCH_STUB_NVML_COMPUTE_PIDS;
    }
  },
);

test('NVML probe: the UUIDs of a GPU MIG instances, only where MIG is enabled', { skip: stub ? false : 'no C compiler' }, () => {
  process.env.KDBENCH_STUB_NVML_GPUS = '2';
  process.env.KDBENCH_STUB_NVML_MIG = '1:2';
  try {
    const p = probeNvml(stub!);
    assert.equal(p.gpus[0].migDevices, undefined);
    assert.deepEqual(p.gpus[1].migDevices, ['MIG-00000000-0000-0000-0001-000000000000', 'MIG-00000000-0000-0000-0001-000000000001']);
  } finally {
    delete process.env.KDBENCH_STUB_NVML_GPUS;
    delete process.env.KDBENCH_STUB_NVML_MIG;
  }
});
