import { tf } from '../backend.js';
import { ParamFactory, countParams } from './params.js';
import { dense, maskedMean, tokenMask } from './layers.js';
import type { TextClassifier } from './types.js';

export interface EmbeddingBagConfig {
  vocabSize: number;
  seqLen: number;
  classes: number;
  dModel: number;
  /** Width of the hidden ReLU layer; 0 for none. */
  hidden: number;
}

/** Mean of word embeddings, an optional ReLU layer, a linear head (fastText-like): the cheapest student. */
export class EmbeddingBagClassifier implements TextClassifier {
  readonly kind = 'embedding-bag';
  readonly variables: tf.Variable[];
  private readonly emb: tf.Variable;
  private readonly w1?: tf.Variable;
  private readonly b1?: tf.Variable;
  private readonly wOut: tf.Variable;
  private readonly bOut: tf.Variable;

  constructor(
    readonly name: string,
    readonly cfg: EmbeddingBagConfig,
    seed: number,
  ) {
    const p = new ParamFactory(seed, name);
    this.emb = p.normal('emb', [cfg.vocabSize, cfg.dModel], 0.1);
    let width = cfg.dModel;
    if (cfg.hidden > 0) {
      this.w1 = p.dense('w1', cfg.dModel, cfg.hidden);
      this.b1 = p.zeros('b1', [cfg.hidden]);
      width = cfg.hidden;
    }
    this.wOut = p.dense('out_w', width, cfg.classes);
    this.bOut = p.zeros('out_b', [cfg.classes]);
    this.variables = p.variables;
  }

  get architecture(): Record<string, unknown> {
    return { ...this.cfg };
  }

  logits(ids: tf.Tensor2D): tf.Tensor2D {
    let x: tf.Tensor = maskedMean(tf.gather(this.emb, ids) as tf.Tensor3D, tokenMask(ids));
    if (this.w1 && this.b1) x = tf.relu(dense(x, this.w1, this.b1));
    return dense(x, this.wOut, this.bOut) as tf.Tensor2D;
  }

  paramCount(): number {
    return countParams(this.variables);
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
