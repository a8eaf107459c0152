/**
 * What the GPU meters can do on this machine: NVML (library, init, GPUs, which have the energy
 * counter) and nvidia-smi (binary, GPUs, power fields). Used by select.ts and `kdbench doctor`.
 */
import { Nvml, NvmlError, NVML_ERROR_NOT_SUPPORTED, nvmlLibraryPath } from './nvml.js';
import { listSmiGpus, smiFieldSupport, parseSmiNumber } from './sources/nvidia-smi.js';
import { which } from './which.js';
import { execFileSync } from 'node:child_process';

export interface NvmlGpuProbe {
  index: number;
  name: string;
  uuid: string;
  /** True where nvmlDeviceGetTotalEnergyConsumption answers. */
  counter: boolean;
  /** Why the counter is missing (NVML's own words). */
  counterError?: string;
}

export interface NvmlProbe {
  library: string;
  ok: boolean;
  /** Why NVML cannot be used (library missing, init failed). */
  error?: string;
  gpus: NvmlGpuProbe[];
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
    for (let i = 0; i < n; i++) {
      const g = nvml.gpu(i);
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

export interface SmiGpuProbe {
  index: number;
  name: string;
  uuid: string;
  /** The power field that will be sampled, or undefined where the GPU reports none. */
  powerField?: 'power.draw.instant' | 'power.draw';
}

export interface SmiProbe {
  binary?: string;
  ok: boolean;
  error?: string;
  gpus: SmiGpuProbe[];
}

/** The nvidia-smi to run: env KDBENCH_NVIDIA_SMI, else nvidia-smi on PATH. */
export function nvidiaSmiBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.KDBENCH_NVIDIA_SMI || which('nvidia-smi', env.PATH ?? '');
}

export function probeSmi(binary = nvidiaSmiBinary()): SmiProbe {
  if (!binary) return { ok: false, error: 'nvidia-smi not found on PATH (set KDBENCH_NVIDIA_SMI to its path)', gpus: [] };
  try {
    const gpus = listSmiGpus(binary);
    const instant = smiFieldSupport(binary, 'power.draw.instant');
    const draw = smiPowerDraw(binary);
    return {
      binary,
      ok: gpus.length > 0,
      ...(gpus.length === 0 ? { error: 'nvidia-smi lists no GPU' } : {}),
      gpus: gpus.map((g) => ({
        ...g,
        ...(instant.get(g.index)
          ? { powerField: 'power.draw.instant' as const }
          : draw.get(g.index)
            ? { powerField: 'power.draw' as const }
            : {}),
      })),
    };
  } catch (e) {
    return { binary, ok: false, error: `${binary}: ${(e as Error).message.split('\n')[0]}`, gpus: [] };
  }
}

function smiPowerDraw(binary: string): Map<number, boolean> {
  const out = execFileSync(binary, ['--query-gpu=index,power.draw', '--format=csv,noheader,nounits'], {
    encoding: 'utf8',
    timeout: 10_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const m = new Map<number, boolean>();
  for (const line of out.split('\n')) {
    const [i, v] = line.split(',').map((x) => x.trim());
    if (i !== undefined && /^\d+$/.test(i)) m.set(Number(i), parseSmiNumber(v) !== undefined);
  }
  return m;
}
