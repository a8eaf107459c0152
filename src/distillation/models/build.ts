import type { TrainableSpec } from './types.js';
import { UserError } from '../../core/errors.js';
import { TransformerClassifier } from './transformer.js';
import { EmbeddingBagClassifier } from './embedding-bag.js';
import { BiLstmClassifier } from './bilstm.js';
import type { TextClassifier } from './types.js';

export const MODEL_KINDS = ['transformer', 'embedding-bag', 'bilstm'] as const;

export interface DataShape {
  vocabSize: number;
  seqLen: number;
  classes: number;
}

/** Builds a model from its suite description; the same spec and seed give the same initial weights. */
export function buildModel(spec: TrainableSpec, name: string, data: DataShape, seed: number): TextClassifier {
  switch (spec.kind) {
    case 'transformer':
      return new TransformerClassifier(
        name,
        { ...data, dModel: spec.dModel, heads: spec.heads, layers: spec.layers, ffDim: spec.ffDim },
        seed,
      );
    case 'embedding-bag':
      return new EmbeddingBagClassifier(name, { ...data, dModel: spec.dModel, hidden: spec.hidden }, seed);
    case 'bilstm':
      return new BiLstmClassifier(name, { ...data, dModel: spec.dModel, hidden: spec.hidden }, seed);
    default:
      throw new UserError(`model kind "${(spec as { kind: string }).kind}" is unknown; available: ${MODEL_KINDS.join(', ')}`);
  }
}

/** Rebuilds a model from a recorded kind and architecture (as saved in model.json); weights are assigned afterwards. */
export function buildFromArchitecture(kind: string, name: string, arch: Record<string, unknown>): TextClassifier {
  const num = (k: string): number => {
    const v = arch[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw new UserError(`saved model "${name}": architecture field "${k}" is missing or not a whole number`);
    return v;
  };
  const data = { vocabSize: num('vocabSize'), seqLen: num('seqLen'), classes: num('classes') };
  switch (kind) {
    case 'transformer':
      if (num('dModel') % Math.max(1, num('heads')) !== 0)
        throw new UserError(`saved model "${name}": heads ${num('heads')} do not divide dModel ${num('dModel')}`);
      return buildModel(
        { name, kind, dModel: num('dModel'), heads: num('heads'), layers: num('layers'), ffDim: num('ffDim'), train: NO_TRAIN },
        name,
        data,
        0,
      );
    case 'embedding-bag':
    case 'bilstm':
      return buildModel({ name, kind, dModel: num('dModel'), hidden: num('hidden'), train: NO_TRAIN }, name, data, 0);
    default:
      throw new UserError(`saved model "${name}": model kind "${kind}" is unknown; available: ${MODEL_KINDS.join(', ')}`);
  }
}

const NO_TRAIN = { epochs: 1, batchSize: 1, learningRate: 0.001 };
