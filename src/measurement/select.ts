import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { SourceSpec } from './types.js';
import { cpuPowerPerCore, DRAM_WATTS_PER_GB, DRAM_WATTS_PER_GB_SOURCE } from './constants.js';
import { cpuModel } from '../run/environment.js';

/** Finds an executable on PATH (no shell involved). */
export function which(name: string, path = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) return name;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export interface Selection {
  sources: SourceSpec[];
  /** Why each device is measured the way it is, for the report. */
  notes: string[];
}

/**
 * Chooses the best available signal per device: GPU power from nvidia-smi where it is on PATH;
 * CPU and DRAM as labelled estimates from this process's CPU time and resident memory.
 */
export function selectSources(opts: { intervalMs: number; pid?: number }): Selection {
  const sources: SourceSpec[] = [];
  const notes: string[] = [];
  const smi = process.env.KDBENCH_NVIDIA_SMI || which('nvidia-smi');
  if (smi) {
    sources.push({ kind: 'nvidia-smi', binary: smi, intervalMs: opts.intervalMs });
    notes.push(`GPU: power sampled from ${smi}`);
  } else {
    notes.push('GPU: no nvidia-smi on PATH (set KDBENCH_NVIDIA_SMI); no GPU measured');
  }
  const model = cpuModel();
  const cpu = cpuPowerPerCore(model);
  sources.push({ kind: 'process-cpu-estimate', pid: opts.pid, wattsPerCore: cpu.wattsPerCore, wattsPerCoreSource: cpu.source, cpuModel: model });
  notes.push('CPU: no RAPL counter readable; estimated from process CPU time');
  sources.push({ kind: 'process-dram-estimate', pid: opts.pid, wattsPerGB: DRAM_WATTS_PER_GB, wattsPerGBSource: DRAM_WATTS_PER_GB_SOURCE });
  notes.push('DRAM: estimated from resident memory');
  return { sources, notes };
}
