import { tf } from '../backend.js';
import { ParamFactory, countParams } from './params.js';
import { dense, layerNorm, maskedMean, tokenMask } from './layers.js';
import type { TextClassifier } from './types.js';
import { activeKernels, kernelThreads } from '../kernels/runtime.js';
import { TransformerEngine, engineSupports, type TransformerWeights, type WeightSource } from '../kernels/transformer-engine.js';
import { tensorFrom, valuesOf } from '../kernels/tensor-io.js';

export interface TransformerConfig {
  vocabSize: number;
  seqLen: number;
  classes: number;
  dModel: number;
  heads: number;
  layers: number;
  ffDim: number;
}

interface Block {
  ln1g: tf.Variable;
  ln1b: tf.Variable;
  wq: tf.Variable;
  wk: tf.Variable;
  wv: tf.Variable;
  wo: tf.Variable;
  bq: tf.Variable;
  bk: tf.Variable;
  bv: tf.Variable;
  bo: tf.Variable;
  ln2g: tf.Variable;
  ln2b: tf.Variable;
  w1: tf.Variable;
  b1: tf.Variable;
  w2: tf.Variable;
  b2: tf.Variable;
}

/**
 * A pre-norm transformer encoder classifier: token + learned position embeddings, N blocks of
 * multi-head self-attention (padding masked) and a GELU feed-forward, masked mean pooling, linear head.
 *
 * On the wasm and cpu backends the forward and backward passes run on kdbench's WebAssembly kernels
 * (kernels/transformer-engine.ts) as one TensorFlow.js op with its own gradient; elsewhere, or with
 * KDBENCH_KERNELS=off, on TensorFlow.js ops (referenceLogits). Both give the same logits and gradients
 * within float32 rounding (test/distillation/kernels-model.test.ts).
 */
export class TransformerClassifier implements TextClassifier {
  readonly kind = 'transformer';
  readonly variables: tf.Variable[];
  private readonly tokEmb: tf.Variable;
  private readonly posEmb: tf.Variable;
  private readonly blocks: Block[] = [];
  private readonly lnFg: tf.Variable;
  private readonly lnFb: tf.Variable;
  private readonly wOut: tf.Variable;
  private readonly bOut: tf.Variable;
  private engine?: TransformerEngine;
  private kernelOp?: (ids: tf.Tensor2D, ...weights: tf.Variable[]) => tf.Tensor2D;

  constructor(
    readonly name: string,
    readonly cfg: TransformerConfig,
    seed: number,
  ) {
    if (cfg.dModel % cfg.heads !== 0) throw new Error(`dModel ${cfg.dModel} is not divisible by heads ${cfg.heads}`);
    const p = new ParamFactory(seed, name);
    const d = cfg.dModel;
    this.tokEmb = p.normal('tok_emb', [cfg.vocabSize, d], 0.05);
    this.posEmb = p.normal('pos_emb', [cfg.seqLen, d], 0.02);
    for (let i = 0; i < cfg.layers; i++) {
      const n = (s: string) => `block${i}/${s}`;
      this.blocks.push({
        ln1g: p.ones(n('ln1_g'), [d]),
        ln1b: p.zeros(n('ln1_b'), [d]),
        wq: p.dense(n('wq'), d, d),
        wk: p.dense(n('wk'), d, d),
        wv: p.dense(n('wv'), d, d),
        wo: p.dense(n('wo'), d, d),
        bq: p.zeros(n('bq'), [d]),
        bk: p.zeros(n('bk'), [d]),
        bv: p.zeros(n('bv'), [d]),
        bo: p.zeros(n('bo'), [d]),
        ln2g: p.ones(n('ln2_g'), [d]),
        ln2b: p.zeros(n('ln2_b'), [d]),
        w1: p.dense(n('w1'), d, cfg.ffDim),
        b1: p.zeros(n('b1'), [cfg.ffDim]),
        w2: p.dense(n('w2'), cfg.ffDim, d),
        b2: p.zeros(n('b2'), [d]),
      });
    }
    this.lnFg = p.ones('lnf_g', [d]);
    this.lnFb = p.zeros('lnf_b', [d]);
    this.wOut = p.dense('out_w', d, cfg.classes);
    this.bOut = p.zeros('out_b', [cfg.classes]);
    this.variables = p.variables;
  }

  get architecture(): Record<string, unknown> {
    return { ...this.cfg };
  }

  private attention(x: tf.Tensor3D, blk: Block, maskBias: tf.Tensor): tf.Tensor3D {
    const [b, l, d] = x.shape;
    const h = this.cfg.heads;
    const dh = d / h;
    const split = (t: tf.Tensor) => t.reshape([b, l, h, dh]).transpose([0, 2, 1, 3]);
    const q = split(dense(x, blk.wq, blk.bq));
    const k = split(dense(x, blk.wk, blk.bk));
    const v = split(dense(x, blk.wv, blk.bv));
    const scores = tf
      .matMul(q, k, false, true)
      .mul(1 / Math.sqrt(dh))
      .add(maskBias);
    const ctx = tf.matMul(tf.softmax(scores), v).transpose([0, 2, 1, 3]).reshape([b, l, d]);
    return dense(ctx, blk.wo, blk.bo) as tf.Tensor3D;
  }

  logits(ids: tf.Tensor2D): tf.Tensor2D {
    const engine = this.kernelEngine();
    // An empty batch (no sequences or no tokens) takes the tfjs path, which returns an empty tensor.
    if (!engine || !this.kernelOp || ids.size === 0) return this.referenceLogits(ids);
    return this.kernelOp(ids, ...(engine.sources as VariableSource[]).map((s) => s.variable));
  }

  /** The engine on kdbench's kernels that runs this model, or undefined on the TensorFlow.js path. */
  get kernels(): TransformerEngine | undefined {
    return this.kernelEngine();
  }

  /** The engine on kdbench's kernels, when they are enabled and support this shape on this backend. */
  private kernelEngine(): TransformerEngine | undefined {
    const backend = tf.getBackend();
    if (backend !== 'wasm' && backend !== 'cpu') return undefined;
    const mem = activeKernels();
    if (!mem || !engineSupports(this.cfg)) return undefined;
    if (!this.engine) {
      const weights: TransformerWeights<VariableSource> = {
        tokEmb: source(this.tokEmb),
        posEmb: source(this.posEmb),
        blocks: this.blocks.map((b) => ({
          ln1g: source(b.ln1g),
          ln1b: source(b.ln1b),
          wq: source(b.wq),
          wk: source(b.wk),
          wv: source(b.wv),
          wo: source(b.wo),
          bq: source(b.bq),
          bk: source(b.bk),
          bv: source(b.bv),
          bo: source(b.bo),
          ln2g: source(b.ln2g),
          ln2b: source(b.ln2b),
          w1: source(b.w1),
          b1: source(b.b1),
          w2: source(b.w2),
          b2: source(b.b2),
        })),
        lnFg: source(this.lnFg),
        lnFb: source(this.lnFb),
        wOut: source(this.wOut),
        bOut: source(this.bOut),
      };
      const engine = new TransformerEngine(this.cfg, mem, kernelThreads, weights);
      const classes = this.cfg.classes;
      this.engine = engine;
      this.kernelOp = tf.customGrad((...inputs: unknown[]) => {
        const ids = inputs[0] as tf.Tensor2D;
        const weightTensors = inputs.slice(1, 1 + engine.sources.length) as tf.Tensor[];
        const [b, l] = ids.shape;
        const data = ids.dataSync();
        const idsData = data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>);
        const generation = () => engine.forwardGeneration;
        const out = engine.forward(idsData, b, l);
        const gen = generation();
        return {
          value: tf.tensor2d(out, [b, classes]),
          gradFunc: (dy: tf.Tensor) => {
            // Another forward pass ran in between (not the case inside optimizer.minimize): redo this one.
            const g = generation() === gen ? gen : (engine.forward(idsData, b, l), generation());
            const grads = engine.backward(valuesOf(dy), g);
            return [tf.zerosLike(ids), ...grads.map((v, i) => tensorFrom(v, weightTensors[i].shape))];
          },
        };
      }) as unknown as (ids: tf.Tensor2D, ...weights: tf.Variable[]) => tf.Tensor2D;
    }
    return this.engine;
  }

  /** The forward pass on TensorFlow.js ops (the reference for the kernels, and the path on other backends). */
  referenceLogits(ids: tf.Tensor2D): tf.Tensor2D {
    const [, l] = ids.shape;
    const mask = tokenMask(ids);
    // [batch, 1, 1, seqLen]: 0 for tokens, -1e9 for padding keys.
    const maskBias = mask.sub(1).mul(1e9).expandDims(1).expandDims(1);
    let x = tf.gather(this.tokEmb, ids).add(this.posEmb.slice([0, 0], [l, this.cfg.dModel])) as tf.Tensor3D;
    for (const blk of this.blocks) {
      x = x.add(this.attention(layerNorm(x, blk.ln1g, blk.ln1b) as tf.Tensor3D, blk, maskBias)) as tf.Tensor3D;
      const hdn = dense(layerNorm(x, blk.ln2g, blk.ln2b), blk.w1, blk.b1);
      x = x.add(dense(gelu(hdn), blk.w2, blk.b2)) as tf.Tensor3D;
    }
    const pooled = maskedMean(layerNorm(x, this.lnFg, this.lnFb) as tf.Tensor3D, mask);
    return dense(pooled, this.wOut, this.bOut) as tf.Tensor2D;
  }

  paramCount(): number {
    return countParams(this.variables);
  }

  dispose(): void {
    this.engine?.dispose();
    this.engine = undefined;
    for (const v of this.variables) v.dispose();
  }
}

interface VariableSource extends WeightSource {
  variable: tf.Variable;
}

/** A variable as the engine's weight source: its dataId changes when an optimizer or a load assigns new values. */
function source(v: tf.Variable): VariableSource {
  return { variable: v, shape: v.shape, version: () => v.dataId, values: () => valuesOf(v) };
}

/** GELU, tanh approximation (Hendrycks & Gimpel 2016). */
function gelu(x: tf.Tensor): tf.Tensor {
  const c = Math.sqrt(2 / Math.PI);
  return x.mul(0.5).mul(tf.tanh(x.add(x.pow(3).mul(0.044715)).mul(c)).add(1));
}
