/** The hardware inventory: exact CPU identity, cores, the W per core of the CPU estimate, DMI and cloud instance type. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cloudOf, collectEnvironment, containerOf, cpuInfo, dmiIdentity, microarchitecture } from '../../src/run/environment.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-env-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** /proc/cpuinfo of a 2-socket machine, 2 cores per socket, 2 threads per core (8 logical CPUs). */
function cpuinfo(
  model = 'Intel(R) Xeon(R) Platinum 8480+',
  vendor = 'GenuineIntel',
  family = 6,
  modelNumber = 143,
  hypervisor = false,
): string {
  const blocks: string[] = [];
  let n = 0;
  for (const socket of [0, 1])
    for (const core of [0, 1])
      for (let thread = 0; thread < 2; thread++)
        blocks.push(
          [
            `processor\t: ${n++}`,
            `vendor_id\t: ${vendor}`,
            `cpu family\t: ${family}`,
            `model\t\t: ${modelNumber}`,
            `model name\t: ${model}`,
            'stepping\t: 8',
            `physical id\t: ${socket}`,
            `core id\t\t: ${core}`,
            `flags\t\t: fpu vme sse2 avx2${hypervisor ? ' hypervisor' : ''}`,
          ].join('\n'),
        );
  return blocks.join('\n\n') + '\n';
}

test('cpuinfo: model, CPUID family/model/stepping, logical and physical cores, sockets, hypervisor flag', () => {
  const c = cpuInfo(cpuinfo());
  assert.deepEqual(c, {
    modelName: 'Intel(R) Xeon(R) Platinum 8480+',
    vendor: 'Intel',
    family: 6,
    model: 143,
    stepping: 8,
    logical: 8,
    physical: 4,
    sockets: 2,
    hypervisor: false,
  });
  assert.equal(cpuInfo(cpuinfo('AMD EPYC', 'AuthenticAMD', 26, 2, true)).hypervisor, true);
  assert.deepEqual(cpuInfo(undefined), { hypervisor: false });
  assert.deepEqual(cpuInfo('processor : 0\nmodel name : ARMv8\n'), {
    modelName: 'ARMv8',
    vendor: undefined,
    family: undefined,
    model: undefined,
    stepping: undefined,
    logical: 1,
    physical: undefined,
    sockets: undefined,
    hypervisor: false,
  });
});

test('microarchitecture from CPUID: where a hypervisor shortens the name to "AMD EPYC", family 26 still says Zen 5', () => {
  assert.equal(microarchitecture('AMD', 26, 2), 'Zen 5');
  assert.equal(microarchitecture('AMD', 25, 1), 'Zen 3');
  assert.equal(microarchitecture('AMD', 25, 0x11), 'Zen 4');
  assert.equal(microarchitecture('AMD', 23, 0x31), 'Zen 2');
  assert.equal(microarchitecture('Intel', 6, 0x8f), 'Sapphire Rapids');
  assert.equal(microarchitecture('Intel', 6, 0x01), null, 'unknown models stay unknown');
  assert.equal(microarchitecture(undefined, undefined, undefined), null);
});

test('DMI and cloud: EC2 names its instance type; other clouds name themselves; no DMI is null', () => {
  const ec2 = join(tmp, 'dmi-ec2');
  mkdirSync(ec2);
  writeFileSync(join(ec2, 'sys_vendor'), 'Amazon EC2\n');
  writeFileSync(join(ec2, 'product_name'), 'm7i.2xlarge\n');
  writeFileSync(join(ec2, 'board_name'), 'To be filled by O.E.M.\n');
  assert.deepEqual(dmiIdentity(ec2), { productName: 'm7i.2xlarge', sysVendor: 'Amazon EC2' });
  assert.deepEqual(cloudOf(dmiIdentity(ec2)), { provider: 'aws', instanceType: 'm7i.2xlarge' });
  assert.deepEqual(cloudOf({ sysVendor: 'Google', productName: 'Google Compute Engine' }), { provider: 'gcp' });
  assert.deepEqual(
    cloudOf({ sysVendor: 'Microsoft Corporation', productName: 'Virtual Machine', chassisAssetTag: '7783-7084-3265-9085-8269-3286-77' }),
    {
      provider: 'azure',
    },
  );
  assert.equal(cloudOf({ sysVendor: 'Dell Inc.', productName: 'PowerEdge R760' }), null);
  assert.equal(dmiIdentity(join(tmp, 'no-dmi')), null);
  const root = join(tmp, 'root');
  mkdirSync(join(root, 'proc', '1'), { recursive: true });
  writeFileSync(join(root, 'proc', '1', 'cgroup'), '0::/kubepods/burstable/pod1234\n');
  assert.equal(containerOf(root), 'kubernetes');
  writeFileSync(join(root, '.dockerenv'), '');
  assert.equal(containerOf(root), 'docker');
  assert.equal(containerOf(join(tmp, 'bare')), null);
});

test('collectEnvironment records the inventory, with the W per core the CPU estimate would use', async () => {
  const cpu = join(tmp, 'cpuinfo');
  writeFileSync(cpu, cpuinfo());
  const dmi = join(tmp, 'dmi-ec2');
  const e = (await collectEnvironment({ files: { cpuinfo: cpu, dmiDir: dmi, root: join(tmp, 'bare') } })) as {
    cpu: Record<string, unknown>;
    dmi: unknown;
    cloud: unknown;
    container: unknown;
    memoryBytes: number;
  };
  assert.equal(e.cpu.model, 'Intel(R) Xeon(R) Platinum 8480+');
  assert.equal(e.cpu.logicalCores, 8);
  assert.equal(e.cpu.physicalCores, 4);
  assert.equal(e.cpu.sockets, 2);
  assert.equal(e.cpu.microarchitecture, 'Sapphire Rapids');
  // kdbench's TDP table: 350 W over 112 threads.
  assert.equal(e.cpu.wattsPerCore, 350 / 112);
  assert.match(String(e.cpu.wattsPerCoreSource), /Xeon Platinum 8480\+ spec sheet: 350 W TDP, 112 threads/);
  assert.deepEqual(e.cloud, { provider: 'aws', instanceType: 'm7i.2xlarge' });
  assert.equal(e.container, null);
  assert.ok(e.memoryBytes > 0);
});
