/**
 * Checks of compression fields that a JSON schema cannot express: the model a method starts from exists
 * and comes earlier in the suite, each method has its settings, and the model's runtime can apply it.
 * Every message names the field (suite loading turns them into one UserError, exit code 2).
 */
import { PRUNING_STRUCTURES, QUANTIZATION_MODES, type CompressionSpec, type PruningSpec, type QuantizationSpec } from './types.js';

/** What validation needs of a suite model (suites/types.ts ModelSpec, structurally). */
export interface CompressibleModel {
  /** "teacher", "students[2]" */
  path: string;
  name: string;
  kind: string;
  compression?: CompressionSpec;
  /** hf-onnx: the ONNX file's precision. */
  dtype?: string;
  /** command: the step that makes the compressed model. */
  hasCompressStep?: boolean;
  hasDistilStep?: boolean;
}

const TFJS_KINDS = new Set(['transformer', 'embedding-bag', 'bilstm', 'saved']);
const INT8_DTYPES = new Set(['q8', 'int8', 'uint8']);
const METHODS = ['distillation', 'quantization', 'pruning', 'chain'];

export function compressionErrors(models: readonly CompressibleModel[]): string[] {
  const errors: string[] = [];
  models.forEach((m, i) => {
    const c = m.compression;
    if (!c) return;
    const f = `${m.path}.compression`;
    if (i === 0 || m.path === 'teacher') {
      errors.push(`field "${f}": the teacher is the baseline every method starts from; give compression to a student`);
      return;
    }
    if (!METHODS.includes(c.method)) {
      errors.push(`field "${f}.method": unknown method ${JSON.stringify(c.method)}; one of: ${METHODS.join(', ')}`);
      return;
    }
    const base = models.findIndex((x) => x.name === c.from);
    if (base < 0) errors.push(`field "${f}.from": no model "${c.from}" in this suite (models: ${models.map((x) => x.name).join(', ')})`);
    else if (base === i) errors.push(`field "${f}.from": "${c.from}" is this model itself`);
    else if (base > i)
      errors.push(
        `field "${f}.from": "${c.from}" (${models[base].path}) comes after this model; a model is made from one listed before it`,
      );
    if (c.method === 'distillation' && base >= 0 && base !== 0)
      errors.push(`field "${f}.from": distillation learns from the teacher ("${models[0].name}"), not from "${c.from}"`);
    for (const e of settingsErrors(f, c.method, c)) errors.push(e);
    if (c.method === 'chain') {
      if (!c.chain || c.chain.length === 0) errors.push(`field "${f}.chain": method "chain" needs a list of steps (quantization, pruning)`);
      else
        c.chain.forEach((st, j) => {
          if (st.method !== 'quantization' && st.method !== 'pruning')
            errors.push(`field "${f}.chain[${j}].method": unknown chain step ${JSON.stringify(st.method)}; one of: quantization, pruning`);
          else for (const e of settingsErrors(`${f}.chain[${j}]`, st.method, st)) errors.push(e);
        });
    }
    for (const e of runtimeErrors(m, f, base >= 0 ? models[base] : undefined)) errors.push(e);
  });
  return errors;
}

function settingsErrors(f: string, method: string, s: { quantization?: QuantizationSpec; pruning?: PruningSpec }): string[] {
  const out: string[] = [];
  if (method === 'quantization') {
    if (!s.quantization)
      out.push(`field "${f}.quantization" is required for method "quantization" (mode: ${QUANTIZATION_MODES.join(', ')})`);
    else if (!QUANTIZATION_MODES.includes(s.quantization.mode))
      out.push(`field "${f}.quantization.mode": ${JSON.stringify(s.quantization.mode)} is not one of: ${QUANTIZATION_MODES.join(', ')}`);
  }
  if (method === 'pruning') {
    if (!s.pruning) out.push(`field "${f}.pruning" is required for method "pruning" (sparsity in (0, 1))`);
    else {
      const sp = s.pruning.sparsity;
      if (!(typeof sp === 'number' && sp > 0 && sp < 1))
        out.push(`field "${f}.pruning.sparsity": ${JSON.stringify(sp)} is not in (0, 1) (0.5 removes half)`);
      if (s.pruning.structure !== undefined && !PRUNING_STRUCTURES.includes(s.pruning.structure))
        out.push(`field "${f}.pruning.structure": ${JSON.stringify(s.pruning.structure)} is not one of: ${PRUNING_STRUCTURES.join(', ')}`);
    }
  }
  if (method !== 'quantization' && s.quantization) out.push(`field "${f}.quantization" belongs to method "quantization", not "${method}"`);
  if (method !== 'pruning' && s.pruning) out.push(`field "${f}.pruning" belongs to method "pruning", not "${method}"`);
  return out;
}

/** Can the model's runtime apply the method? */
function runtimeErrors(m: CompressibleModel, f: string, base: CompressibleModel | undefined): string[] {
  const c = m.compression!;
  const steps = c.method === 'chain' ? (c.chain ?? []) : [c];
  if (TFJS_KINDS.has(m.kind)) {
    if (c.method === 'distillation') return [];
    return [
      `field "${f}.method": kdbench does not ${c.method === 'pruning' ? 'prune' : c.method === 'quantization' ? 'quantize' : 'compress'} TensorFlow.js models ("${m.kind}") in a run: tfjs would dequantize int8 weights to fp32 and run zeros densely, so the model would cost the same energy per inference; use a command model that runs the method for real (examples/pytorch-distil: PyTorch dynamic int8 and pruning)`,
    ];
  }
  if (m.kind === 'hf-onnx') {
    const out: string[] = [];
    for (const st of steps) {
      if (st.method === 'pruning')
        out.push(`field "${f}": kdbench cannot prune an hf-onnx model (ONNX Runtime loads it as exported); prune before the export`);
      if (st.method === 'quantization') {
        const mode = st.quantization?.mode;
        const dtype = m.dtype ?? 'fp32';
        if (mode === 'fp16' ? dtype !== 'fp16' : !INT8_DTYPES.has(dtype))
          out.push(
            `field "${m.path}.dtype": quantization "${mode}" of an hf-onnx model is the ONNX file Optimum's quantizer wrote (dtype ${mode === 'fp16' ? '"fp16"' : '"q8", "int8" or "uint8"'}); "${dtype}" is not quantized, and kdbench cannot quantize ONNX at run time`,
          );
      }
    }
    return out;
  }
  if (m.kind === 'command') {
    if (c.method === 'distillation')
      return m.hasDistilStep ? [] : [`field "${m.path}.distil" is required for compression.method "distillation"`];
    const out: string[] = [];
    if (!m.hasCompressStep)
      out.push(`field "${m.path}.compress" is required for compression.method "${c.method}": the command that makes the compressed model`);
    if (m.hasDistilStep) out.push(`field "${m.path}.distil": a compressed model is made by "compress" from "${c.from}", not distilled`);
    if (base && base.kind !== 'command')
      out.push(
        `field "${f}.from": "${base.name}" is a ${base.kind} model; a command's "compress" step loads its base model from KDBENCH_BASE_DIR, so the base must be a command model`,
      );
    return out;
  }
  return [`field "${f}": a model of kind "${m.kind}" cannot be compressed`];
}
