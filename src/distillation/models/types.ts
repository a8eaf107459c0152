import type { tf } from '../backend.js';

/** A text classifier: token ids [batch, seqLen] (0 = padding) to class logits [batch, classes]. */
export interface TextClassifier {
  readonly name: string;
  readonly kind: string;
  /** Architecture, as recorded in run.json. */
  readonly architecture: Record<string, unknown>;
  readonly variables: tf.Variable[];
  /** Forward pass; call inside tf.tidy. */
  logits(ids: tf.Tensor2D): tf.Tensor2D;
  paramCount(): number;
  dispose(): void;
}

/** A model a suite asks to train (its `teacher` or `students` entries). */
export type TrainableSpec =
  | {
      name: string;
      kind: 'transformer';
      dModel: number;
      heads: number;
      layers: number;
      ffDim: number;
      train: TrainConfig;
      /**
       * "teacher-layers" (a student only; DistilBERT, Sanh et al. 2019): same width as the teacher, its
       * embeddings, final norm and head copied, and student layer i copied from teacher layer i x (teacher
       * layers / student layers), one layer out of two for half the layers. Default: random ("scratch").
       */
      init?: 'scratch' | 'teacher-layers';
      /**
       * Controls trained beside the distilled student, without the teacher's outputs: "scratch" (same
       * architecture, random initialisation) and, for init "teacher-layers", "teacher-init" (same
       * teacher-layer initialisation, labels only). Default ["scratch"].
       */
      controls?: ControlKind[];
      /**
       * Self-supervised pretraining of the encoder on the training split's text (labelled and unlabelled,
       * labels unread) before the supervised training (the teacher only; distillation/pretrain/).
       */
      pretrain?: PretrainConfig;
    }
  | { name: string; kind: 'embedding-bag'; dModel: number; hidden: number; train: TrainConfig }
  | { name: string; kind: 'bilstm'; dModel: number; hidden: number; train: TrainConfig };

/** What a control keeps of its student: nothing of the teacher ("scratch") or the teacher-layer initialisation. */
export type ControlKind = 'scratch' | 'teacher-init';

/** How a model is trained: epochs over the training split, batch size, Adam's learning rate. */
export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
}

/** A transformer teacher's pretraining, as a suite asks for it (teacher.pretrain). */
export interface PretrainConfig extends TrainConfig {
  /** "next-span": a text's first seqLen tokens against the seqLen that follow (next-span.ts). */
  method: 'next-span';
  /** Share of tokens replaced by <unk> in each view (default 0.15). */
  maskProb?: number;
  /** Cosine scores times this before the softmax over the batch (default 20, as Sentence-BERT). */
  scale?: number;
  /** Width of the pretraining embedding (default: the model's dModel). */
  embeddingDim?: number;
}
