import type { SmiGpuSpec, SourceSpec } from './types.js';
import { cpuPowerPerCore, DRAM_WATTS_PER_GB, DRAM_WATTS_PER_GB_SOURCE } from './constants.js';
import { cpuModel } from '../core/host.js';
import { probeNvml, type NvmlProbe } from './sources/nvml/probe.js';
import { nvmlLibraryPath } from './sources/nvml/binding.js';
import { probeSmi, nvidiaSmiBinary, type SmiProbe } from './sources/nvidia-smi/probe.js';
import { discoverRapl, powercapRoot, type RaplDiscovery } from './sources/rapl/powercap.js';

export { which } from './which.js';

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
  /** GPUs to measure (NVML / nvidia-smi indices); default every GPU of the machine. */
  gpus?: number[];
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

function selectGpus(opts: SelectOptions, nvml: NvmlProbe, smi: () => SmiProbe, sources: SourceSpec[], notes: string[]): void {
  const only = opts.gpus ? new Set(opts.gpus) : undefined;
  const chosen = (index: number): boolean => !only || only.has(index);
  const env = opts.env ?? process.env;
  if (!only && env.CUDA_VISIBLE_DEVICES !== undefined) {
    notes.push(
      `GPU: CUDA_VISIBLE_DEVICES=${env.CUDA_VISIBLE_DEVICES} is set, but every GPU of the machine is measured (whole-GPU meters); restrict with --gpus (NVML/nvidia-smi indices)`,
    );
  }
  const counted = nvml.gpus.filter((g) => g.counter && chosen(g.index));
  if (counted.length > 0) {
    sources.push({ kind: 'nvml', library: nvml.library, gpus: counted.map((g) => g.index) });
    for (const g of counted) notes.push(`GPU ${g.index} (${g.name}): NVML energy counter (method counter)`);
  }
  if (only) for (const g of nvml.gpus) if (!chosen(g.index)) notes.push(`GPU ${g.index} (${g.name}): not measured (not in --gpus)`);
  if (!nvml.ok) notes.push(`GPU: NVML unavailable (${nvml.error}); trying nvidia-smi`);
  const rest = nvml.ok ? nvml.gpus.filter((g) => !g.counter && chosen(g.index)) : undefined;
  if (rest !== undefined && rest.length === 0) {
    if (nvml.gpus.length === 0) notes.push('GPU: NVML reports no GPU; no GPU measured');
    return;
  }
  const s = smi();
  if (!s.ok) {
    if (rest)
      for (const g of rest)
        notes.push(`GPU ${g.index} (${g.name}): ${g.counterError}, and nvidia-smi cannot sample it (${s.error}): NOT MEASURED`);
    else notes.push(`GPU: nvidia-smi unavailable (${s.error}); no GPU measured`);
    return;
  }
  const wanted = rest ? new Set(rest.map((g) => g.index)) : only;
  const sampled: number[] = [];
  const probed: SmiGpuSpec[] = [];
  for (const g of s.gpus) {
    if (wanted && !wanted.has(g.index)) {
      if (!rest && only) notes.push(`GPU ${g.index} (${g.name}): not measured (not in --gpus)`);
      continue;
    }
    const why = rest ? `${rest.find((r) => r.index === g.index)?.counterError}; ` : '';
    if (!g.powerField) {
      notes.push(`GPU ${g.index} (${g.name}): ${why}nvidia-smi reports no power for it: NOT MEASURED`);
      continue;
    }
    sampled.push(g.index);
    probed.push({ index: g.index, name: g.name, uuid: g.uuid, powerField: g.powerField });
    notes.push(
      `GPU ${g.index} (${g.name}): ${why}nvidia-smi ${g.powerField} sampled every ${opts.intervalMs} ms and integrated (method sampled)`,
    );
  }
  if (only && !rest)
    for (const i of only) if (!s.gpus.some((g) => g.index === i)) notes.push(`GPU ${i}: --gpus names it, but nvidia-smi does not list it`);
  if (sampled.length > 0) {
    sources.push({
      kind: 'nvidia-smi',
      binary: s.binary!,
      intervalMs: opts.intervalMs,
      ...(wanted || sampled.length < s.gpus.length ? { gpus: sampled } : {}),
      probed,
    });
  }
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
  selectGpus(opts, nvml, () => opts.probes?.smi ?? probeSmi(nvidiaSmiBinary(env)), sources, notes);

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
