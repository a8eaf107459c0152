import type { EnergySource, SourceSpec } from '../types.js';
import type { Clock } from '../clock.js';
import { ProcessCpuEstimate } from './process-cpu-estimate.js';
import { ProcessDramEstimate } from './process-dram-estimate.js';
import { NvidiaSmiSource } from './nvidia-smi.js';
import { NvmlSource } from './nvml.js';
import { RaplSource } from './rapl.js';

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
  }
}
