import type { TrainConfig } from '../distillation/train.js';
import type { DistillationLossConfig } from '../distillation/loss.js';
import type { DatasetSpec } from '../distillation/data/types.js';
import type { TrainableSpec } from '../distillation/models/types.js';

export type { DatasetSpec, TrainableSpec };



/** A model saved by kdbench (model.json + weights.bin + vocab.json), used as it is instead of trained. */
export interface SavedSpec {
  name: string;
  kind: 'saved';
  /** Folder with model.json (or the model.json file); relative paths are relative to the suite file. */
  path: string;
}

export type ModelSpec = TrainableSpec | SavedSpec;

export interface Suite {
  name: string;
  description?: string;
  seed: number;
  dataset: DatasetSpec;
  teacher: ModelSpec;
  students: ModelSpec[];
  distillation: DistillationLossConfig;
  inference: { batchSizes: number[]; timeMs: number; repeats?: number };
  baseline?: { seconds?: number };
  quick?: {
    dataset?: Partial<Pick<DatasetSpec, 'maxExamples' | 'seqLen' | 'vocabSize'>>;
    teacherTrain?: Partial<TrainConfig>;
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
