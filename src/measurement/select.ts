import type { SmiGpuSpec, SourceSpec } from './types.js';
import { cpuPowerPerCore, DRAM_WATTS_PER_GB, DRAM_WATTS_PER_GB_SOURCE } from './constants.js';
import { cpuModel } from '../core/host.js';
import { probeNvml, type NvmlProbe } from './sources/nvml/probe.js';
import { nvmlLibraryPath } from './sources/nvml/binding.js';
import { probeSmi, nvidiaSmiBinary, type SmiProbe } from './sources/nvidia-smi/probe.js';
import { discoverRapl, powercapRoot, type RaplDiscovery } from './sources/rapl/powercap.js';
import { smiMigParents } from './sources/nvidia-smi/apps.js';
import { ALLOTMENT_VARIABLES, resolveAllotment, sameGpu, type GpuIdentity } from './allotment.js';

export { which } from './which.js';

/** Explicit GPU indices, or every GPU whatever the environment allots. */
export type GpuChoice = number[] | 'all';

export interface Selection {
  sources: SourceSpec[];
  /** Why each device is measured the way it is, for the report. */
  notes: string[];
}

export interface SelectOptions {
  intervalMs: number;
  /** Process whose tree the CPU/DRAM estimates follow (default: this process). */
  pid?: number;
  /** The estimates follow a command spawned after the meter starts, named by Meter.attach(pid). */
  attach?: boolean;
  /** Environment to read KDBENCH_NVML_LIB, KDBENCH_NVIDIA_SMI, KDBENCH_POWERCAP_ROOT, PATH from. */
  env?: NodeJS.ProcessEnv;
  /**
   * GPUs to measure: NVML / nvidia-smi indices, or 'all'. Default: the GPUs the environment allots to
   * this task (CUDA_VISIBLE_DEVICES, SLURM_STEP_GPUS / SLURM_JOB_GPUS, NVIDIA_VISIBLE_DEVICES; allotment.ts),
   * else every GPU of the machine.
   */
  gpus?: GpuChoice;
  /** Probe results already at hand (doctor), to avoid probing twice. */
  probes?: Partial<Probes>;
}

export interface Probes {
  nvml: NvmlProbe;
  smi: SmiProbe;
  rapl: RaplDiscovery;
}

export function probeAll(env: NodeJS.ProcessEnv = process.env): Probes {
  return { nvml: probeNvml(nvmlLibraryPath(env)), smi: probeSmi(nvidiaSmiBinary(env)), rapl: discoverRapl(powercapRoot(env)) };
}

/** How often the GPU sharing check lists the measured GPUs' processes (phase boundaries add checks). */
export const SHARING_CHECK_MS = 1000;

/**
 * Which GPUs to measure: the allotment the environment names (allotment.ts), else every GPU; `--gpus`
 * (explicit indices) or `--gpus all` overrides it. Then the best signal per GPU, and the sharing check
 * over the measured ones.
 */
/** nvidia-smi's probe, run at most once and only where needed (each nvidia-smi call can take a second). */
interface LazySmi {
  smi: () => SmiProbe;
  /** The probe where it has run. */
  done: () => SmiProbe | undefined;
}

function selectGpus(opts: SelectOptions, nvml: NvmlProbe, lazy: LazySmi, sources: SourceSpec[], notes: string[]): void {
  const env = opts.env ?? process.env;
  const smi = lazy.smi;
  const visible: GpuIdentity[] = nvml.ok ? nvml.gpus : smi().ok ? smi().gpus : [];
  const named = ALLOTMENT_VARIABLES.filter((v) => env[v] !== undefined).map((v) => `${v}=${env[v]}`);
  const problems: string[] = [];
  let only: Set<number> | undefined;
  let why = '';
  let allotment: { variable: string; value: string } | undefined;
  if (Array.isArray(opts.gpus)) {
    only = new Set(opts.gpus);
    why = 'not in --gpus';
    if (named.length > 0)
      notes.push(`GPU: --gpus ${opts.gpus.join(',')} given; the allotment in the environment (${named.join(', ')}) is not used`);
  } else if (opts.gpus === 'all') {
    notes.push(
      `GPU: --gpus all: every GPU of the machine is measured${named.length > 0 ? `, although the environment allots GPUs (${named.join(', ')}): other tasks' work on them is counted` : ''}`,
    );
  } else if (visible.length === 0) {
    // Nothing to choose from: the notes below say no GPU is measured; an allotment cannot change that.
    if (named.length > 0) notes.push(`GPU: the environment allots GPUs (${named.join(', ')}), but neither NVML nor nvidia-smi lists any`);
  } else {
    const a = resolveAllotment(env, visible, { migParents: () => smiMigParents(lazy.done()?.binary ?? nvidiaSmiBinary(env)) });
    notes.push(...a.notes);
    problems.push(...a.problems);
    if (a.gpus && a.from) {
      only = new Set(a.gpus);
      why = `not allotted to this task (${a.from.variable})`;
      allotment = a.from;
      if (a.gpus.length > 0)
        notes.push(
          'GPU: only the allotted GPUs are measured: a GPU meter counts every process on its GPU, so GPUs of other tasks are left out (kdbench measure --gpus all measures every GPU)',
        );
    } else if (visible.length > 1)
      notes.push(
        'GPU: the environment allots no GPU subset (CUDA_VISIBLE_DEVICES, SLURM_STEP_GPUS, SLURM_JOB_GPUS, NVIDIA_VISIBLE_DEVICES): every GPU of the machine is measured',
      );
  }
  const measured = chooseGpuMeters(opts, nvml, smi, only, why, sources, notes);
  if (measured.length > 0 || problems.length > 0) {
    const binary = lazy.done()?.binary ?? nvidiaSmiBinary(env);
    sources.push({
      kind: 'gpu-sharing',
      gpus: measured,
      ...(nvml.ok ? { nvmlLibrary: nvml.library } : {}),
      ...(binary ? { smiBinary: binary } : {}),
      intervalMs: SHARING_CHECK_MS,
      ...(allotment ? { allotment } : {}),
      ...(problems.length > 0 ? { problems } : {}),
    });
    if (measured.length > 0)
      notes.push(
        `GPU sharing: the processes on GPU(s) ${measured.map((g) => g.index).join(', ')} are listed every ${SHARING_CHECK_MS / 1000} s and at each phase boundary (NVML, else nvidia-smi --query-compute-apps); any process outside kdbench's process tree is recorded (meter.gpuSharing) and flagged as a problem`,
      );
  }
}

/** The signal per GPU (NVML counter, else nvidia-smi sampling, else said NOT MEASURED); returns the measured GPUs. */
function chooseGpuMeters(
  opts: SelectOptions,
  nvml: NvmlProbe,
  smi: () => SmiProbe,
  only: Set<number> | undefined,
  why: string,
  sources: SourceSpec[],
  notes: string[],
): { index: number; uuid: string }[] {
  const chosen = (index: number): boolean => !only || only.has(index);
  const measured: { index: number; uuid: string }[] = [];
  const counted = nvml.gpus.filter((g) => g.counter && chosen(g.index));
  if (counted.length > 0) {
    sources.push({ kind: 'nvml', library: nvml.library, gpus: counted.map((g) => g.index) });
    for (const g of counted) notes.push(`GPU ${g.index} (${g.name}): NVML energy counter (method counter)`);
    measured.push(...counted.map((g) => ({ index: g.index, uuid: g.uuid })));
  }
  if (only) for (const g of nvml.gpus) if (!chosen(g.index)) notes.push(`GPU ${g.index} (${g.name}): not measured (${why})`);
  if (!nvml.ok) notes.push(`GPU: NVML unavailable (${nvml.error}); trying nvidia-smi`);
  const rest = nvml.ok ? nvml.gpus.filter((g) => !g.counter && chosen(g.index)) : undefined;
  if (rest !== undefined && rest.length === 0) {
    if (nvml.gpus.length === 0) notes.push('GPU: NVML reports no GPU; no GPU measured');
    return measured;
  }
  const s = smi();
  if (!s.ok) {
    if (rest)
      for (const g of rest)
        notes.push(`GPU ${g.index} (${g.name}): ${g.counterError}, and nvidia-smi cannot sample it (${s.error}): NOT MEASURED`);
    else notes.push(`GPU: nvidia-smi unavailable (${s.error}); no GPU measured`);
    return measured;
  }
  const sampled: number[] = [];
  const probed: SmiGpuSpec[] = [];
  for (const g of s.gpus) {
    // Where NVML lists the GPUs, nvidia-smi's row is matched to NVML's GPU by UUID (else PCI bus id).
    const r = rest?.find((x) => sameGpu(x, g));
    if (rest ? !r : !chosen(g.index)) {
      if (!rest && only) notes.push(`GPU ${g.index} (${g.name}): not measured (${why})`);
      continue;
    }
    const because = r ? `${r.counterError}; ` : '';
    if (!g.powerField) {
      notes.push(`GPU ${g.index} (${g.name}): ${because}nvidia-smi reports no power for it: NOT MEASURED`);
      continue;
    }
    sampled.push(g.index);
    probed.push({ index: g.index, name: g.name, uuid: g.uuid, powerField: g.powerField });
    measured.push({ index: g.index, uuid: g.uuid });
    notes.push(
      `GPU ${g.index} (${g.name}): ${because}nvidia-smi ${g.powerField} sampled every ${opts.intervalMs} ms and integrated (method sampled)`,
    );
  }
  if (rest)
    for (const g of rest)
      if (!s.gpus.some((x) => sameGpu(g, x)))
        notes.push(`GPU ${g.index} (${g.name}): ${g.counterError}, and nvidia-smi does not list it: NOT MEASURED`);
  if (Array.isArray(opts.gpus) && !rest)
    for (const i of opts.gpus)
      if (!s.gpus.some((g) => g.index === i)) notes.push(`GPU ${i}: --gpus names it, but nvidia-smi does not list it`);
  if (sampled.length > 0) {
    sources.push({
      kind: 'nvidia-smi',
      binary: s.binary!,
      intervalMs: opts.intervalMs,
      ...(rest || only || sampled.length < s.gpus.length ? { gpus: sampled } : {}),
      probed,
    });
  }
  return measured;
}

/**
 * Chooses the best available signal per device, with a note saying why:
 * GPUs: NVML energy counter > nvidia-smi sampled power > nothing (said so, never a silent 0);
 * CPU and DRAM: RAPL counters > labelled estimates from the process tree's CPU time and memory.
 */
export function selectSources(opts: SelectOptions): Selection {
  const env = opts.env ?? process.env;
  const sources: SourceSpec[] = [];
  const notes: string[] = [];
  const nvml = opts.probes?.nvml ?? probeNvml(nvmlLibraryPath(env));
  let smi: SmiProbe | undefined = opts.probes?.smi;
  const probed = { smi: () => (smi ??= probeSmi(nvidiaSmiBinary(env))), done: () => smi };
  selectGpus(opts, nvml, probed, sources, notes);

  const rapl = opts.probes?.rapl ?? discoverRapl(powercapRoot(env));
  const cpuZones = rapl.chosen.filter((z) => z.device.startsWith('cpu'));
  const dramZones = rapl.chosen.filter((z) => z.device.startsWith('dram'));
  notes.push(...rapl.notes.map((n) => `RAPL: ${n}`));
  if (rapl.accessFix) notes.push(rapl.accessFix);
  const counted = cpuZones.length > 0 ? [...cpuZones, ...dramZones] : [];
  if (counted.length > 0) {
    sources.push({ kind: 'rapl', root: rapl.root, zones: counted });
    notes.push(`CPU: RAPL counters ${cpuZones.map((z) => z.zone).join(', ')} (method counter; the whole socket, all processes)`);
  }
  const target = opts.attach ? 'the measured command' : opts.pid === undefined ? 'this kdbench process' : `process ${opts.pid}`;
  const who = { pid: opts.pid, ...(opts.attach ? { attach: true } : {}) };
  if (cpuZones.length === 0) {
    const model = cpuModel();
    const cpu = cpuPowerPerCore(model);
    sources.push({ kind: 'process-cpu-estimate', ...who, wattsPerCore: cpu.wattsPerCore, wattsPerCoreSource: cpu.source, cpuModel: model });
    notes.push(
      `CPU: no RAPL counter readable; ESTIMATED from the CPU time of ${target} and its descendants x ${cpu.wattsPerCore.toFixed(2)} W per busy core`,
    );
  }
  if (dramZones.length > 0 && cpuZones.length > 0) {
    notes.push(`DRAM: RAPL counters ${dramZones.map((z) => z.zone).join(', ')} (method counter)`);
  } else {
    sources.push({ kind: 'process-dram-estimate', ...who, wattsPerGB: DRAM_WATTS_PER_GB, wattsPerGBSource: DRAM_WATTS_PER_GB_SOURCE });
    notes.push(
      `DRAM: no RAPL DRAM counter readable; ESTIMATED from the resident memory of ${target} and its descendants x ${DRAM_WATTS_PER_GB} W/GB`,
    );
  }
  return { sources, notes };
}
