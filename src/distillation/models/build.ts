import type { ModelSpec } from '../../suites/types.js';
import { TransformerClassifier } from './transformer.js';
import { EmbeddingBagClassifier } from './embedding-bag.js';
import type { TextClassifier } from './types.js';

/** Builds a model from its suite description; the same spec and seed give the same initial weights. */
export function buildModel(spec: ModelSpec, name: string, data: { vocabSize: number; seqLen: number; classes: number }, seed: number): TextClassifier {
  switch (spec.kind) {
    case 'transformer':
      return new TransformerClassifier(name, { ...data, dModel: spec.dModel, heads: spec.heads, layers: spec.layers, ffDim: spec.ffDim }, seed);
    case 'embedding-bag':
      return new EmbeddingBagClassifier(name, { ...data, dModel: spec.dModel, hidden: spec.hidden }, seed);
  }
}
