import { tf } from '../backend.js';
import { ParamFactory, countParams } from './params.js';
import { dense, tokenMask } from './layers.js';
import type { TextClassifier } from './types.js';

export interface BiLstmConfig {
  vocabSize: number;
  seqLen: number;
  classes: number;
  /** Word embedding width. */
  dModel: number;
  /** LSTM units per direction. */
  hidden: number;
}

interface Direction {
  wx: tf.Variable;
  wh: tf.Variable;
  b: tf.Variable;
}

/**
 * One-layer bidirectional LSTM over word embeddings, the concatenated final states into a linear
 * head: the student of Tang et al. (2019), "Distilling Task-Specific Knowledge from BERT into
 * Simple Neural Networks". The cell is written with tf ops (gates i, f, g, o; forget bias 1);
 * padding steps keep the previous state, so the backward direction starts at the last real token.
 */
export class BiLstmClassifier implements TextClassifier {
  readonly kind = 'bilstm';
  readonly variables: tf.Variable[];
  private readonly emb: tf.Variable;
  private readonly fwd: Direction;
  private readonly bwd: Direction;
  private readonly wOut: tf.Variable;
  private readonly bOut: tf.Variable;

  constructor(
    readonly name: string,
    readonly cfg: BiLstmConfig,
    seed: number,
  ) {
    const p = new ParamFactory(seed, name);
    const h = cfg.hidden;
    this.emb = p.normal('emb', [cfg.vocabSize, cfg.dModel], 0.1);
    const direction = (d: string): Direction => {
      const wx = p.dense(`${d}/wx`, cfg.dModel, 4 * h);
      const wh = p.dense(`${d}/wh`, h, 4 * h);
      const bias = new Float32Array(4 * h);
      bias.fill(1, h, 2 * h); // forget gate
      const b = p.zeros(`${d}/b`, [4 * h]);
      b.assign(tf.tensor1d(bias));
      return { wx, wh, b };
    };
    this.fwd = direction('fwd');
    this.bwd = direction('bwd');
    this.wOut = p.dense('out_w', 2 * h, cfg.classes);
    this.bOut = p.zeros('out_b', [cfg.classes]);
    this.variables = p.variables;
  }

  get architecture(): Record<string, unknown> {
    return { ...this.cfg };
  }

  /** Runs one direction over precomputed input projections xs[t] [batch, 4h]; returns the final h. */
  private run(xs: tf.Tensor2D[], masks: tf.Tensor2D[], dir: Direction, order: number[]): tf.Tensor2D {
    const hDim = this.cfg.hidden;
    const batch = xs[0].shape[0];
    let h = tf.zeros([batch, hDim]) as tf.Tensor2D;
    let c = tf.zeros([batch, hDim]) as tf.Tensor2D;
    for (const t of order) {
      const z = xs[t].add(tf.matMul(h, dir.wh));
      const [i, f, g, o] = tf.split(z, 4, 1);
      const cNew = tf
        .sigmoid(f)
        .mul(c)
        .add(tf.sigmoid(i).mul(tf.tanh(g)));
      const hNew = tf.sigmoid(o).mul(tf.tanh(cNew));
      const m = masks[t];
      const keep = tf.scalar(1).sub(m);
      c = cNew.mul(m).add(c.mul(keep)) as tf.Tensor2D;
      h = hNew.mul(m).add(h.mul(keep)) as tf.Tensor2D;
    }
    return h;
  }

  logits(ids: tf.Tensor2D): tf.Tensor2D {
    const [b, l] = ids.shape;
    const x = tf.gather(this.emb, ids) as tf.Tensor3D;
    const masks = tf.unstack(tokenMask(ids).expandDims(2), 1) as tf.Tensor2D[];
    const steps = Array.from({ length: l }, (_, t) => t);
    const project = (dir: Direction) => tf.unstack(dense(x, dir.wx, dir.b).reshape([b, l, 4 * this.cfg.hidden]), 1) as tf.Tensor2D[];
    const hf = this.run(project(this.fwd), masks, this.fwd, steps);
    const hb = this.run(project(this.bwd), masks, this.bwd, steps.reverse());
    return dense(tf.concat([hf, hb], 1), this.wOut, this.bOut) as tf.Tensor2D;
  }

  paramCount(): number {
    return countParams(this.variables);
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
