/** What the steps of a retrieval suite share (retrieval-steps.ts, retrieval-bench.ts, hf-onnx-encoder.ts). */
import type { ModelRecord } from '../../core/contract.js';
import type { PreparedRetrieval } from '../../distillation/data/retrieval.js';
import type { DataShape } from '../../distillation/models/build.js';
import type { TextClassifier } from '../../distillation/models/types.js';
import { encodeTexts } from '../../distillation/retrieval/train.js';
import type { RetrievalDistillation } from '../../distillation/retrieval/loss.js';

export type RetrievalSide = 'queries' | 'docs';

/** The parts of a model's run.json record that depend on its kind. */
export type RetrievalModelFacts = Pick<ModelRecord, 'kind' | 'params' | 'architecture'> &
  Partial<Pick<ModelRecord, 'sizeBytes' | 'reusedFrom' | 'runtime'>>;

/**
 * A bi-encoder of this run: a TensorFlow.js model trained here (`tfjs`), or an hf-onnx sentence encoder
 * loaded from its folder (hf-onnx-encoder.ts). Both give the embeddings of any range of pairs of a split.
 */
export interface RetrievalModel {
  name: string;
  role: ModelRecord['role'];
  pairedWith?: string;
  method?: RetrievalDistillation;
  training: ModelRecord['training'];
  /** Width of its embeddings. */
  dim: number;
  /** Batch size of its evaluation on the test split (default 128; an hf-onnx model's evalBatchSize). */
  evalBatchSize?: number;
  /** Embeddings [end - start, dim] of pairs start..end-1 of a split (queries or documents), in batches of batchSize. */
  encode(split: 'train' | 'test', side: RetrievalSide, start: number, end: number, batchSize: number): Promise<Float32Array>;
  /**
   * Does beforehand what encode of the test split in batches of batchSize needs besides the model (an hf-onnx
   * model's tokenizer), so that a measured phase holds the model's work only, as the TensorFlow.js models' token ids are made in data-preparation.
   */
  prepare?(side: RetrievalSide, batchSize: number): void;
  facts(): RetrievalModelFacts;
  /** The TensorFlow.js model, where it is one. */
  tfjs?: TextClassifier;
}

export interface RetrievalData {
  data: PreparedRetrieval;
  shape: DataShape;
  embeddingDim: number;
}

/** A TensorFlow.js bi-encoder trained in this run, as a RetrievalModel (its embeddings L2-normalised). */
export function tfjsRetrievalModel(
  model: TextClassifier,
  d: RetrievalData,
  m: Pick<RetrievalModel, 'role' | 'training' | 'pairedWith' | 'method'>,
): RetrievalModel {
  return {
    ...m,
    name: model.name,
    dim: d.embeddingDim,
    tfjs: model,
    encode(split, side, start, end, batchSize) {
      const set = d.data[split];
      const len = side === 'queries' ? set.querySeqLen : set.docSeqLen;
      const ids = side === 'queries' ? set.queries : set.docs;
      return encodeTexts(model, ids.subarray(start * len, end * len), end - start, len, batchSize);
    },
    facts: () => ({
      kind: model.kind,
      params: model.paramCount(),
      architecture: {
        ...model.architecture,
        embeddingDim: d.embeddingDim,
        pooling: 'masked mean, linear projection',
        ...(m.method ? { distillation: m.method } : {}),
      },
    }),
  };
}
