/**
 * What NVML can do on this machine: the library, init, its GPUs and which of them have the energy
 * counter, and the inventory facts NVML knows (driver version, PCI bus id, enforced power limit, total
 * memory). Used by select.ts, `kdbench doctor` and the run's inventory.
 */
import type { GpuInfo } from '../../../core/contract.js';
import { Nvml, NvmlError, NVML_ERROR_NOT_SUPPORTED, nvmlLibraryPath } from './binding.js';

export interface NvmlGpuProbe extends GpuInfo {
  /** True where nvmlDeviceGetTotalEnergyConsumption answers. */
  counter: boolean;
  /** Why the counter is missing (NVML's own words). */
  counterError?: string;
  /** UUIDs of its MIG instances, where MIG is enabled (to map a MIG-<uuid> allotment onto the GPU). */
  migDevices?: string[];
}

export interface NvmlProbe {
  library: string;
  ok: boolean;
  /** Why NVML cannot be used (library missing, init failed). */
  error?: string;
  gpus: NvmlGpuProbe[];
}

/** The value, or undefined where NVML does not answer (a missing function, NOT_SUPPORTED, any error). */
function ifAnswered<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** GpuInfo's optional per-GPU fields that NVML answers; the others are left out. */
function inventory(nvml: Nvml, index: number, driverVersion: string | undefined): Partial<GpuInfo> {
  const pciBusId = ifAnswered(() => nvml.pciBusId(index));
  const limitMw = ifAnswered(() => nvml.enforcedPowerLimitMw(index));
  const memoryBytes = ifAnswered(() => nvml.memoryTotalBytes(index));
  return {
    ...(pciBusId ? { pciBusId } : {}),
    ...(driverVersion ? { driverVersion } : {}),
    ...(limitMw === undefined ? {} : { powerLimitW: limitMw / 1000 }),
    ...(memoryBytes === undefined ? {} : { memoryBytes }),
  };
}

export function probeNvml(library = nvmlLibraryPath()): NvmlProbe {
  let nvml: Nvml;
  try {
    nvml = Nvml.open(library);
  } catch (e) {
    const msg = e instanceof NvmlError ? e.message : `cannot load ${library}: ${(e as Error).message.split('\n')[0]}`;
    return { library, ok: false, error: msg, gpus: [] };
  }
  try {
    const gpus: NvmlGpuProbe[] = [];
    const n = nvml.count();
    const driverVersion = ifAnswered(() => nvml.driverVersion());
    for (let i = 0; i < n; i++) {
      const mig = ifAnswered(() => nvml.migDeviceUuids(i)) ?? [];
      const g = { ...nvml.gpu(i), ...inventory(nvml, i, driverVersion), ...(mig.length > 0 ? { migDevices: mig } : {}) };
      try {
        nvml.energyMj(i);
        gpus.push({ ...g, counter: true });
      } catch (e) {
        const notSupported = e instanceof NvmlError && e.code === NVML_ERROR_NOT_SUPPORTED;
        gpus.push({
          ...g,
          counter: false,
          counterError: notSupported
            ? `no energy counter (${(e as Error).message}; counters exist on Volta and newer)`
            : (e as Error).message,
        });
      }
    }
    return { library, ok: true, gpus };
  } catch (e) {
    return { library, ok: false, error: (e as Error).message, gpus: [] };
  } finally {
    try {
      nvml.close();
    } catch {
      /* shutting down a probe: nothing to do */
    }
  }
}
