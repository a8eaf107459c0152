/**
 * NVIDIA Management Library through FFI (koffi). Only the calls kdbench needs: init, device count,
 * handles, names, UUIDs, the total-energy counter and the power reading, for the inventory the
 * driver version, PCI bus id, enforced power limit and total memory, and for shared GPUs the running
 * processes and MIG instances. Every NVML call returns an
 * nvmlReturn_t; anything but 0 becomes an NvmlError carrying the code and nvmlErrorString's text.
 * A function the library lacks (an old driver) answers NOT_SUPPORTED, as NVML itself does.
 */
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
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
export const NVML_ERROR_INSUFFICIENT_SIZE = 7;
const NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE = 80;

/**
 * nvmlPciInfo_t as nvml.h declares it since NVML 9 (nvmlDeviceGetPciInfo_v3), 68 bytes:
 *   char busIdLegacy[16]; unsigned int domain, bus, device, pciDeviceId, pciSubSystemId; char busId[32];
 * The first nvmlDeviceGetPciInfo filled the older struct, whose `char busId[16]` sits at offset 0.
 */
const PCI_INFO = { busIdOffset: 16 + 5 * 4, busIdSize: 32, legacyBusIdSize: 16 };
/** nvmlMemory_t: unsigned long long total, free, used (bytes). */
const MEMORY = { size: 24, totalOffset: 0 };

/**
 * nvmlProcessInfo_t, one per process: `unsigned int pid; unsigned long long usedGpuMemory;` (v1, 16 bytes,
 * the unversioned functions), then `unsigned int gpuInstanceId, computeInstanceId;` (v2, 24 bytes, the _v2
 * and _v3 functions). One header (CUDA 12.2, drivers ~535) gave _v3 a struct with
 * `unsigned long long usedGpuCcProtectedMemory` added (32 bytes); those drivers are told apart as nvitop
 * does: they export nvmlDeviceGetConfComputeMemSizeInfo but not nvmlDeviceGetRunningProcessDetailList.
 */
const PROCESS_INFO = { pidOffset: 0, memoryOffset: 8, v1: 16, v2: 24, ccProtected: 32 };
/** usedGpuMemory when the driver cannot tell (NVML_VALUE_NOT_AVAILABLE). */
const VALUE_NOT_AVAILABLE = 0xffffffffffffffffn;

/** A process with a context on a GPU, as NVML lists it. */
export interface NvmlProcess {
  pid: number;
  /** Bytes, where the driver reports them. */
  usedMemoryBytes?: number;
}

/** The NUL-terminated string at `offset`, at most `size` bytes. */
function cString(buf: Buffer, offset: number, size: number): string {
  const field = buf.subarray(offset, offset + size);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

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
    /** Only the first nvmlDeviceGetPciInfo (NVML before 9): its struct has the bus id at offset 0. */
    private readonly legacyPciInfo = false,
    /** The running-process functions used ("_v3", "_v2", "" or undefined: none) and their struct's size. */
    readonly processFunctions?: { suffix: string; stride: number },
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
    const optional = (name: string, ...tries: (() => Fn)[]): number => {
      for (let i = 0; i < tries.length; i++) {
        try {
          fn[name] = tries[i]();
          return i;
        } catch {
          /* not in this library: the next one, else NOT_SUPPORTED */
        }
      }
      fn[name] = () => NVML_ERROR_NOT_SUPPORTED;
      return -1;
    };
    optional('energy', () => lib.func('nvmlDeviceGetTotalEnergyConsumption', 'int', [dev, k.out(k.pointer('unsigned long long'))]) as Fn);
    optional('power', () => lib.func('nvmlDeviceGetPowerUsage', 'int', [dev, k.out(k.pointer('unsigned int'))]) as Fn);
    optional('driverVersion', () => lib.func('nvmlSystemGetDriverVersion', 'int', [k.pointer('char'), 'unsigned int']) as Fn);
    // Structs are read from a Buffer at their C offsets (PCI_INFO and MEMORY above).
    const pci = optional(
      'pciInfo',
      () => lib.func('nvmlDeviceGetPciInfo_v3', 'int', [dev, 'void *']) as Fn,
      () => lib.func('nvmlDeviceGetPciInfo', 'int', [dev, 'void *']) as Fn,
    );
    optional('powerLimit', () => lib.func('nvmlDeviceGetEnforcedPowerLimit', 'int', [dev, k.out(k.pointer('unsigned int'))]) as Fn);
    optional('memory', () => lib.func('nvmlDeviceGetMemoryInfo', 'int', [dev, 'void *']) as Fn);
    // Running processes: the newest version the library has, with the struct that version fills.
    const has = (symbol: string): boolean => {
      try {
        lib.func(`int ${symbol}()`);
        return true;
      } catch {
        return false;
      }
    };
    const suffixes = ['_v3', '_v2', ''];
    const processArgs = [dev, k.inout(k.pointer('unsigned int')), 'void *'];
    const version = optional(
      'computeProcesses',
      ...suffixes.map((sfx) => () => lib.func(`nvmlDeviceGetComputeRunningProcesses${sfx}`, 'int', processArgs) as Fn),
    );
    let processFunctions: { suffix: string; stride: number } | undefined;
    if (version >= 0) {
      const suffix = suffixes[version];
      const cc = suffix === '_v3' && has('nvmlDeviceGetConfComputeMemSizeInfo') && !has('nvmlDeviceGetRunningProcessDetailList');
      processFunctions = { suffix, stride: suffix === '' ? PROCESS_INFO.v1 : cc ? PROCESS_INFO.ccProtected : PROCESS_INFO.v2 };
      optional('graphicsProcesses', () => lib.func(`nvmlDeviceGetGraphicsRunningProcesses${suffix}`, 'int', processArgs) as Fn);
    } else fn.graphicsProcesses = () => NVML_ERROR_NOT_SUPPORTED;
    // MIG instances (A100 and newer), to map a MIG-<uuid> allotment onto its GPU.
    optional('migCount', () => lib.func('nvmlDeviceGetMaxMigDeviceCount', 'int', [dev, k.out(k.pointer('unsigned int'))]) as Fn);
    optional('migHandle', () => lib.func('nvmlDeviceGetMigDeviceHandleByIndex', 'int', [dev, 'unsigned int', k.out(k.pointer(dev))]) as Fn);
    const nvml = new Nvml(path, lib, fn, pci === 1, processFunctions);
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
    return cString(buf, 0, buf.length);
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

  /** The driver version ("580.159.04"; nvmlSystemGetDriverVersion). */
  driverVersion(): string {
    const buf = Buffer.alloc(NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE);
    this.check('nvmlSystemGetDriverVersion', this.fn.driverVersion(buf, buf.length) as number);
    return cString(buf, 0, buf.length);
  }

  /** The PCI bus id, domain:bus:device.function ("00000000:3B:00.0"; nvmlDeviceGetPciInfo_v3, else the first version). */
  pciBusId(index: number): string {
    const buf = Buffer.alloc(128); // larger than either struct
    const call = this.legacyPciInfo ? 'nvmlDeviceGetPciInfo' : 'nvmlDeviceGetPciInfo_v3';
    this.check(`${call}(${index})`, this.fn.pciInfo(this.handle(index), buf) as number);
    return this.legacyPciInfo ? cString(buf, 0, PCI_INFO.legacyBusIdSize) : cString(buf, PCI_INFO.busIdOffset, PCI_INFO.busIdSize);
  }

  /** The power limit the driver enforces after every limiter, milliwatts (nvmlDeviceGetEnforcedPowerLimit). */
  enforcedPowerLimitMw(index: number): number {
    const out = [0];
    this.check(`nvmlDeviceGetEnforcedPowerLimit(${index})`, this.fn.powerLimit(this.handle(index), out) as number);
    return Number(out[0]);
  }

  /** Total memory of the GPU, bytes (nvmlDeviceGetMemoryInfo: nvmlMemory_t.total). */
  memoryTotalBytes(index: number): number {
    const buf = Buffer.alloc(MEMORY.size);
    this.check(`nvmlDeviceGetMemoryInfo(${index})`, this.fn.memory(this.handle(index), buf) as number);
    return Number(endianness() === 'LE' ? buf.readBigUInt64LE(MEMORY.totalOffset) : buf.readBigUInt64BE(MEMORY.totalOffset));
  }

  /**
   * Processes with a compute (or graphics) context on the GPU (nvmlDeviceGet{Compute,Graphics}RunningProcesses,
   * the newest version the library has). Asks for the count first, then reads them into a buffer with
   * room to spare (processes may start in between).
   */
  runningProcesses(index: number, contexts: 'compute' | 'graphics'): NvmlProcess[] {
    const pf = this.processFunctions;
    const f = contexts === 'compute' ? this.fn.computeProcesses : this.fn.graphicsProcesses;
    const call = `nvmlDevice${contexts === 'compute' ? 'GetCompute' : 'GetGraphics'}RunningProcesses${pf?.suffix ?? ''}(${index})`;
    if (!pf) throw new NvmlError(call, NVML_ERROR_NOT_SUPPORTED, 'Not Supported');
    const h = this.handle(index);
    const count = [0];
    let code = f(h, count, null) as number;
    for (let attempt = 0; code === NVML_ERROR_INSUFFICIENT_SIZE && attempt < 3; attempt++) {
      const room = Number(count[0]) * 2 + 8;
      const buf = Buffer.alloc(room * pf.stride);
      count[0] = room;
      code = f(h, count, buf) as number;
      if (code === NVML_SUCCESS) {
        const le = endianness() === 'LE';
        const out: NvmlProcess[] = [];
        for (let i = 0; i < Math.min(Number(count[0]), room); i++) {
          const at = i * pf.stride;
          const pid = le ? buf.readUInt32LE(at + PROCESS_INFO.pidOffset) : buf.readUInt32BE(at + PROCESS_INFO.pidOffset);
          const mem = le ? buf.readBigUInt64LE(at + PROCESS_INFO.memoryOffset) : buf.readBigUInt64BE(at + PROCESS_INFO.memoryOffset);
          out.push({ pid, ...(mem === VALUE_NOT_AVAILABLE ? {} : { usedMemoryBytes: Number(mem) }) });
        }
        return out;
      }
    }
    this.check(call, code);
    return []; // SUCCESS on the first call: no process
  }

  /** UUIDs of the GPU's MIG instances (nvmlDeviceGetMaxMigDeviceCount, nvmlDeviceGetMigDeviceHandleByIndex); [] without MIG. */
  migDeviceUuids(index: number): string[] {
    const max = [0];
    if ((this.fn.migCount(this.handle(index), max) as number) !== NVML_SUCCESS) return [];
    const out: string[] = [];
    for (let i = 0; i < Number(max[0]); i++) {
      const h: unknown[] = [null];
      if ((this.fn.migHandle(this.handle(index), i, h) as number) !== NVML_SUCCESS) continue;
      const buf = Buffer.alloc(96);
      if ((this.fn.uuid(h[0], buf, buf.length) as number) === NVML_SUCCESS) out.push(cString(buf, 0, buf.length));
    }
    return out;
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
