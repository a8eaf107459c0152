/**
 * NVIDIA Management Library through FFI (koffi). Only the calls kdbench needs: init, device count,
 * handles, names, UUIDs, the total-energy counter and the power reading. Every NVML call returns an
 * nvmlReturn_t; anything but 0 becomes an NvmlError carrying the code and nvmlErrorString's text.
 */
import { createRequire } from 'node:module';
import type { LibraryHandle, TypeObject } from 'koffi';

type Koffi = typeof import('koffi');
let koffiModule: Koffi | undefined;
/**
 * koffi is loaded on first use, not at import: a platform where its native part cannot load must
 * lose the NVML meter only (with the reason), not every command that imports the meters.
 */
function koffi(): Koffi {
  koffiModule ??= createRequire(import.meta.url)('koffi') as Koffi;
  return koffiModule;
}

export const NVML_SUCCESS = 0;
export const NVML_ERROR_NOT_SUPPORTED = 3;

/** The library to load: env KDBENCH_NVML_LIB, else libnvidia-ml.so.1 from the loader's path. */
export function nvmlLibraryPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.KDBENCH_NVML_LIB || 'libnvidia-ml.so.1';
}

export class NvmlError extends Error {
  constructor(
    readonly call: string,
    readonly code: number,
    text: string,
  ) {
    super(`${call} returned ${code} (${text})`);
    this.name = 'NvmlError';
  }
}

type Fn = (...args: unknown[]) => unknown;

let deviceType: TypeObject | undefined;
/** koffi registers type names globally: declare the opaque handle type once per thread. */
function nvmlDeviceType(): TypeObject {
  deviceType ??= koffi().pointer('kdbench_nvmlDevice_t', koffi().opaque());
  return deviceType;
}

export interface NvmlGpu {
  index: number;
  name: string;
  uuid: string;
}

/** An opened, initialised NVML. Call close() (nvmlShutdown) when done. */
export class Nvml {
  private readonly handles = new Map<number, unknown>();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly lib: LibraryHandle,
    private readonly fn: Record<string, Fn>,
  ) {}

  /** Loads the library and calls nvmlInit_v2. Throws Error (cannot load) or NvmlError (init failed). */
  static open(path = nvmlLibraryPath()): Nvml {
    const k = koffi();
    const lib = k.load(path);
    const dev = nvmlDeviceType();
    const decl = (proto: string): Fn => lib.func(proto) as Fn;
    const fn: Record<string, Fn> = {
      init: decl('int nvmlInit_v2()'),
      shutdown: decl('int nvmlShutdown()'),
      errorString: decl('const char *nvmlErrorString(int result)'),
      count: decl('int nvmlDeviceGetCount_v2(_Out_ unsigned int *count)'),
      handle: lib.func('nvmlDeviceGetHandleByIndex_v2', 'int', ['unsigned int', k.out(k.pointer(dev))]) as Fn,
      name: lib.func('nvmlDeviceGetName', 'int', [dev, k.pointer('char'), 'unsigned int']) as Fn,
      uuid: lib.func('nvmlDeviceGetUUID', 'int', [dev, k.pointer('char'), 'unsigned int']) as Fn,
    };
    // Old drivers lack the energy counter entirely: such GPUs answer NOT_SUPPORTED, as on pre-Volta GPUs.
    const optional = (name: string, f: () => Fn): void => {
      try {
        fn[name] = f();
      } catch {
        fn[name] = () => NVML_ERROR_NOT_SUPPORTED;
      }
    };
    optional('energy', () => lib.func('nvmlDeviceGetTotalEnergyConsumption', 'int', [dev, k.out(k.pointer('unsigned long long'))]) as Fn);
    optional('power', () => lib.func('nvmlDeviceGetPowerUsage', 'int', [dev, k.out(k.pointer('unsigned int'))]) as Fn);
    const nvml = new Nvml(path, lib, fn);
    nvml.check('nvmlInit_v2', fn.init() as number);
    return nvml;
  }

  private check(call: string, code: number): void {
    if (code === NVML_SUCCESS) return;
    let text = 'unknown error';
    try {
      text = String(this.fn.errorString(code) ?? text);
    } catch {
      /* keep the code alone */
    }
    throw new NvmlError(call, code, text);
  }

  count(): number {
    const out = [0];
    this.check('nvmlDeviceGetCount_v2', this.fn.count(out) as number);
    return Number(out[0]);
  }

  private handle(index: number): unknown {
    let h = this.handles.get(index);
    if (h === undefined) {
      const out: unknown[] = [null];
      this.check(`nvmlDeviceGetHandleByIndex_v2(${index})`, this.fn.handle(index, out) as number);
      h = out[0];
      this.handles.set(index, h);
    }
    return h;
  }

  private text(call: string, f: Fn, index: number): string {
    const buf = Buffer.alloc(96);
    this.check(`${call}(${index})`, f(this.handle(index), buf, buf.length) as number);
    const end = buf.indexOf(0);
    return buf.subarray(0, end < 0 ? buf.length : end).toString('utf8');
  }

  gpu(index: number): NvmlGpu {
    return { index, name: this.text('nvmlDeviceGetName', this.fn.name, index), uuid: this.text('nvmlDeviceGetUUID', this.fn.uuid, index) };
  }

  /** Total energy since the driver was loaded, millijoules (nvmlDeviceGetTotalEnergyConsumption). */
  energyMj(index: number): number {
    const out: unknown[] = [0];
    this.check(`nvmlDeviceGetTotalEnergyConsumption(${index})`, this.fn.energy(this.handle(index), out) as number);
    return Number(out[0]);
  }

  /** Power in milliwatts (nvmlDeviceGetPowerUsage; a 1 s average on Ampere and newer except GA100). */
  powerMw(index: number): number {
    const out = [0];
    this.check(`nvmlDeviceGetPowerUsage(${index})`, this.fn.power(this.handle(index), out) as number);
    return Number(out[0]);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.fn.shutdown();
    } finally {
      this.lib.unload();
    }
  }
}
