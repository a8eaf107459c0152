/** How an energy figure was obtained. Never show an "estimated" figure as a measurement. */
export type Method = 'counter' | 'sampled' | 'estimated';

/** A device (energy domain) covered by a source, as announced when the source starts. */
export interface DomainInfo {
  /** "gpu:0", "cpu", "dram", "cpu:package-0" ... */
  device: string;
  method: Method;
  /** Where the numbers come from, in words a reader can check ("NVML nvmlDeviceGetTotalEnergyConsumption", ...). */
  source: string;
  /** What exactly is covered (the process, the machine, one GPU ...). */
  scope: string;
  /** Uncertainty model: |error| <= relative * E + absoluteW * duration. */
  uncertainty: { relative: number; absoluteW: number; basis: string };
}

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
}

/** A serialisable description of a source, so the worker can build it. */
export type SourceSpec =
  | { kind: 'process-cpu-estimate'; pid?: number; wattsPerCore: number; wattsPerCoreSource: string; cpuModel: string }
  | { kind: 'process-dram-estimate'; pid?: number; wattsPerGB: number; wattsPerGBSource: string }
  | { kind: 'nvidia-smi'; binary: string; intervalMs: number };

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
  /** CPU seconds spent by the sampler thread itself. */
  samplerCpuS: number;
  intervalMs: number;
}
