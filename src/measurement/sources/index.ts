/**
 * The energy sources, one folder each: nvml/ (binding, probe, source), nvidia-smi/ (CSV, probe,
 * source), rapl/ (powercap discovery, source), estimates/ (process CPU time and resident memory).
 * select.ts chooses them through their probes; the sampler worker builds them here from their specs.
 */
import type { EnergySource, SourceSpec } from '../types.js';
import type { Clock } from '../clock.js';
import { ProcessCpuEstimate } from './estimates/process-cpu.js';
import { ProcessDramEstimate } from './estimates/process-dram.js';
import { NvidiaSmiSource } from './nvidia-smi/source.js';
import { NvmlSource } from './nvml/source.js';
import { RaplSource } from './rapl/source.js';
import { GpuSharingWatch } from './gpu-sharing/watch.js';

/** Builds a source from its serialisable description (called inside the sampler worker). */
export function createSource(spec: SourceSpec, clock: Clock): EnergySource {
  switch (spec.kind) {
    case 'process-cpu-estimate':
      return new ProcessCpuEstimate(spec);
    case 'process-dram-estimate':
      return new ProcessDramEstimate(spec);
    case 'nvidia-smi':
      return new NvidiaSmiSource(spec, clock);
    case 'nvml':
      return new NvmlSource(spec);
    case 'rapl':
      return new RaplSource(spec);
    case 'gpu-sharing':
      return new GpuSharingWatch(spec, clock);
  }
}
