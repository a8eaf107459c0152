/**
 * nvidia-smi for shared GPUs: the processes with a compute context on each GPU
 * (`--query-compute-apps=gpu_uuid,pid,used_memory --format=csv,noheader,nounits`), and the MIG
 * instances of each GPU (`nvidia-smi -L`). Used where NVML cannot list processes itself.
 */
import { execFileSync } from 'node:child_process';
import { parseSmiNumber } from './csv.js';

export const COMPUTE_APPS_FIELDS = ['gpu_uuid', 'pid', 'used_memory'] as const;

/** The arguments of the compute-apps query. */
export function computeAppsArgs(): string[] {
  return [`--query-compute-apps=${COMPUTE_APPS_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
}

export interface SmiApp {
  gpuUuid: string;
  pid: number;
  /** Bytes (nvidia-smi prints MiB), where it reports them ([N/A] in some containers). */
  usedMemoryBytes?: number;
}

/**
 * The rows of a compute-apps query. Lines that are not a row (nvidia-smi prints messages such as
 * "No running processes found" on the same stdout) are skipped.
 */
export function parseComputeApps(text: string): SmiApp[] {
  const out: SmiApp[] = [];
  for (const line of text.split('\n')) {
    const [uuid, pid, mem] = line.split(',').map((x) => x.trim());
    if (!uuid || !/^(GPU|MIG)-/i.test(uuid) || !/^\d+$/.test(pid ?? '')) continue;
    const mib = parseSmiNumber(mem?.replace(/\s*MiB$/, ''));
    out.push({ gpuUuid: uuid, pid: Number(pid), ...(mib === undefined ? {} : { usedMemoryBytes: mib * 1024 * 1024 }) });
  }
  return out;
}

/**
 * MIG instance UUID (lower case) to its GPU's UUID, from `nvidia-smi -L`:
 *   GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-5d5ba0d6-...)
 *     MIG 3g.20gb     Device  0: (UUID: MIG-1b6f3d0b-...)
 */
export function parseSmiList(text: string): Map<string, string> {
  const parents = new Map<string, string>();
  let gpu: string | undefined;
  for (const line of text.split('\n')) {
    const g = /^GPU \d+:.*\(UUID: (GPU-[\w-]+)\)/i.exec(line.trim());
    if (g) {
      gpu = g[1].toLowerCase();
      continue;
    }
    const m = /^MIG .*\(UUID: (MIG-[^)\s]+)\)/i.exec(line.trim());
    if (m && gpu) parents.set(m[1].toLowerCase(), gpu);
  }
  return parents;
}

/** `nvidia-smi -L`'s MIG instances; an empty map where it fails. */
export function smiMigParents(binary: string | undefined): Map<string, string> {
  if (!binary) return new Map();
  try {
    return parseSmiList(execFileSync(binary, ['-L'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch {
    return new Map();
  }
}
