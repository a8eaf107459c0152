/**
 * What nvidia-smi can do on this machine: the binary, its GPUs, which power field each reports, and
 * the inventory facts it knows (PCI bus id, driver version, enforced power limit, total memory).
 * Used by select.ts, `kdbench doctor`, the run's inventory and the streaming source.
 */
import type { GpuInfo } from '../../../core/contract.js';
import { which } from '../../which.js';
import { parseSmiNumber, parseSmiText, querySmi, type SmiRow } from './csv.js';

/** The nvidia-smi to run: env KDBENCH_NVIDIA_SMI, else nvidia-smi on PATH. */
export function nvidiaSmiBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.KDBENCH_NVIDIA_SMI || which('nvidia-smi', env.PATH ?? '');
}

export interface SmiGpu {
  index: number;
  name: string;
  uuid: string;
}

/** Lists GPUs with `nvidia-smi --query-gpu=index,name,uuid`. Throws where nvidia-smi fails. */
export function listSmiGpus(binary: string): SmiGpu[] {
  return querySmi(binary, ['index', 'name', 'uuid']).map((r) => ({ index: Number(r.index), name: r.name, uuid: r.uuid }));
}

/**
 * GPUs that report a number for `field` (e.g. power.draw.instant, which drivers before ~535 do not
 * know at all: nvidia-smi then exits with an error, and every GPU answers no).
 */
export function smiFieldSupport(binary: string, field: string): Map<number, boolean> {
  const support = new Map<number, boolean>();
  let rows: SmiRow[];
  try {
    rows = querySmi(binary, ['index', field]);
  } catch {
    return support;
  }
  for (const r of rows) support.set(Number(r.index), parseSmiNumber(r[field]) !== undefined);
  return support;
}

export interface SmiGpuProbe extends GpuInfo {
  /** The power field that will be sampled, or undefined where the GPU reports none. */
  powerField?: 'power.draw.instant' | 'power.draw';
}

export interface SmiProbe {
  binary?: string;
  ok: boolean;
  error?: string;
  gpus: SmiGpuProbe[];
}

const BASE = ['index', 'name', 'uuid', 'power.draw'];
/**
 * The inventory fields, each with the fields that stand in for it on a driver that does not know it.
 * `enforced.power.limit` is what nvmlDeviceGetEnforcedPowerLimit reads (the minimum of all limiters);
 * `power.limit` (the software limit) is its stand-in.
 */
const INVENTORY: string[][] = [['pci.bus_id'], ['driver_version'], ['enforced.power.limit', 'power.limit'], ['memory.total']];

/**
 * The GPUs with their power.draw and inventory fields: one query where the driver knows every field,
 * else the base query (whose failure fails the probe) and one query per inventory field (whose failure
 * leaves that field out).
 */
function queryGpus(binary: string): SmiRow[] {
  try {
    return querySmi(binary, [...BASE, ...INVENTORY.map((alternatives) => alternatives[0])]);
  } catch (e) {
    // Not run, or killed at the timeout: asking again would only wait again.
    if (typeof (e as { status?: unknown }).status !== 'number') throw e;
    /* it exited with an error: a field this driver does not know, or nvidia-smi fails altogether (the base query tells) */
  }
  const rows = querySmi(binary, BASE);
  for (const [field, ...standIns] of INVENTORY) {
    for (const asked of [field, ...standIns]) {
      let extra: SmiRow[];
      try {
        extra = querySmi(binary, ['index', asked]);
      } catch {
        continue;
      }
      for (const e of extra) {
        const row = rows.find((r) => r.index === e.index);
        if (row) row[field] = e[asked];
      }
      break;
    }
  }
  return rows;
}

/** GpuInfo's optional fields from a row; [N/A] and fields the driver does not know are left out. */
function inventory(r: SmiRow): Partial<GpuInfo> {
  const pciBusId = parseSmiText(r['pci.bus_id']);
  const driverVersion = parseSmiText(r.driver_version);
  const powerLimitW = parseSmiNumber(r['enforced.power.limit']);
  const memoryMiB = parseSmiNumber(r['memory.total']);
  return {
    ...(pciBusId === undefined ? {} : { pciBusId }),
    ...(driverVersion === undefined ? {} : { driverVersion }),
    ...(powerLimitW === undefined ? {} : { powerLimitW }),
    ...(memoryMiB === undefined ? {} : { memoryBytes: memoryMiB * 1024 * 1024 }),
  };
}

export function probeSmi(binary = nvidiaSmiBinary()): SmiProbe {
  if (!binary) return { ok: false, error: 'nvidia-smi not found on PATH (set KDBENCH_NVIDIA_SMI to its path)', gpus: [] };
  try {
    const rows = queryGpus(binary);
    const instant = smiFieldSupport(binary, 'power.draw.instant');
    return {
      binary,
      ok: rows.length > 0,
      ...(rows.length === 0 ? { error: 'nvidia-smi lists no GPU' } : {}),
      gpus: rows.map((r) => {
        const index = Number(r.index);
        return {
          index,
          name: r.name,
          uuid: r.uuid,
          ...inventory(r),
          ...(instant.get(index)
            ? { powerField: 'power.draw.instant' as const }
            : parseSmiNumber(r['power.draw']) !== undefined
              ? { powerField: 'power.draw' as const }
              : {}),
        };
      }),
    };
  } catch (e) {
    return { binary, ok: false, error: `${binary}: ${(e as Error).message.split('\n')[0]}`, gpus: [] };
  }
}
