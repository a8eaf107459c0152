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
