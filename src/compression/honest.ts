/**
 * "Honest compute": does a compression method change the arithmetic the runtime actually runs? Smaller
 * files are not cheaper inferences: tfjs dequantizes int8 weights to fp32 before it multiplies, and a
 * dense kernel multiplies the zeros of an unstructured-pruned matrix like any other number.
 */
import type { CompressionRuntime, PruningSpec, QuantizationSpec } from './types.js';

export type Saving = 'disk' | 'memory' | 'arithmetic';

export interface HonestCompute {
  /** true: the runtime runs less or cheaper arithmetic; false: it runs the same fp32 arithmetic; null: unknown (the user's own runtime). */
  changesArithmetic: boolean | null;
  /** What the step saves for real. */
  saves: Saving[];
  /** One sentence for run.json and the report. */
  note: string;
}

export type VerdictStep =
  { method: 'distillation' } | { method: 'quantization'; quantization: QuantizationSpec } | { method: 'pruning'; pruning: PruningSpec };

/** The verdict for one step on one runtime. `int8Engine`: PyTorch's quantized engine (fbgemm, qnnpack), when known. */
export function honestCompute(
  step: VerdictStep,
  runtime: CompressionRuntime,
  facts: { int8Engine?: string; device?: string } = {},
): HonestCompute {
  if (step.method === 'distillation')
    return {
      changesArithmetic: true,
      saves: ['disk', 'memory', 'arithmetic'],
      note: 'a smaller model: fewer parameters and operations per inference on every runtime',
    };
  if (step.method === 'pruning') {
    const structure = step.pruning.structure ?? 'unstructured';
    if (structure === 'unstructured')
      return {
        changesArithmetic: false,
        saves: [],
        note: `unstructured sparsity (${pct(step.pruning.sparsity)} zeros) does not speed up dense kernels: ${runtimeName(runtime)} multiplies the zeros like any other weight; the file only shrinks when stored sparse or compressed`,
      };
    return {
      changesArithmetic: true,
      saves: ['disk', 'memory', 'arithmetic'],
      note: `structured pruning removes whole ${structure} (${pct(step.pruning.sparsity)}): the layers are smaller, so the arithmetic shrinks`,
    };
  }
  const mode = step.quantization.mode;
  if (runtime === 'tfjs')
    return {
      changesArithmetic: false,
      saves: mode === 'fp16' ? ['disk'] : ['disk'],
      note: `TensorFlow.js stores ${mode === 'fp16' ? 'fp16' : 'int8'} weights but dequantizes them to fp32 when it loads the model: disk saved, not energy per inference`,
    };
  if (runtime === 'pytorch') {
    const gpu = facts.device?.startsWith('cuda') ?? false;
    if (mode === 'fp16')
      return gpu
        ? {
            changesArithmetic: true,
            saves: ['disk', 'memory', 'arithmetic'],
            note: 'fp16 weights and arithmetic on the GPU (tensor cores)',
          }
        : {
            changesArithmetic: false,
            saves: ['disk', 'memory'],
            note: 'fp16 on a CPU: weights half the size, but x86 CPUs without fp16 units compute in fp32 (or slower): no energy saving expected',
          };
    if (gpu)
      return {
        changesArithmetic: false,
        saves: ['disk', 'memory'],
        note: "PyTorch's int8 dynamic quantization runs on the CPU only (fbgemm, qnnpack), not on CUDA",
      };
    if (!facts.int8Engine || facts.int8Engine === 'none')
      return {
        changesArithmetic: false,
        saves: ['disk'],
        note: 'no int8 engine in this PyTorch (torch.backends.quantized): int8 kernels cannot run',
      };
    return {
      changesArithmetic: true,
      saves: ['disk', 'memory', 'arithmetic'],
      note: `int8 matrix products of the Linear layers (PyTorch ${facts.int8Engine}${mode === 'dynamic-int8' ? ', activations quantized on the fly' : ', calibrated activation ranges'}); embeddings, attention projections inside nn.MultiheadAttention and the rest stay fp32`,
    };
  }
  if (runtime === 'onnxruntime')
    return mode === 'fp16'
      ? {
          changesArithmetic: null,
          saves: ['disk', 'memory'],
          note: 'fp16 ONNX on the CPU execution provider: weights half the size, arithmetic mostly fp32 (casts)',
        }
      : {
          changesArithmetic: true,
          saves: ['disk', 'memory', 'arithmetic'],
          note: 'int8 ONNX (MatMulInteger / QLinear operators) executed in int8 by ONNX Runtime',
        };
  return {
    changesArithmetic: null,
    saves: ['disk'],
    note: 'run by your own command: kdbench cannot tell whether its runtime executes the compressed arithmetic; the measured energy says',
  };
}

/** A chain's verdict: it changes the arithmetic if any step does; unknown if none does and one is unknown. */
export function chainVerdict(verdicts: HonestCompute[]): HonestCompute {
  const changes = verdicts.some((v) => v.changesArithmetic === true)
    ? true
    : verdicts.some((v) => v.changesArithmetic === null)
      ? null
      : false;
  const saves = [...new Set(verdicts.flatMap((v) => v.saves))];
  return { changesArithmetic: changes, saves, note: verdicts.map((v) => v.note).join('; then ') };
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10} %`;
}

function runtimeName(r: CompressionRuntime): string {
  return { pytorch: 'PyTorch', tfjs: 'TensorFlow.js', onnxruntime: 'ONNX Runtime', command: 'the runtime' }[r];
}
