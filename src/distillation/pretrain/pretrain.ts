/**
 * Contrastive pretraining of a transformer classifier's encoder (everything but its output layer) on
 * unlabelled text: a twin encoder of the same architecture whose output is an embedding of `embeddingDim`
 * learns, with in-batch negatives (distillation/retrieval/loss.ts), which spans come from the same text
 * (next-span.ts); its embeddings, blocks and final norm are then copied into the classifier, whose output
 * layer keeps its random initialisation for the supervised training that follows.
 */
import type { PretrainConfig, TextClassifier } from '../models/types.js';
import { buildModel, type DataShape } from '../models/build.js';
import { trainRetrieval } from '../retrieval/train.js';
import type { EncodedPairs } from '../data/retrieval.js';
import { UserError } from '../../core/errors.js';
export type { PretrainConfig } from '../models/types.js';

export interface PretrainResult {
  epochs: number;
  steps: number;
  finalLoss: number;
  lossByEpoch: number[];
  /** The classifier's variables that received pretrained values (all but the output layer). */
  copied: number;
}

const OUTPUT_LAYER = /^out_[wb]$/;

export async function pretrainEncoder(
  model: TextClassifier,
  spec: { kind: 'transformer'; dModel: number; heads: number; layers: number; ffDim: number },
  shape: DataShape,
  pairs: EncodedPairs,
  cfg: PretrainConfig,
  o: { seed: number; initSeed: number; onStep?: (step: number, total: number, loss: number) => void },
): Promise<PretrainResult> {
  if (model.kind !== 'transformer') throw new UserError(`pretraining needs a transformer, not "${model.kind}"`);
  const twinName = `${model.name}-pretraining`;
  const twin = buildModel(
    { name: twinName, ...spec, train: cfg },
    twinName,
    { ...shape, classes: cfg.embeddingDim ?? spec.dModel },
    o.initSeed,
  );
  try {
    const result = await trainRetrieval(twin, pairs, cfg, {
      seed: o.seed,
      loss: { scale: cfg.scale ?? 20, temperature: 1, softWeight: 0, hardWeight: 1 },
      ...(o.onStep ? { onStep: o.onStep } : {}),
    });
    const local = (m: TextClassifier, name: string) => name.slice(m.name.length + 1);
    const byName = new Map(twin.variables.map((v) => [local(twin, v.name), v]));
    let copied = 0;
    for (const v of model.variables) {
      const own = local(model, v.name);
      if (OUTPUT_LAYER.test(own)) continue;
      const from = byName.get(own);
      if (!from || from.shape.join() !== v.shape.join())
        throw new Error(`pretraining: no encoder weight "${own}" of shape [${v.shape.join(', ')}]`);
      v.assign(from);
      copied++;
    }
    return { epochs: result.epochs, steps: result.steps, finalLoss: result.finalLoss, lossByEpoch: result.lossByEpoch, copied };
  } finally {
    twin.dispose();
  }
}
