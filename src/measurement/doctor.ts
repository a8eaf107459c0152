/**
 * Which meters work on this machine, which do not and why, and how to enable them.
 * Pure data for `kdbench doctor` (text and --json).
 */
import { probeAll, selectSources, type Probes, type Selection } from './select.js';
import { cpuPowerPerCore, DRAM_WATTS_PER_GB, DRAM_WATTS_PER_GB_SOURCE } from './constants.js';
import { cpuModel } from '../core/host.js';

export type MeterStatus = 'ok' | 'partial' | 'unavailable';

export interface MeterCheck {
  meter: string;
  status: MeterStatus;
  /** What was found. */
  detail: string[];
  /** How to make it work, where it does not. */
  fix?: string;
}

export interface DoctorReport {
  checks: MeterCheck[];
  /** What `kdbench measure` and `kdbench run` would use now. */
  selection: Selection;
  probes: Probes;
}

function nvmlCheck(p: Probes['nvml']): MeterCheck {
  if (!p.ok) {
    return {
      meter: 'NVML energy counter (GPU, method counter)',
      status: 'unavailable',
      detail: [p.error ?? 'unknown error'],
      fix: `NVML ships with the NVIDIA driver as libnvidia-ml.so.1. Install the driver, or point KDBENCH_NVML_LIB at the library (now: ${p.library}).`,
    };
  }
  if (p.gpus.length === 0)
    return { meter: 'NVML energy counter (GPU, method counter)', status: 'unavailable', detail: [`${p.library}: NVML lists no GPU`] };
  const missing = p.gpus.filter((g) => !g.counter);
  return {
    meter: 'NVML energy counter (GPU, method counter)',
    status: missing.length === 0 ? 'ok' : missing.length < p.gpus.length ? 'partial' : 'unavailable',
    detail: p.gpus.map((g) => `GPU ${g.index} ${g.name} (${g.uuid}): ${g.counter ? 'energy counter readable' : g.counterError}`),
    ...(missing.length > 0
      ? {
          fix: `GPU(s) ${missing.map((g) => g.index).join(', ')} have no energy counter (it exists on Volta and newer): they are sampled through nvidia-smi instead, with a larger uncertainty.`,
        }
      : {}),
  };
}

function smiCheck(p: Probes['smi']): MeterCheck {
  if (!p.ok) {
    return {
      meter: 'nvidia-smi power sampling (GPU, method sampled)',
      status: 'unavailable',
      detail: [p.error ?? 'unknown error'],
      fix: 'Put nvidia-smi (NVIDIA driver) on PATH or set KDBENCH_NVIDIA_SMI to its path. Needed only for GPUs without an NVML energy counter.',
    };
  }
  const none = p.gpus.filter((g) => !g.powerField);
  return {
    meter: 'nvidia-smi power sampling (GPU, method sampled)',
    status: none.length === 0 ? 'ok' : none.length < p.gpus.length ? 'partial' : 'unavailable',
    detail: [`${p.binary}`, ...p.gpus.map((g) => `GPU ${g.index} ${g.name}: ${g.powerField ?? 'reports no power ([N/A])'}`)],
    ...(none.length > 0
      ? { fix: `GPU(s) ${none.map((g) => g.index).join(', ')} report no power reading at all: they cannot be measured on this machine.` }
      : {}),
  };
}

function raplCheck(p: Probes['rapl']): MeterCheck {
  const meter = 'RAPL counters via powercap (CPU package, DRAM; method counter)';
  if (p.chosen.length > 0) {
    return {
      meter,
      status: p.accessFix ? 'partial' : 'ok',
      detail: [`${p.root}: reading ${p.chosen.map((c) => `${c.zone} as ${c.device}`).join(', ')}`, ...p.notes],
      ...(p.accessFix ? { fix: p.accessFix } : {}),
    };
  }
  if (p.accessFix) return { meter, status: 'unavailable', detail: p.notes, fix: p.accessFix };
  return {
    meter,
    status: 'unavailable',
    detail: p.notes,
    fix:
      p.zones.length === 0
        ? 'No RAPL zones: usual in VMs and containers, where CPU energy can only be estimated. On bare-metal Linux load the driver (sudo modprobe intel_rapl_msr; AMD Zen needs kernel >= 5.8), or set KDBENCH_POWERCAP_ROOT.'
        : undefined,
  };
}

function estimateCheck(): MeterCheck {
  const model = cpuModel();
  const cpu = cpuPowerPerCore(model);
  return {
    meter: 'Estimates (CPU from process CPU time, DRAM from resident memory; method estimated)',
    status: 'ok',
    detail: [
      `CPU "${model}": ${cpu.wattsPerCore.toFixed(2)} W per busy logical CPU (${cpu.source})`,
      `DRAM: ${DRAM_WATTS_PER_GB} W/GB (${DRAM_WATTS_PER_GB_SOURCE})`,
      'always available; used only where no counter can be read',
    ],
  };
}

export function runDoctor(env: NodeJS.ProcessEnv = process.env): DoctorReport {
  const probes = probeAll(env);
  const selection = selectSources({ intervalMs: 100, env, probes });
  return { checks: [nvmlCheck(probes.nvml), smiCheck(probes.smi), raplCheck(probes.rapl), estimateCheck()], selection, probes };
}

export function formatDoctor(r: DoctorReport): string {
  const mark: Record<MeterStatus, string> = { ok: '[ok]     ', partial: '[partial]', unavailable: '[no]     ' };
  const out: string[] = [];
  for (const c of r.checks) {
    out.push(`${mark[c.status]} ${c.meter}`);
    for (const d of c.detail) out.push(`            ${d}`);
    if (c.fix) out.push(...c.fix.split('\n').map((l, i) => `${i === 0 ? '    fix:    ' : '            '}${l}`));
    out.push('');
  }
  out.push('kdbench measure / run would use:');
  for (const n of r.selection.notes) out.push(...n.split('\n').map((l, i) => `${i === 0 ? '  - ' : '    '}${l}`));
  return out.join('\n') + '\n';
}
