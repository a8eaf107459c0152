/**
 * Shared GPUs: the allotment chosen through the stub NVML and the fake nvidia-smi (select.ts), and the
 * sharing check (sources/gpu-sharing/) in the real sampler, with real processes: this test's own child
 * (kdbench's tree), an orphan that is not in it, and a PID that exists in no namespace here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Meter } from '../../src/measurement/meter.js';
import { selectSources } from '../../src/measurement/select.js';
import { SharingLedger, sharingProblems, type ProcessFacts } from '../../src/measurement/sources/gpu-sharing/ledger.js';
import type { GpuSharingSpec, SourceSpec, Trace } from '../../src/measurement/types.js';
import type { RunJson } from '../../src/core/contract.js';
import { REPO, buildStubNvml, writeFakeSmi } from '../support/meters-fakes.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-sharing-'));
const started: ChildProcess[] = [];
const orphans: number[] = [];
process.on('exit', () => {
  for (const c of started) c.kill();
  for (const pid of orphans) {
    try {
      process.kill(pid);
    } catch {
      /* already gone */
    }
  }
  rmSync(tmp, { recursive: true, force: true });
});
const stub = buildStubNvml(tmp);
const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Above the largest pid_max Linux allows (2^22): no process here has it, as with a PID of another namespace. */
const NO_SUCH_PID = 4_194_400;

/** A child of this process: in kdbench's tree when this process is kdbench. */
function child(): number {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  started.push(c);
  return c.pid!;
}

/** A process outside this process's tree: a grandchild whose parent has exited (re-parented to init or a subreaper). */
function orphan(): number {
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `const c = require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { detached: true, stdio: 'ignore' }); c.unref(); console.log(c.pid);`,
    ],
    { encoding: 'utf8' },
  );
  const pid = Number(r.stdout.trim());
  assert.ok(pid > 0, r.stderr);
  orphans.push(pid);
  return pid;
}

/** An environment with only the fakes given (no allotment variables unless given). */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { KDBENCH_POWERCAP_ROOT: join(tmp, 'no-powercap'), KDBENCH_NVML_LIB: join(tmp, 'no-nvml.so'), PATH: '', ...extra };
}

async function meterFor(sources: SourceSpec[], ms: number): Promise<Trace> {
  const m = await Meter.start({ intervalMs: 100, csvPath: join(tmp, `samples-${Math.random()}.csv`), sources });
  m.mark('one');
  await sleep(ms / 2);
  m.mark('two');
  await sleep(ms / 2);
  return m.stop();
}

function withEnv<T>(vars: Record<string, string>, f: () => Promise<T>): Promise<T> {
  for (const [k, v] of Object.entries(vars)) process.env[k] = v;
  return f().finally(() => {
    for (const k of Object.keys(vars)) delete process.env[k];
  });
}

const facts = (own: Record<number, boolean | undefined>, holders = 0): ProcessFacts => ({
  own: (pid) => own[pid],
  command: (pid) => (own[pid] === false ? `cmd${pid}` : undefined),
  ownGpuHolders: () => holders,
});

test('ledger: own processes are not recorded, other visible ones at once, with the largest memory and every context kind', () => {
  const l = new SharingLedger();
  const f = facts({ 10: true, 20: false });
  l.observe(
    0.5,
    [
      { gpu: 0, pid: 10, context: 'compute' },
      { gpu: 0, pid: 20, usedMemoryBytes: 100, context: 'compute' },
    ],
    f,
  );
  l.observe(1.5, [{ gpu: 0, pid: 20, usedMemoryBytes: 300, context: 'graphics' }], f);
  l.observe(2.5, [{ gpu: 0, pid: 20, usedMemoryBytes: 200, context: 'compute' }], f);
  assert.equal(l.checks, 3);
  assert.deepEqual(l.records(), [
    {
      gpu: 0,
      pid: 20,
      firstSeenS: 0.5,
      lastSeenS: 2.5,
      usedMemoryBytes: 300,
      contexts: ['compute', 'graphics'],
      command: 'cmd20',
      visible: true,
    },
  ]);
});

test('ledger: PIDs of another namespace count as kdbench own up to its GPU holders; beyond, recorded once the excess lasts a second', () => {
  // In a container, kdbench's own process (1 holder) is listed under its host PID 9001.
  const inContainer = new SharingLedger();
  for (const t of [0, 1, 2, 3]) inContainer.observe(t, [{ gpu: 0, pid: 9001, context: 'compute' }], facts({}, 1));
  assert.deepEqual(inContainer.records(), []);
  // Two unknown PIDs and one holder: at least one is not kdbench's.
  const shared = new SharingLedger();
  const two = [
    { gpu: 0, pid: 9001, context: 'compute' as const },
    { gpu: 0, pid: 9002, usedMemoryBytes: 64, context: 'compute' as const },
  ];
  shared.observe(0, two, facts({}, 1));
  shared.observe(0.5, two, facts({}, 1));
  assert.deepEqual(shared.records(), [], 'not yet: an exiting process lingers briefly');
  shared.observe(1.0, two, facts({}, 1));
  assert.deepEqual(
    shared.records().map((r) => [r.pid, r.firstSeenS, r.lastSeenS, r.visible]),
    [
      [9001, 0, 1, false],
      [9002, 0, 1, false],
    ],
  );
  // A brief excess that ends before a second is forgotten.
  const brief = new SharingLedger();
  brief.observe(0, two, facts({}, 1));
  brief.observe(0.6, [two[0]], facts({}, 1));
  brief.observe(1.2, [two[0]], facts({}, 1));
  assert.deepEqual(brief.records(), []);
  const lines = sharingProblems({ checked: true, method: 'm', gpus: [0], checks: 3, intervalS: 1, foreignProcesses: shared.records() });
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^GPU 0 was SHARED: 2 other process\(es\) .*another PID namespace.*pid 9002 \(outside kdbench's PID namespace\)/);
  assert.deepEqual(
    sharingProblems({ checked: false, method: 'none', error: 'x', gpus: [1], checks: 0, intervalS: 1, foreignProcesses: [] }),
    ["GPU sharing NOT CHECKED (x): the whole-GPU energy of GPU(s) 1 may include other processes' work"],
  );
});

test(
  'allotment through the stub NVML: CUDA_VISIBLE_DEVICES by UUID and by MIG instance; a GPU it names that NVML lacks is a recorded problem',
  { skip: stub ? false : 'no C compiler' },
  () =>
    withEnv({ KDBENCH_STUB_NVML_GPUS: '3', KDBENCH_STUB_NVML_MIG: '2:2' }, async () => {
      const base = env({ KDBENCH_NVML_LIB: stub! });
      const gpuKinds = (s: SourceSpec[]) => s.filter((x) => x.kind === 'nvml' || x.kind === 'nvidia-smi');
      const byUuid = selectSources({ intervalMs: 100, env: { ...base, CUDA_VISIBLE_DEVICES: 'GPU-00000000-0000-0000-0000-000000000001' } });
      assert.deepEqual(gpuKinds(byUuid.sources), [{ kind: 'nvml', library: stub, gpus: [1] }]);
      assert.ok(
        byUuid.notes.some((n) => /GPU 0 \(Stub GPU 0\): not measured \(not allotted to this task \(CUDA_VISIBLE_DEVICES\)\)/.test(n)),
      );
      const sharing = byUuid.sources.find((s) => s.kind === 'gpu-sharing') as GpuSharingSpec;
      assert.deepEqual(sharing.gpus, [{ index: 1, uuid: 'GPU-00000000-0000-0000-0000-000000000001' }]);
      assert.deepEqual(sharing.allotment, { variable: 'CUDA_VISIBLE_DEVICES', value: 'GPU-00000000-0000-0000-0000-000000000001' });
      const mig = selectSources({ intervalMs: 100, env: { ...base, CUDA_VISIBLE_DEVICES: 'MIG-00000000-0000-0000-0002-000000000001' } });
      assert.deepEqual(gpuKinds(mig.sources), [{ kind: 'nvml', library: stub, gpus: [2] }]);
      const missing = selectSources({ intervalMs: 100, env: { ...base, CUDA_VISIBLE_DEVICES: '0,GPU-ffff' } });
      assert.deepEqual(gpuKinds(missing.sources), [{ kind: 'nvml', library: stub, gpus: [0] }]);
      const spec = missing.sources.find((s) => s.kind === 'gpu-sharing') as GpuSharingSpec;
      assert.match(spec.problems![0], /"GPU-ffff" is a UUID no GPU listed here has: NOT MEASURED/);
      // The problem reaches the trace (meter.problems) through the sharing check.
      const trace = await meterFor([spec], 200);
      assert.ok(trace.problems.some((p) => /GPU-ffff/.test(p)));
      // --gpus all and explicit indices override the allotment.
      const all = selectSources({ intervalMs: 100, env: { ...base, SLURM_JOB_GPUS: '1' }, gpus: 'all' });
      assert.deepEqual(gpuKinds(all.sources), [{ kind: 'nvml', library: stub, gpus: [0, 1, 2] }]);
      assert.ok(all.notes.some((n) => /--gpus all: every GPU .* although the environment allots GPUs \(SLURM_JOB_GPUS=1\)/.test(n)));
      const slurm = selectSources({ intervalMs: 100, env: { ...base, SLURM_JOB_GPUS: '1' } });
      assert.deepEqual(gpuKinds(slurm.sources), [{ kind: 'nvml', library: stub, gpus: [1] }]);
    }),
);

test('allotment through the fake nvidia-smi (no NVML): UUID and MIG instance mapped onto nvidia-smi indices', () => {
  const smi = writeFakeSmi(join(tmp, 'smi-allot'), { FAKE_SMI_GPUS: '3', FAKE_SMI_MIG: '0:1' });
  const base = env({ KDBENCH_NVIDIA_SMI: smi });
  const a = selectSources({ intervalMs: 100, env: { ...base, CUDA_VISIBLE_DEVICES: 'GPU-00000000-0000-0000-0000-000000000002' } });
  const sampled = a.sources.find((s) => s.kind === 'nvidia-smi');
  assert.ok(sampled?.kind === 'nvidia-smi');
  assert.deepEqual(sampled.gpus, [2]);
  assert.ok(a.notes.some((n) => /GPU 0 \(Fake GPU 0\): not measured \(not allotted/.test(n)));
  const mig = selectSources({ intervalMs: 100, env: { ...base, CUDA_VISIBLE_DEVICES: 'MIG-00000000-0000-0000-0000-000000000000' } });
  const m = mig.sources.find((s) => s.kind === 'nvidia-smi');
  assert.ok(m?.kind === 'nvidia-smi');
  assert.deepEqual(m.gpus, [0]);
});

test(
  'sharing check through the stub NVML in the sampler: an orphan on a measured GPU flagged, this process child not, a PID of no namespace here after a second, an unmeasured GPU ignored',
  { skip: stub ? false : 'no C compiler' },
  async () => {
    const own = child();
    const other = orphan();
    const elsewhere = orphan();
    const pids = `0:${own}:1073741824,1:${other}:2147483648,0:${NO_SUCH_PID},2:${elsewhere}`;
    await withEnv(
      { KDBENCH_STUB_NVML_GPUS: '3', KDBENCH_STUB_NVML_COMPUTE_PIDS: pids, KDBENCH_STUB_NVML_GRAPHICS_PIDS: `1:${other}` },
      async () => {
        const { sources } = selectSources({ intervalMs: 100, env: env({ KDBENCH_NVML_LIB: stub!, CUDA_VISIBLE_DEVICES: '0,1' }) });
        const trace = await meterFor(sources, 2400);
        const r = trace.gpuSharing!;
        assert.equal(r.checked, true);
        assert.equal(r.method, 'NVML nvmlDeviceGetComputeRunningProcesses_v3 and nvmlDeviceGetGraphicsRunningProcesses_v3');
        assert.deepEqual(r.gpus, [0, 1]);
        assert.deepEqual(r.allotment, { variable: 'CUDA_VISIBLE_DEVICES', value: '0,1' });
        assert.ok(r.checks >= 4, `${r.checks} checks: start, two boundaries, stop and about one a second`);
        const seen = r.foreignProcesses.map((p) => [p.gpu, p.pid, p.visible, p.contexts.join('+'), p.usedMemoryBytes ?? null]);
        assert.deepEqual(
          seen.sort((a, b) => Number(a[0]) - Number(b[0])),
          [
            [0, NO_SUCH_PID, false, 'compute', null],
            [1, other, true, 'compute+graphics', 2147483648],
          ],
          JSON.stringify(r.foreignProcesses),
        );
        assert.ok(!r.foreignProcesses.some((p) => p.pid === own), 'this process child is kdbench own work');
        assert.ok(!r.foreignProcesses.some((p) => p.pid === elsewhere), 'GPU 2 is not measured');
        const flagged = r.foreignProcesses.find((p) => p.pid === other)!;
        assert.equal(flagged.command, 'node');
        assert.ok(flagged.lastSeenS - flagged.firstSeenS > 1.5, JSON.stringify(flagged));
        assert.ok(
          trace.problems.some((p) =>
            new RegExp(`^GPU 1 was SHARED: 1 other process\\(es\\).*pid ${other} node, compute\\+graphics`).test(p),
          ),
        );
        assert.ok(trace.problems.some((p) => /^GPU 0 was SHARED: .*outside kdbench's PID namespace/.test(p)));
      },
    );
  },
);

test('sharing check through the fake nvidia-smi (no NVML): only processes outside this process tree, on measured GPUs', async () => {
  const own = child();
  const other = orphan();
  const smi = writeFakeSmi(join(tmp, 'smi-share'), {
    FAKE_SMI_GPUS: '2',
    FAKE_SMI_COMPUTE_APPS: `0:${own}:100,0:${other}:200,1:${orphan()}:300`,
  });
  const { sources } = selectSources({
    intervalMs: 100,
    env: env({ KDBENCH_NVIDIA_SMI: smi, CUDA_VISIBLE_DEVICES: 'GPU-00000000-0000-0000-0000-000000000000' }),
  });
  const trace = await meterFor(sources, 2400);
  const r = trace.gpuSharing!;
  assert.equal(r.checked, true);
  assert.match(r.method, /^nvidia-smi --query-compute-apps=gpu_uuid,pid,used_memory/);
  assert.deepEqual(
    r.foreignProcesses.map((p) => [p.gpu, p.pid, p.usedMemoryBytes, p.visible]),
    [[0, other, 200 * 1024 * 1024, true]],
  );
  assert.ok(trace.problems.some((p) => /^GPU 0 was SHARED/.test(p)));
});

test(
  'sharing check that cannot list processes (NVML answers NO_PERMISSION, no nvidia-smi): said NOT CHECKED, not silently clean',
  {
    skip: stub ? false : 'no C compiler',
  },
  () =>
    withEnv({ KDBENCH_STUB_NVML_GPUS: '1', KDBENCH_STUB_NVML_PROCESSES_FAIL: '4' }, async () => {
      const { sources } = selectSources({ intervalMs: 100, env: env({ KDBENCH_NVML_LIB: stub! }) });
      const trace = await meterFor(sources, 300);
      assert.equal(trace.gpuSharing!.checked, false);
      assert.match(trace.gpuSharing!.error!, /returned 4 \(Insufficient Permissions\)/);
      assert.ok(trace.problems.some((p) => /^GPU sharing NOT CHECKED .* GPU\(s\) 0 may include other processes' work/.test(p)));
      // The energy is still measured.
      assert.deepEqual(
        trace.domains.filter((d) => d.device.startsWith('gpu')).map((d) => d.method),
        ['counter'],
      );
    }),
);

test(
  'kdbench measure end to end: the allotted GPU only, another process on it in run.json meter.gpuSharing and meter.problems; --gpus all measures every GPU',
  { skip: stub ? false : 'no C compiler' },
  () => {
    const other = orphan();
    const e: NodeJS.ProcessEnv = {
      ...process.env,
      ...env({ KDBENCH_NVML_LIB: stub!, KDBENCH_STUB_NVML_GPUS: '2', KDBENCH_STUB_NVML_COMPUTE_PIDS: `1:${other}:1048576` }),
      PATH: process.env.PATH ?? '',
    };
    for (const v of ['CUDA_VISIBLE_DEVICES', 'SLURM_STEP_GPUS', 'SLURM_JOB_GPUS', 'NVIDIA_VISIBLE_DEVICES']) delete e[v];
    const run = (out: string, extra: string[], vars: Record<string, string>): RunJson => {
      const r = spawnSync(
        process.execPath,
        [CLI, 'measure', '--quiet', ...extra, '--out', out, '--', process.execPath, '-e', 'setTimeout(() => {}, 1600)'],
        { encoding: 'utf8', env: { ...e, ...vars }, timeout: 30_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
    };
    const a = run(join(tmp, 'cli-allot'), [], { SLURM_JOB_GPUS: '1' });
    assert.deepEqual(
      a.meter.domains.filter((d) => d.device.startsWith('gpu')).map((d) => d.device),
      ['gpu:1'],
    );
    assert.ok(a.meter.notes.some((n) => /GPU allotment: SLURM_JOB_GPUS=1 names GPU 1/.test(n)));
    assert.deepEqual(
      a.meter.gpuSharing!.foreignProcesses.map((p) => [p.gpu, p.pid, p.usedMemoryBytes]),
      [[1, other, 1048576]],
    );
    assert.ok(a.meter.problems.some((p) => /^GPU 1 was SHARED/.test(p)));
    const b = run(join(tmp, 'cli-all'), ['--gpus', 'all'], { SLURM_JOB_GPUS: '0' });
    assert.deepEqual(
      b.meter.domains.filter((d) => d.device.startsWith('gpu')).map((d) => d.device),
      ['gpu:0', 'gpu:1'],
    );
    assert.ok(b.meter.notes.some((n) => /--gpus all/.test(n)));
    assert.equal(b.meter.gpuSharing!.foreignProcesses[0]?.pid, other);
  },
);

test('no GPU visible (no NVML, no nvidia-smi): an allotment in the environment is noted, not a problem, and nothing is checked', () => {
  const { sources, notes } = selectSources({ intervalMs: 100, env: env({ CUDA_VISIBLE_DEVICES: '0' }) });
  assert.deepEqual(
    sources.map((s) => s.kind),
    ['process-cpu-estimate', 'process-dram-estimate'],
  );
  assert.ok(notes.some((n) => /allots GPUs \(CUDA_VISIBLE_DEVICES=0\), but neither NVML nor nvidia-smi lists any/.test(n)));
});
