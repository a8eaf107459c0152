/**
 * Compression methods of a suite's models: how a model was made from another one (its base), so the
 * report can set distillation, quantization, pruning and their chains side by side.
 */

export const COMPRESSION_METHODS = ['distillation', 'quantization', 'pruning', 'chain'] as const;
export type CompressionMethod = (typeof COMPRESSION_METHODS)[number];

export const QUANTIZATION_MODES = ['dynamic-int8', 'static-int8', 'fp16'] as const;
export type QuantizationMode = (typeof QUANTIZATION_MODES)[number];

export const PRUNING_STRUCTURES = ['unstructured', 'neurons', 'heads'] as const;
export type PruningStructure = (typeof PRUNING_STRUCTURES)[number];

export interface QuantizationSpec {
  /** dynamic-int8: int8 weights, activations quantized on the fly; static-int8: with a calibration set; fp16: half-precision weights. */
  mode: QuantizationMode;
  /** static-int8: training examples the calibration runs through (default 256). */
  calibrationExamples?: number;
}

export interface PruningSpec {
  /** Fraction of the weights (unstructured) or of the neurons / heads (structured) removed, in (0, 1). */
  sparsity: number;
  /** unstructured: the smallest weights set to 0; neurons / heads: whole feed-forward neurons or attention heads removed (default unstructured). */
  structure?: PruningStructure;
  /** Epochs of fine-tuning after pruning (default 0). */
  fineTuneEpochs?: number;
}

/** One step of a chain. */
export interface ChainStepSpec {
  method: 'quantization' | 'pruning';
  quantization?: QuantizationSpec;
  pruning?: PruningSpec;
}

/** The `compression` field of a suite model: what it is made from and how. */
export interface CompressionSpec {
  method: CompressionMethod;
  /** The model it is made from (its baseline): the teacher or another model of the suite. */
  from: string;
  quantization?: QuantizationSpec;
  pruning?: PruningSpec;
  /** method "chain": the steps applied in order to `from`. */
  chain?: ChainStepSpec[];
}

/** A runtime that executes a model (what decides whether a method changes the arithmetic). */
export type CompressionRuntime = 'pytorch' | 'tfjs' | 'onnxruntime' | 'command';
