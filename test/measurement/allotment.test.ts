/** The GPU allotment (src/measurement/allotment.ts): parsing the variables and mapping them onto the GPUs the probes list. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  normalBusId,
  parseDeviceList,
  parseSlurmIndices,
  resolveAllotment,
  sameGpu,
  type GpuIdentity,
} from '../../src/measurement/allotment.js';

const uuid = (i: number) => `GPU-8f3c2a${i}0-1b2c-4d5e-8f90-a1b2c3d4e5f${i}`;
/** A node of `n` identical GPUs as NVML lists them, in PCI bus order. */
function node(n: number, extra: (i: number) => Partial<GpuIdentity> = () => ({})): GpuIdentity[] {
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    uuid: uuid(i),
    name: 'NVIDIA H200',
    pciBusId: `00000000:${(0x18 + i * 0x10).toString(16).toUpperCase()}:00.0`,
    ...extra(i),
  }));
}

test('CUDA_VISIBLE_DEVICES parsing: indices, GPU UUIDs (prefixes too), both MIG forms; parsing stops at the first non-id', () => {
  assert.deepEqual(parseDeviceList('0, 2'), {
    entries: [
      { kind: 'index', index: 0, text: '0' },
      { kind: 'index', index: 2, text: '2' },
    ],
    rejected: [],
  });
  assert.deepEqual(parseDeviceList('GPU-8F3C2A10,MIG-5c0d1e2f-aaaa-bbbb-cccc-0123456789ab,MIG-GPU-8f3c2a10-1b2c/1/0').entries, [
    { kind: 'uuid', uuid: 'gpu-8f3c2a10', text: 'GPU-8F3C2A10' },
    { kind: 'mig', uuid: 'mig-5c0d1e2f-aaaa-bbbb-cccc-0123456789ab', text: 'MIG-5c0d1e2f-aaaa-bbbb-cccc-0123456789ab' },
    { kind: 'mig', uuid: 'mig-gpu-8f3c2a10-1b2c/1/0', parentUuid: 'gpu-8f3c2a10-1b2c', text: 'MIG-GPU-8f3c2a10-1b2c/1/0' },
  ]);
  assert.deepEqual(parseDeviceList('1,NoDevFiles,2'), { entries: [{ kind: 'index', index: 1, text: '1' }], rejected: ['NoDevFiles', '2'] });
  assert.deepEqual(parseDeviceList('-1,0'), { entries: [], rejected: ['-1', '0'] });
  assert.deepEqual(parseDeviceList(''), { entries: [], rejected: [] });
});

test('Slurm GPU lists: indices and ranges; anything else is not a list', () => {
  assert.deepEqual(parseSlurmIndices('0,2'), [0, 2]);
  assert.deepEqual(parseSlurmIndices('0-2,6'), [0, 1, 2, 6]);
  assert.equal(parseSlurmIndices('gpu:2'), undefined);
  assert.equal(parseSlurmIndices('3-1'), undefined);
});

test('PCI bus ids of NVML, its legacy struct and nvidia-smi name one device; sameGpu prefers UUIDs', () => {
  assert.equal(normalBusId('00000000:3B:00.0'), normalBusId('0000:3b:00.0'));
  assert.equal(normalBusId('3b:00.0'), normalBusId('00000000:3B:00.0'));
  assert.notEqual(normalBusId('00000000:3B:00.0'), normalBusId('00000000:3C:00.0'));
  assert.equal(normalBusId('nonsense'), undefined);
  assert.ok(sameGpu({ index: 0, uuid: 'GPU-A' }, { index: 5, uuid: 'gpu-a' }));
  assert.ok(!sameGpu({ index: 0, uuid: 'GPU-A', pciBusId: '0:3b:00.0' }, { index: 0, uuid: 'GPU-B', pciBusId: '0:3b:00.0' }));
  assert.ok(sameGpu({ index: 1, uuid: '', pciBusId: '0000:3b:00.0' }, { index: 0, uuid: '', pciBusId: '00000000:3B:00.0' }));
});

test('no allotment in the environment: undefined (every GPU is measured), nothing noted', () => {
  assert.deepEqual(resolveAllotment({}, node(4)), { notes: [], problems: [] });
  assert.deepEqual(resolveAllotment({ NVIDIA_VISIBLE_DEVICES: 'all' }, node(4)), { notes: [], problems: [] });
});

test('CUDA_VISIBLE_DEVICES by index and by UUID (full or unique prefix) maps onto NVML indices, in its order', () => {
  const a = resolveAllotment({ CUDA_VISIBLE_DEVICES: '2,0' }, node(4));
  assert.deepEqual(a.gpus, [2, 0]);
  assert.deepEqual(a.from, { variable: 'CUDA_VISIBLE_DEVICES', value: '2,0' });
  assert.deepEqual(a.problems, []);
  const b = resolveAllotment({ CUDA_VISIBLE_DEVICES: `${uuid(3)},GPU-8f3c2a10` }, node(4));
  assert.deepEqual(b.gpus, [3, 1]);
  assert.match(b.notes[0], /GPU-8f3c2a10 -> GPU 1 \(NVIDIA H200\)/);
  // An empty value hides every GPU from CUDA: nothing to measure.
  const none = resolveAllotment({ CUDA_VISIBLE_DEVICES: '' }, node(2));
  assert.deepEqual(none.gpus, []);
  assert.match(none.notes[0], /allots no GPU .* no GPU is measured/);
});

test('CUDA_VISIBLE_DEVICES naming a GPU the probes do not list: a recorded problem, and (as CUDA) the entries after it are ignored', () => {
  const a = resolveAllotment({ CUDA_VISIBLE_DEVICES: '1,GPU-deadbeef,0' }, node(2));
  assert.deepEqual(a.gpus, [1]);
  assert.equal(a.problems.length, 1);
  assert.match(
    a.problems[0],
    /entry "GPU-deadbeef" is a UUID no GPU listed here has: NOT MEASURED; CUDA ignores it and every entry after it \(0\)/,
  );
  const range = resolveAllotment({ CUDA_VISIBLE_DEVICES: '0,7' }, node(2));
  assert.deepEqual(range.gpus, [0]);
  assert.match(range.problems[0], /index 7, but the probes list 2 GPU\(s\)/);
  const ambiguous = resolveAllotment({ CUDA_VISIBLE_DEVICES: 'GPU-8f3c2a' }, node(3));
  assert.deepEqual(ambiguous.gpus, []);
  assert.match(ambiguous.problems[0], /prefix shared by GPUs 0, 1, 2/);
  const junk = resolveAllotment({ CUDA_VISIBLE_DEVICES: '0,NoDevFiles,1' }, node(2));
  assert.deepEqual(junk.gpus, [0]);
  assert.match(junk.problems[0], /"NoDevFiles" is not a GPU index, GPU-UUID or MIG-UUID: CUDA ignores it and every entry after it/);
});

test('a MIG instance stands for its GPU: from the probe, from nvidia-smi -L only where the probe lacks it, or from the old id form', () => {
  const mig = 'MIG-5c0d1e2f-aaaa-bbbb-cccc-0123456789ab';
  const probed = node(2, (i) => (i === 1 ? { migDevices: [mig, 'MIG-other'] } : {}));
  let asked = 0;
  const lookup = () => {
    asked++;
    return new Map([['mig-77', uuid(0).toLowerCase()]]);
  };
  const a = resolveAllotment({ CUDA_VISIBLE_DEVICES: mig }, probed, { migParents: lookup });
  assert.deepEqual(a.gpus, [1]);
  assert.equal(asked, 0, 'nvidia-smi -L is not run where the probe knew the instance');
  assert.ok(a.notes.some((n) => /GPU 1: allotted as MIG instance .* covers the whole GPU, every MIG instance on it included/.test(n)));
  const b = resolveAllotment({ CUDA_VISIBLE_DEVICES: 'MIG-77' }, probed, { migParents: lookup });
  assert.deepEqual(b.gpus, [0]);
  assert.equal(asked, 1);
  const old = resolveAllotment({ CUDA_VISIBLE_DEVICES: `MIG-${uuid(1)}/3/0` }, node(2));
  assert.deepEqual(old.gpus, [1]);
  const unknown = resolveAllotment({ CUDA_VISIBLE_DEVICES: 'MIG-99' }, node(2), { migParents: () => new Map() });
  assert.deepEqual(unknown.gpus, []);
  assert.match(unknown.problems[0], /"MIG-99" is a MIG instance of no GPU listed here: NOT MEASURED/);
});

test('Slurm: node indices where NVML sees the node; the job own GPUs where cgroups let it see only them (renumbered)', () => {
  // No device constraint: NVML lists the node's 4 GPUs; Slurm's indices are theirs.
  assert.deepEqual(resolveAllotment({ SLURM_JOB_GPUS: '1,3' }, node(4)).gpus, [1, 3]);
  // The step's GPUs win over the job's.
  assert.deepEqual(resolveAllotment({ SLURM_JOB_GPUS: '0-3', SLURM_STEP_GPUS: '2' }, node(4)).gpus, [2]);
  // ConstrainDevices: the job sees 2 GPUs, numbered 0 and 1; Slurm names them 2,3 on the node.
  const c = resolveAllotment({ SLURM_JOB_GPUS: '2,3' }, node(2));
  assert.deepEqual(c.gpus, [0, 1]);
  assert.match(c.notes[0], /node indices; NVML here lists only 2 GPU\(s\), the job's own/);
  // Slurm renumbered CUDA_VISIBLE_DEVICES (0,1 for node GPUs 2,3): inside the cgroup NVML lists 2 GPUs, CUDA's indices are theirs ...
  const inside = resolveAllotment({ CUDA_VISIBLE_DEVICES: '0,1', SLURM_JOB_GPUS: '2,3' }, node(2));
  assert.deepEqual(inside.gpus, [0, 1]);
  assert.ok(inside.notes.some((n) => /Slurm renumbered it/.test(n)));
  // ... while an NVML that lists the whole node takes Slurm's node indices, not CUDA's renumbered ones.
  const whole = resolveAllotment({ CUDA_VISIBLE_DEVICES: '0,1', SLURM_JOB_GPUS: '2,3' }, node(4));
  assert.deepEqual(whole.gpus, [2, 3]);
  assert.deepEqual(whole.from, { variable: 'CUDA_VISIBLE_DEVICES', value: '0,1' });
  // CUDA_VISIBLE_DEVICES with UUIDs is stable whatever the numbering.
  assert.deepEqual(resolveAllotment({ CUDA_VISIBLE_DEVICES: uuid(2), SLURM_JOB_GPUS: '5' }, node(4)).gpus, [2]);
  const missing = resolveAllotment({ SLURM_JOB_GPUS: '1,6' }, node(4));
  assert.deepEqual(missing.gpus, [1]);
  assert.match(missing.problems[0], /names GPU index\(es\) 6, which the probes do not list/);
  const unreadable = resolveAllotment({ SLURM_JOB_GPUS: 'gpu:a100:2' }, node(4));
  assert.equal(unreadable.gpus, undefined);
  assert.match(unreadable.problems[0], /cannot read SLURM_JOB_GPUS/);
});

test('NVIDIA_VISIBLE_DEVICES (container runtimes, Kubernetes): UUIDs mapped; host indices in a container that sees only them', () => {
  assert.deepEqual(resolveAllotment({ NVIDIA_VISIBLE_DEVICES: `${uuid(1)},${uuid(3)}` }, node(4)).gpus, [1, 3]);
  const container = resolveAllotment({ NVIDIA_VISIBLE_DEVICES: '5' }, node(1));
  assert.deepEqual(container.gpus, [0]);
  assert.match(container.notes[0], /host indices; the container sees exactly these 1 GPU/);
  assert.deepEqual(
    resolveAllotment({ NVIDIA_VISIBLE_DEVICES: '2', CUDA_VISIBLE_DEVICES: '0' }, node(4)).gpus,
    [0],
    'CUDA_VISIBLE_DEVICES first',
  );
});

test('numeric CUDA_VISIBLE_DEVICES over GPUs of different models: CUDA may order them otherwise, said unless CUDA_DEVICE_ORDER=PCI_BUS_ID', () => {
  const mixed = node(2, (i) => ({ name: i === 0 ? 'NVIDIA T4' : 'NVIDIA H200' }));
  const a = resolveAllotment({ CUDA_VISIBLE_DEVICES: '0' }, mixed);
  assert.deepEqual(a.gpus, [0]);
  assert.match(a.problems[0], /different models and CUDA_DEVICE_ORDER is not PCI_BUS_ID/);
  assert.deepEqual(resolveAllotment({ CUDA_VISIBLE_DEVICES: '0', CUDA_DEVICE_ORDER: 'PCI_BUS_ID' }, mixed).problems, []);
  assert.deepEqual(resolveAllotment({ CUDA_VISIBLE_DEVICES: uuid(0) }, mixed).problems, [], 'UUIDs are unambiguous');
});
