import type { DomainInfo, GpuSharingRecord } from '../core/contract.js';
export type { DomainInfo, GpuSharingRecord, Method } from '../core/contract.js';

/**
 * One raw reading. A source reports either a cumulative energy (counters and CPU-time models,
 * joules since an arbitrary origin) or an instantaneous power (sampled meters).
 */
export interface RawReading {
  device: string;
  /** Monotonic time in seconds since the meter started; the source may give its own (nvidia-smi timestamps). */
  t?: number;
  energyJ?: number;
  powerW?: number;
  /**
   * True on the first reading after an outage of the source (a restarted child, a failed read):
   * the time since the previous reading of this device is a gap, recorded in the trace.
   */
  afterGap?: boolean;
}

/**
 * An energy source. It lives in the sampler worker: `poll` is called every interval and at each
 * phase boundary and must be cheap and synchronous (a streaming source returns what it buffered).
 */
export interface EnergySource {
  readonly name: string;
  start(): Promise<DomainInfo[]>;
  poll(now: number): RawReading[];
  /** Problems seen while running (a dead child, a failed read); they go into run.json and the report. */
  problems(): string[];
  stop(): void;
  /**
   * Names the process to follow, for sources started with `attach`. `ownChildrenS0` is this
   * process's reaped-children CPU time read just before the spawn (for when the child is reaped).
   */
  attach?(pid: number, ownChildrenS0: number): void;
  /**
   * For streaming sources: how long after a moment its readings for that moment may still be
   * arriving. The sampler waits this long after `stop` before the last poll.
   */
  readonly lagMs?: number;
  /** CPU seconds used by helper processes the source runs (nvidia-smi), known after stop(). */
  overheadCpuS?(): number;
  /** Called at each phase boundary (after the boundary's poll), at the start and before stop. */
  boundary?(now: number): void;
  /** The GPU sharing check's record (gpu-sharing watcher), known after stop(). */
  sharing?(): GpuSharingRecord;
}

/** A serialisable description of a source, so the worker can build it. */
export type SourceSpec =
  /**
   * `attach`: the process is not known at start; Meter.attach(pid) names it later (a command
   * spawned after the meter started), and its CPU time counts from its birth.
   */
  | { kind: 'process-cpu-estimate'; pid?: number; attach?: boolean; wattsPerCore: number; wattsPerCoreSource: string; cpuModel: string }
  | { kind: 'process-dram-estimate'; pid?: number; attach?: boolean; wattsPerGB: number; wattsPerGBSource: string }
  /** `gpus`: indices to sample (default all); used for GPUs whose NVML energy counter is missing. */
  /** `probed`: what select.ts already learnt (names, power field per GPU), so start() need not ask again. */
  | { kind: 'nvidia-smi'; binary: string; intervalMs: number; gpus?: number[]; probed?: SmiGpuSpec[] }
  /** NVML energy counters of the GPUs at `gpus` (indices), through FFI. */
  | { kind: 'nvml'; library: string; gpus: number[] }
  /** RAPL zones under a powercap root; `zones` are folder names (intel-rapl:0, intel-rapl:0:2 ...). */
  | { kind: 'rapl'; root: string; zones: RaplZoneSpec[] }
  /** Not an energy source: lists the measured GPUs' processes and flags those not in kdbench's tree (sources/gpu-sharing/). */
  | GpuSharingSpec;

/** The GPU sharing watcher: which GPUs, how to list their processes, and what selection found. */
export interface GpuSharingSpec {
  kind: 'gpu-sharing';
  /** The measured GPUs: `index` as the devices are named ("gpu:N"), `uuid` to find them in NVML or nvidia-smi. */
  gpus: { index: number; uuid: string }[];
  /** NVML library to list processes with (first choice); nvidia-smi --query-compute-apps where NVML cannot. */
  nvmlLibrary?: string;
  smiBinary?: string;
  /** Time between periodic checks (boundaries add checks). */
  intervalMs: number;
  /** kdbench's process, the root of its tree (default: this process). */
  rootPid?: number;
  allotment?: { variable: string; value: string };
  /** Problems selection found (an allotment naming GPUs the probes do not list), recorded with the run's. */
  problems?: string[];
}

/** A GPU as nvidia-smi described it when the sources were chosen. */
export interface SmiGpuSpec {
  index: number;
  name: string;
  uuid: string;
  powerField: 'power.draw.instant' | 'power.draw';
}

/** A RAPL zone chosen for measuring, with the device it counts for. */
export interface RaplZoneSpec {
  /** Folder name under the powercap root. */
  zone: string;
  /** "cpu:package-0", "dram:0", "psys" ... */
  device: string;
  /** Range at which energy_uj wraps to 0. */
  maxRangeUj: number;
}

/** Time during which a device had no readings and the integrator bridged the two sides. */
export interface Gap {
  device: string;
  t0: number;
  t1: number;
}

/** One row of the trace: a device's power and cumulative energy at a time. */
export interface Sample {
  /** Seconds since meter start (monotonic). */
  t: number;
  device: string;
  powerW: number;
  /** Joules since the meter started, for this device. */
  energyJ: number;
  phase: string;
}

export interface Trace {
  /** Wall-clock time (ms since epoch) at t = 0. */
  startWallMs: number;
  domains: DomainInfo[];
  samples: Sample[];
  problems: string[];
  /** Outages bridged by the integrator; their time counts into the uncertainty. */
  gaps?: Gap[];
  /** CPU seconds spent by the sampler thread itself and the helper processes its sources run (nvidia-smi). */
  samplerCpuS: number;
  intervalMs: number;
  /** Whether other processes used a measured GPU (absent where no GPU was measured). */
  gpuSharing?: GpuSharingRecord;
  /** samples.csv could not be written (from some time on): the cause, naming the file. The samples above are complete. */
  writeError?: string;
}
