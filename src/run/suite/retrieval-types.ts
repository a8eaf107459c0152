/** What the steps of a retrieval suite share (retrieval-steps.ts, retrieval-bench.ts). */
import type { ModelRecord } from '../../core/contract.js';
import type { PreparedRetrieval } from '../../distillation/data/retrieval.js';
import type { DataShape } from '../../distillation/models/build.js';
import type { TextClassifier } from '../../distillation/models/types.js';
import type { RetrievalDistillation } from '../../distillation/retrieval/loss.js';

/** A trained bi-encoder of this run. */
export interface RetrievalModel {
  model: TextClassifier;
  role: ModelRecord['role'];
  pairedWith?: string;
  method?: RetrievalDistillation;
  training: ModelRecord['training'];
}

export interface RetrievalData {
  data: PreparedRetrieval;
  shape: DataShape;
  embeddingDim: number;
}
