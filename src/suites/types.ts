import type { TrainConfig } from '../distillation/train.js';
import type { DistillationLossConfig } from '../distillation/loss.js';

export interface DatasetSpec {
  name: 'spam-assassin';
  testFraction: number;
  maxExamples?: number;
  vocabSize: number;
  seqLen: number;
}

export type ModelSpec =
  | { name: string; kind: 'transformer'; dModel: number; heads: number; layers: number; ffDim: number; train: TrainConfig }
  | { name: string; kind: 'embedding-bag'; dModel: number; hidden: number; train: TrainConfig };

export interface Suite {
  name: string;
  description?: string;
  seed: number;
  dataset: DatasetSpec;
  teacher: ModelSpec;
  students: ModelSpec[];
  distillation: DistillationLossConfig;
  inference: { batchSizes: number[]; timeMs: number };
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
