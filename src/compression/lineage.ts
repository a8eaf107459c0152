/**
 * The lineage of a compressed model: every step from the teacher to it (a quantized distilled student is
 * distillation, then quantization), its label for tables and charts, and its verdict of honest compute.
 */
import { chainVerdict, honestCompute, type HonestCompute, type VerdictStep } from './honest.js';
import type { CompressionRuntime, CompressionSpec } from './types.js';

export interface LineageModel {
  name: string;
  role: 'teacher' | 'student';
  compression?: CompressionSpec;
  /** A student made by distillation (a tfjs student, or a command student with "distil"), when it has no compression field. */
  distilled?: boolean;
}

export interface Lineage {
  /** The steps from the root (the teacher) to this model, in order. */
  steps: VerdictStep[];
  /** The model every step starts from (the teacher, or an untouched model). */
  root: string;
}

export function lineage(name: string, models: readonly LineageModel[], seen: Set<string> = new Set()): Lineage {
  const m = models.find((x) => x.name === name);
  if (!m || m.role === 'teacher' || seen.has(name)) return { steps: [], root: name };
  seen.add(name);
  const c = m.compression;
  if (!c) {
    const teacher = models.find((x) => x.role === 'teacher');
    return m.distilled && teacher ? { steps: [{ method: 'distillation' }], root: teacher.name } : { steps: [], root: name };
  }
  const up = lineage(c.from, models, seen);
  return { steps: [...up.steps, ...ownSteps(c)], root: up.root };
}

/** The steps one compression field adds. */
export function ownSteps(c: CompressionSpec): VerdictStep[] {
  if (c.method === 'distillation') return [{ method: 'distillation' }];
  if (c.method === 'quantization') return [{ method: 'quantization', quantization: c.quantization! }];
  if (c.method === 'pruning') return [{ method: 'pruning', pruning: c.pruning! }];
  return (c.chain ?? []).map((s) =>
    s.method === 'quantization'
      ? { method: 'quantization' as const, quantization: s.quantization! }
      : { method: 'pruning' as const, pruning: s.pruning! },
  );
}

/** "distillation", "quantization (dynamic-int8)", "pruning (50 % unstructured, fine-tuned 1 epoch)". */
export function stepLabel(s: VerdictStep): string {
  if (s.method === 'distillation') return 'distillation';
  if (s.method === 'quantization') return `quantization (${s.quantization.mode})`;
  const p = s.pruning;
  const ft = p.fineTuneEpochs ? `, fine-tuned ${p.fineTuneEpochs} epoch${p.fineTuneEpochs === 1 ? '' : 's'}` : '';
  return `pruning (${Math.round(p.sparsity * 1000) / 10} % ${p.structure ?? 'unstructured'}${ft})`;
}

/** The method family of a lineage, for grouping and colours: "distillation", "quantization", "distillation + quantization". */
export function methodName(steps: readonly VerdictStep[]): string {
  return steps.map((s) => s.method).join(' + ') || 'none';
}

export function lineageVerdict(
  steps: readonly VerdictStep[],
  runtime: CompressionRuntime,
  facts: { int8Engine?: string; device?: string } = {},
): HonestCompute {
  const vs = steps.map((s) => honestCompute(s, runtime, facts));
  return vs.length === 1 ? vs[0] : chainVerdict(vs);
}
