/** NVML (src/measurement/sources/nvml/): the koffi binding, the probe and the counter source, against a stub libnvidia-ml compiled from C. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeNvml } from '../../../src/measurement/sources/nvml/probe.js';
import { NvmlSource } from '../../../src/measurement/sources/nvml/source.js';
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
