import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { discoverRapl } from '../../src/measurement/rapl.js';
import { RaplSource } from '../../src/measurement/sources/rapl.js';
import { NvmlSource } from '../../src/measurement/sources/nvml.js';
import { probeNvml, probeSmi } from '../../src/measurement/gpu-probe.js';
import { selectSources } from '../../src/measurement/select.js';
import { parseSmiNumber, parseSmiTimestamp } from '../../src/measurement/sources/nvidia-smi.js';
import { Integrator } from '../../src/measurement/integrator.js';
import { energyByWindow } from '../../src/measurement/windows.js';
import { treeCpuSeconds } from '../../src/measurement/proc-tree.js';
import { readStat } from '../../src/measurement/proc.js';
import type { DomainInfo, Trace } from '../../src/measurement/types.js';
import { buildStubNvml, makePowercap, setEnergy, writeFakeSmi, curveEnergy } from '../support/meters-fakes.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-meters-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const stub = buildStubNvml(tmp);

test('RAPL discovery: packages and DRAM counted, mirrored die once, core and psys not added', () => {
  const root = join(tmp, 'pc1');
  makePowercap(root, [
    { zone: 'intel-rapl:0', name: 'package-0', energyUj: 5_000_000 },
    { zone: 'intel-rapl:0:0', name: 'core', energyUj: 3_000_000 },
    { zone: 'intel-rapl:0:1', name: 'dram', energyUj: 700_000 },
    { zone: 'intel-rapl:1', name: 'package-0', energyUj: 5_000_000 }, // mirror of intel-rapl:0
    { zone: 'intel-rapl:2', name: 'package-1', energyUj: 9_123_456 },
    { zone: 'intel-rapl:3', name: 'psys', energyUj: 20_000_000 },
  ]);
  const d = discoverRapl(root);
  assert.deepEqual(
    d.chosen.map((c) => `${c.zone}=${c.device}`),
    ['intel-rapl:0=cpu:package-0', 'intel-rapl:2=cpu:package-1', 'intel-rapl:0:1=dram:0'],
  );
  assert.ok(
    d.notes.some((n) => n.includes('intel-rapl:1') && n.includes('mirrors intel-rapl:0')),
    d.notes.join('\n'),
  );
  assert.ok(d.notes.some((n) => n.includes('psys') && n.includes('not added')));
  assert.ok(d.notes.some((n) => n.includes('intel-rapl:0:0') && n.includes('not added')));
  assert.equal(d.accessFix, undefined);
});

test('RAPL discovery: psys alone stands for the CPU; missing root says so', () => {
  const root = join(tmp, 'pc2');
  makePowercap(root, [{ zone: 'intel-rapl:0', name: 'psys', energyUj: 1 }]);
  assert.deepEqual(
    discoverRapl(root).chosen.map((c) => c.device),
    ['cpu:psys'],
  );
  const none = discoverRapl(join(tmp, 'nope'));
  assert.equal(none.chosen.length, 0);
  assert.match(none.notes[0], /no powercap folder/);
});

test('RAPL discovery: unreadable counters come with the exact fix (udev rule, chmod o+r, CVE-2020-8694)', () => {
  const root = join(tmp, 'pc3');
  makePowercap(root, [{ zone: 'intel-rapl:0', name: 'package-0', energyUj: 1 }]);
  const denied = (p: string): string => {
    if (p.endsWith('energy_uj')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    return `${p.endsWith('name') ? 'package-0' : '262143328850'}\n`;
  };
  const d = discoverRapl(root, denied);
  assert.equal(d.chosen.length, 0);
  assert.ok(d.accessFix);
  assert.match(d.accessFix!, /chmod o\+r .*intel-rapl:\*\/energy_uj/);
  assert.match(d.accessFix!, /udev/);
  assert.match(d.accessFix!, /CVE-2020-8694/);
  assert.ok(d.notes.some((n) => n.includes('EACCES')));
});

test('RAPL source: a wrapping counter is unwrapped through max_energy_range_uj', async () => {
  const root = join(tmp, 'pc4');
  makePowercap(root, [{ zone: 'intel-rapl:0', name: 'package-0', energyUj: 900_000, maxRangeUj: 1_000_000 }]);
  const src = new RaplSource({ root, zones: [{ zone: 'intel-rapl:0', device: 'cpu:package-0', maxRangeUj: 1_000_000 }] });
  const [domain] = await src.start();
  assert.equal(domain.method, 'counter');
  const read = (): number => src.poll()[0].energyJ!;
  const e0 = read();
  setEnergy(root, 'intel-rapl:0', 950_000);
  assert.ok(Math.abs(read() - e0 - 0.05) < 1e-9);
  setEnergy(root, 'intel-rapl:0', 100_000); // wrapped: +50 000 to the top, +100 000 after
  assert.ok(Math.abs(read() - e0 - 0.2) < 1e-9);
  setEnergy(root, 'intel-rapl:0', 999_999);
  assert.ok(Math.abs(read() - e0 - 1.099999) < 1e-9);
});

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
        ['nvml', 'nvidia-smi', 'rapl'],
      );
      assert.deepEqual(sources[0].kind === 'nvml' && sources[0].gpus, [0, 2]);
      assert.deepEqual(sources[1].kind === 'nvidia-smi' && sources[1].gpus, [1]);
      assert.deepEqual(sources[2].kind === 'rapl' && sources[2].zones.map((z) => z.device), ['cpu:package-0', 'dram:0']);
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
  'selection restricted with gpus: only those GPUs, the others named as not measured; CUDA_VISIBLE_DEVICES noted',
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
      const c = selectSources({ intervalMs: 100, env: { ...env, CUDA_VISIBLE_DEVICES: '2' } });
      assert.ok(c.notes.some((n) => /CUDA_VISIBLE_DEVICES=2 is set, but every GPU/.test(n)));
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

test('nvidia-smi CSV values and local-time timestamps', () => {
  assert.equal(parseSmiNumber('154.88'), 154.88);
  assert.equal(parseSmiNumber('154.88 W'), 154.88);
  assert.equal(parseSmiNumber('[N/A]'), undefined);
  assert.equal(parseSmiNumber('[Not Supported]'), undefined);
  assert.equal(parseSmiTimestamp('2026/09/12 06:17:26.305'), new Date(2026, 8, 12, 6, 17, 26, 305).getTime());
  assert.equal(parseSmiTimestamp('garbage'), undefined);
});

const sampledDomain: DomainInfo = {
  device: 'gpu:0',
  method: 'sampled',
  source: 'test',
  scope: 'test',
  uncertainty: { relative: 0, absoluteW: 5, basis: 'test' },
};

test('integrator and windows: a gap is recorded and its time at peak power joins the uncertainty', () => {
  const integ = new Integrator();
  const samples = [
    integ.add({ device: 'gpu:0', t: 0, powerW: 100 }, 0, 'a'),
    integ.add({ device: 'gpu:0', t: 1, powerW: 100 }, 1, 'a'),
    integ.add({ device: 'gpu:0', t: 3, powerW: 200, afterGap: true }, 3, 'a'),
    integ.add({ device: 'gpu:0', t: 4, powerW: 200 }, 4, 'a'),
  ].filter((s) => s !== undefined);
  assert.deepEqual(integ.gaps, [{ device: 'gpu:0', t0: 1, t1: 3 }]);
  const trace: Trace = {
    startWallMs: 0,
    domains: [sampledDomain],
    samples,
    problems: [],
    gaps: integ.gaps,
    samplerCpuS: 0,
    intervalMs: 1000,
  };
  const [w] = energyByWindow(trace, [{ name: 'all', t0: 0, t1: 4 }]);
  assert.equal(w.energyJ, 100 + 300 + 200);
  const d = w.domains[0];
  assert.equal(d.gapS, 2);
  // 5 W x 4 s + spacing bound |200-100|/2 x 2 s + gap 2 s x 200 W peak
  assert.equal(d.uncertaintyJ, 20 + 100 + 400);
});

test('process tree: CPU time of a running grandchild is counted', async () => {
  // The child starts a grandchild that burns CPU for 2 s, then sleeps itself.
  const code = `const {spawn}=require('child_process');spawn(process.execPath,['-e','const t=Date.now();while(Date.now()-t<2000){}'],{stdio:'inherit'});setTimeout(()=>{},3000);`;
  const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  try {
    let tree = 0;
    let own = 0;
    // Poll until the grandchild has burnt 0.2 s (this machine may be shared: allow up to 2.8 s).
    for (let i = 0; i < 28 && tree - own <= 0.2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const s = readStat(`/proc/${child.pid}/stat`)!;
      own = s.selfS + s.childrenS;
      tree = treeCpuSeconds(child.pid!)!;
    }
    assert.ok(tree - own > 0.2, `tree ${tree} s, child alone ${own} s`);
    assert.ok(own < 0.5, 'the child itself stays mostly idle');
  } finally {
    child.kill();
  }
});
