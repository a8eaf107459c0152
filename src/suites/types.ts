import type { TrainConfig } from '../distillation/train.js';
import type { DistillationLossConfig } from '../distillation/loss.js';
import type { DatasetSpec } from '../distillation/data/types.js';
import type { TransferSetSpec } from '../distillation/transfer/transfer-set.js';
import type { TrainableSpec } from '../distillation/models/types.js';
import type { CompressionSpec } from '../compression/types.js';

export type { DatasetSpec, TrainableSpec };

/** A model saved by kdbench (model.json + weights.bin + vocab.json), used as it is instead of trained. */
export interface SavedSpec {
  name: string;
  kind: 'saved';
  /** Folder with model.json (or the model.json file); relative paths are relative to the suite file. */
  path: string;
}

/** One step of a command model: an argv run without a shell (argv[0] on PATH, or a path relative to the model's cwd). */
export interface CommandStepSpec {
  argv: string[];
  /** Time limit of this step, seconds (default: the model's timeoutS, else none). */
  timeoutS?: number;
  /** Environment of this step, on top of the model's. */
  env?: Record<string, string>;
}

export const COMMAND_STEPS = ['train', 'distil', 'control', 'evaluate', 'infer'] as const;
export type CommandStepName = (typeof COMMAND_STEPS)[number];

/**
 * A model trained, evaluated and run by the user's own commands (any framework). Each step runs as its
 * own measured phase and reports on stdout with `::kdbench result {...}::` lines
 * (suites/command-result.schema.json). A teacher has train, a student distil and control; both evaluate and infer.
 */
export interface CommandModelSpec extends Partial<Record<CommandStepName, CommandStepSpec>> {
  name: string;
  kind: 'command';
  /** Working directory of every step, relative to the suite file (default: the suite file's folder). */
  cwd?: string;
  env?: Record<string, string>;
  /** Time limit of each step, seconds (a step's own timeoutS wins). */
  timeoutS?: number;
  evaluate: CommandStepSpec;
  infer: CommandStepSpec;
  /** How this student is made from another model (compression/); the "compress" step makes it. */
  compression?: CompressionSpec;
  /** A compressed student: makes it from its base (KDBENCH_BASE_DIR) in phase compression:NAME. */
  compress?: CommandStepSpec;
}

/**
 * A text classifier in the Hugging Face layout (config.json, tokenizer.json, onnx/model.onnx), run with transformers.js;
 * in a retrieval suite, a sentence encoder in that layout (ownmodels/onnx/hf-encoder.ts).
 */
export interface HfOnnxSpec {
  name: string;
  kind: 'hf-onnx';
  /** The model folder, relative to the suite file. */
  path: string;
  /** The dataset class of each model output (output i is labels[i]); default: config.json id2label. */
  labels?: string[];
  /** Tokens per text (truncation; default 128). */
  maxLength?: number;
  /** onnxruntime execution provider (default cpu). */
  device?: 'cpu' | 'cuda';
  /** Which ONNX file (transformers.js naming): fp32 is onnx/model.onnx (default). */
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';
  /** Batch size of the evaluation on the test split (default 32). */
  evalBatchSize?: number;
  /** A quantized export of another model (dtype q8/int8/uint8 or fp16, made by Optimum's quantizer before the run). */
  compression?: CompressionSpec;
  /**
   * Retrieval suites only (a sentence encoder): how its token states (ONNX output last_hidden_state or
   * token_embeddings) become one embedding: "mean" over the attention mask (default) or "cls" (the first token).
   * An export with a sentence_embedding output pools itself.
   */
  pooling?: 'mean' | 'cls';
  /** Retrieval suites only: L2-normalise the embeddings, so that scores are cosines (default true); false scores by dot product. */
  normalize?: boolean;
}

export type ModelSpec = TrainableSpec | SavedSpec | CommandModelSpec | HfOnnxSpec;

/** A model's compression field, whatever its kind (the schema allows it on every kind; compression/validate.ts says which can apply it). */
export function compressionOf(m: ModelSpec): CompressionSpec | undefined {
  return (m as { compression?: CompressionSpec }).compression;
}

/** The models kdbench trains itself (TensorFlow.js). */
export function isTrainable(m: ModelSpec): m is TrainableSpec {
  return m.kind !== 'saved' && m.kind !== 'command' && m.kind !== 'hf-onnx';
}

/** The models kdbench runs in TensorFlow.js (trained or saved): they take kdbench's own token ids. */
export function isTfjs(m: ModelSpec): m is TrainableSpec | SavedSpec {
  return m.kind !== 'command' && m.kind !== 'hf-onnx';
}

/** A retrieval suite's settings (`task: retrieval`). */
export interface RetrievalSpec {
  /** Tokens per query (documents take dataset.seqLen). */
  querySeqLen: number;
  /** Width of every model's embedding. */
  embeddingDim: number;
  /** Cosine scores x scale in the in-batch softmax (default 20). */
  scale?: number;
  /** Distillation methods, one student each (default ["mse", "kl"]). */
  distillation?: ('mse' | 'kl')[];
  /** Metrics the report leads with (default recall@10, mrr@10, ndcg@10, recall@1). */
  metrics?: string[];
  queryBatchSize?: number;
  indexBatchSize?: number;
}

export interface Suite {
  name: string;
  description?: string;
  seed: number;
  dataset: DatasetSpec;
  teacher: ModelSpec;
  students: ModelSpec[];
  distillation: DistillationLossConfig & {
    /** Tang et al. (2019): unlabelled examples made from the pool that the teacher labels (transfer/transfer-set.ts). */
    transferSet?: TransferSetSpec;
  };
  /**
   * Training seeds of every trainable student and control (default 1): repeats 2..N are trained
   * and evaluated (phases seed-training:NAME:sK, outside the break-even), so that the accuracy
   * interval against a control includes training variance. The teacher is trained once.
   */
  trainSeeds?: number;
  inference: { batchSizes: number[]; timeMs: number; repeats?: number };
  baseline?: { seconds?: number };
  /** What the models learn (default classification). */
  task?: 'classification' | 'retrieval';
  retrieval?: RetrievalSpec;
  quick?: {
    dataset?: Partial<Pick<DatasetSpec, 'maxExamples' | 'seqLen' | 'vocabSize' | 'labelled'>>;
    /** Synthetic examples of the transfer set in a --quick run. */
    transferSize?: number;
    trainSeeds?: number;
    teacherTrain?: Partial<TrainConfig>;
    /** The teacher's pretraining (teacher.pretrain) in a --quick run. */
    teacherPretrain?: Partial<TrainConfig>;
    studentTrain?: Partial<TrainConfig>;
    inference?: Partial<Suite['inference']>;
    baseline?: { seconds?: number };
  };
}

/** A suite file, loaded and validated. */
export interface LoadedSuite {
  suite: Suite;
  file: string;
  /** sha256 of the file's bytes. */
  sha256: string;
}
