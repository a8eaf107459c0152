/**
 * The transformer classifier's forward and backward passes on the WebAssembly kernels: the same
 * arithmetic as TransformerClassifier's TensorFlow.js ops (pre-norm blocks, padding-masked attention,
 * tanh GELU, masked mean pooling), in ~30 kernel calls per pass instead of ~1,400 tfjs kernels.
 *
 * Weights are copied from the tfjs variables into one packed buffer when a variable's data changes
 * (an optimizer step assigns new data), with wq|wk|wv side by side as one [d, 3d] matrix. A batch is
 * cut into two chunks of sequences; each chunk's forward and backward pass is a program (program.ts)
 * that the main thread or the worker thread runs (threads.ts); the chunks' weight gradients are added
 * in a fixed order, so the result does not depend on the number of threads.
 */
import type { KernelMemory } from './module.js';
import { ProgramBuilder, runProgram, type KernelProfile } from './program.js';
import type { KernelThreads } from './threads.js';

export interface TransformerShape {
  vocabSize: number;
  seqLen: number;
  classes: number;
  dModel: number;
  heads: number;
  layers: number;
  ffDim: number;
}

/** A float32 source for one weight: its current data and an identity that changes when the data does. */
export interface WeightSource {
  shape: readonly number[];
  /** Changes whenever the values change (a tfjs Variable's dataId). */
  version(): unknown;
  /** The current values (a view that is read at once, before any other TensorFlow.js call). */
  values(): Float32Array;
}

export interface BlockWeights<W> {
  ln1g: W;
  ln1b: W;
  wq: W;
  wk: W;
  wv: W;
  wo: W;
  bq: W;
  bk: W;
  bv: W;
  bo: W;
  ln2g: W;
  ln2b: W;
  w1: W;
  b1: W;
  w2: W;
  b2: W;
}

export interface TransformerWeights<W> {
  tokEmb: W;
  posEmb: W;
  blocks: BlockWeights<W>[];
  lnFg: W;
  lnFb: W;
  wOut: W;
  bOut: W;
}

/** Number of chunks a batch is cut into (fixed: results do not depend on the threads that run them). */
export const CHUNKS = 2;
const LN_EPS = 1e-5;
const MASK_BIAS = -1e9;
/** Below this many tokens in a batch, waking the worker costs more than it saves: one thread runs both chunks. */
const PARALLEL_MIN_TOKENS = 256;

/** Where one weight lives in the packed buffer: rows x cols at `offset` (floats), row stride `ld`. */
interface Slot {
  offset: number;
  rows: number;
  cols: number;
  ld: number;
}

interface BlockSlots {
  ln1g: number;
  ln1b: number;
  wqkv: number;
  bqkv: number;
  wo: number;
  bo: number;
  ln2g: number;
  ln2b: number;
  w1: number;
  b1: number;
  w2: number;
  b2: number;
  /** Transposed copies (in the same buffer, refreshed with the weights). */
  wqkvT: number;
  woT: number;
  w1T: number;
  w2T: number;
}

/** Can the kernels run this architecture? (widths that are multiples of 4, heads dividing the width.) */
export function engineSupports(cfg: TransformerShape): boolean {
  return cfg.dModel % 4 === 0 && cfg.dModel % cfg.heads === 0 && cfg.layers >= 1 && cfg.ffDim >= 1 && cfg.classes >= 1;
}

interface Chunk {
  s0: number;
  S: number;
  /** Byte offsets of the activations and gradients of this chunk. */
  act: Record<string, number>;
  grads: number;
  forward: number;
  backward: number;
}

interface Plan {
  B: number;
  L: number;
  /** The block of buffers (bytes at base) and the block of encoded programs. */
  bytes: number;
  base: number;
  programBase: number;
  programBytes: number;
  ids: number;
  mask: number;
  keyBias: number;
  logits: number;
  dlogits: number;
  chunks: Chunk[];
}

export class TransformerEngine {
  private readonly d: number;
  private readonly f: number;
  private readonly dh: number;
  private readonly slots: {
    tok: number;
    pos: number;
    blocks: BlockSlots[];
    lnfg: number;
    lnfb: number;
    wout: number;
    bout: number;
    woutT: number;
  };
  /** Floats in the packed parameter buffer (the gradient buffers have the same layout, without the transposes). */
  private readonly paramFloats: number;
  private readonly packedFloats: number;
  private readonly weights: number;
  /** The summed gradients, unpacked: each weight's gradient contiguous, in the order of `sources`. */
  private readonly gradStage: number;
  private readonly weightSlots: { src: WeightSource; slot: Slot }[];
  private readonly versions: unknown[];
  private plan?: Plan;
  private readonly plans = new Map<string, Plan>();
  private generation = 0;
  private disposed = false;
  /** When set, passes run on one thread and add the time of each kernel here (benchmarks). */
  profile?: KernelProfile;

  constructor(
    readonly cfg: TransformerShape,
    private readonly mem: KernelMemory,
    private readonly threads: () => KernelThreads | undefined,
    weights: TransformerWeights<WeightSource>,
  ) {
    if (!engineSupports(cfg)) throw new Error(`transformer engine: unsupported shape ${JSON.stringify(cfg)}`);
    const d = (this.d = cfg.dModel);
    const f = (this.f = cfg.ffDim);
    this.dh = d / cfg.heads;
    let o = 0;
    const take = (n: number) => {
      const at = o;
      o += Math.ceil(n / 4) * 4;
      return at;
    };
    const tok = take(cfg.vocabSize * d);
    const pos = take(cfg.seqLen * d);
    const blocks: BlockSlots[] = [];
    for (let l = 0; l < cfg.layers; l++)
      blocks.push({
        ln1g: take(d),
        ln1b: take(d),
        wqkv: take(d * 3 * d),
        bqkv: take(3 * d),
        wo: take(d * d),
        bo: take(d),
        ln2g: take(d),
        ln2b: take(d),
        w1: take(d * f),
        b1: take(f),
        w2: take(f * d),
        b2: take(d),
        wqkvT: 0,
        woT: 0,
        w1T: 0,
        w2T: 0,
      });
    const lnfg = take(d);
    const lnfb = take(d);
    const wout = take(d * cfg.classes);
    const bout = take(cfg.classes);
    this.paramFloats = o;
    for (const b of blocks) {
      b.wqkvT = take(3 * d * d);
      b.woT = take(d * d);
      b.w1T = take(f * d);
      b.w2T = take(d * f);
    }
    const woutT = take(cfg.classes * d);
    this.packedFloats = o;
    this.slots = { tok, pos, blocks, lnfg, lnfb, wout, bout, woutT };
    this.weights = mem.alloc(this.packedFloats * 4);
    this.gradStage = mem.alloc(this.paramFloats * 4);

    const vec = (offset: number, n: number): Slot => ({ offset, rows: 1, cols: n, ld: n });
    const mat = (offset: number, rows: number, cols: number, ld = cols): Slot => ({ offset, rows, cols, ld });
    const ws: { src: WeightSource; slot: Slot }[] = [];
    const add = (src: WeightSource, slot: Slot) => {
      const n = src.shape.reduce((a, v) => a * v, 1);
      if (n !== slot.rows * slot.cols)
        throw new Error(`transformer engine: weight of shape [${src.shape}] does not fit ${slot.rows}x${slot.cols}`);
      ws.push({ src, slot });
    };
    add(weights.tokEmb, mat(tok, cfg.vocabSize, d));
    add(weights.posEmb, mat(pos, cfg.seqLen, d));
    weights.blocks.forEach((w, l) => {
      const s = blocks[l];
      add(w.ln1g, vec(s.ln1g, d));
      add(w.ln1b, vec(s.ln1b, d));
      add(w.wq, mat(s.wqkv, d, d, 3 * d));
      add(w.wk, mat(s.wqkv + d, d, d, 3 * d));
      add(w.wv, mat(s.wqkv + 2 * d, d, d, 3 * d));
      add(w.bq, vec(s.bqkv, d));
      add(w.bk, vec(s.bqkv + d, d));
      add(w.bv, vec(s.bqkv + 2 * d, d));
      add(w.wo, mat(s.wo, d, d));
      add(w.bo, vec(s.bo, d));
      add(w.ln2g, vec(s.ln2g, d));
      add(w.ln2b, vec(s.ln2b, d));
      add(w.w1, mat(s.w1, d, f));
      add(w.b1, vec(s.b1, f));
      add(w.w2, mat(s.w2, f, d));
      add(w.b2, vec(s.b2, d));
    });
    add(weights.lnFg, vec(lnfg, d));
    add(weights.lnFb, vec(lnfb, d));
    add(weights.wOut, mat(wout, d, cfg.classes));
    add(weights.bOut, vec(bout, cfg.classes));
    this.weightSlots = ws;
    this.versions = ws.map(() => undefined);
  }

  /** The weight sources, in the order backward() returns their gradients. */
  get sources(): WeightSource[] {
    return this.weightSlots.map((w) => w.src);
  }

  /** Copies weights whose data changed since the last call into the packed buffer; refreshes the transposes. */
  private syncWeights(): void {
    const F = this.mem.F32;
    const base = this.weights >> 2;
    let changed = false;
    this.weightSlots.forEach(({ src, slot }, i) => {
      const v = src.version();
      if (v === this.versions[i] && v !== undefined) return;
      const values = src.values();
      if (slot.ld === slot.cols) F.set(values, base + slot.offset);
      else for (let r = 0; r < slot.rows; r++) F.set(values.subarray(r * slot.cols, (r + 1) * slot.cols), base + slot.offset + r * slot.ld);
      this.versions[i] = v;
      changed = true;
    });
    if (!changed) return;
    const k = this.mem.k;
    const p = (o: number) => this.weights + o * 4;
    const { d, f } = this;
    for (const b of this.slots.blocks) {
      k.transpose(d, 3 * d, p(b.wqkv), 3 * d, p(b.wqkvT), d);
      k.transpose(d, d, p(b.wo), d, p(b.woT), d);
      k.transpose(d, f, p(b.w1), f, p(b.w1T), d);
      k.transpose(f, d, p(b.w2), d, p(b.w2T), f);
    }
    k.transpose(d, this.cfg.classes, p(this.slots.wout), this.cfg.classes, p(this.slots.woutT), d);
  }

  /** Builds (or reuses) the buffers and programs for a batch of B sequences of L tokens. */
  private planFor(B: number, L: number): Plan {
    const key = `${B}x${L}`;
    const cached = this.plans.get(key);
    if (cached) return cached;
    if (this.plans.size >= 4) {
      // Keep at most a few shapes (training batch, its last partial batch, inference batch sizes).
      const [oldKey, old] = this.plans.entries().next().value as [string, Plan];
      this.releasePlan(old);
      this.plans.delete(oldKey);
    }
    const plan = this.buildPlan(B, L);
    this.plans.set(key, plan);
    return plan;
  }

  private releasePlan(plan: Plan): void {
    this.mem.release(plan.base, plan.bytes);
    this.mem.release(plan.programBase, plan.programBytes);
  }

  /**
   * Logits [B, classes] of B sequences of L tokens (ids row-major, 0 = padding). Keeps the activations
   * for backward() until the next forward().
   */
  forward(ids: Int32Array, B: number, L: number): Float32Array {
    if (this.disposed) throw new Error('transformer engine: used after dispose()');
    if (ids.length !== B * L) throw new Error(`transformer engine: ${ids.length} ids for a batch of ${B} x ${L}`);
    if (L > this.cfg.seqLen) throw new Error(`transformer engine: sequences of ${L} tokens exceed the model's ${this.cfg.seqLen}`);
    if (B === 0 || L === 0) throw new Error(`transformer engine: empty batch ${B} x ${L}`);
    const V = this.cfg.vocabSize;
    for (let i = 0; i < ids.length; i++)
      if (ids[i] < 0 || ids[i] >= V || !Number.isInteger(ids[i]))
        throw new Error(`transformer engine: token id ${ids[i]} outside the vocabulary of ${V}`);
    this.syncWeights();
    const plan = this.planFor(B, L);
    const I = this.mem.I32;
    const F = this.mem.F32;
    I.set(ids, plan.ids >> 2);
    const m = plan.mask >> 2;
    const kb = plan.keyBias >> 2;
    for (let i = 0; i < ids.length; i++) {
      const tokenHere = ids[i] !== 0;
      F[m + i] = tokenHere ? 1 : 0;
      F[kb + i] = tokenHere ? 0 : MASK_BIAS;
    }
    this.run(plan, 'forward');
    this.plan = plan;
    this.generation++;
    return F.slice(plan.logits >> 2, (plan.logits >> 2) + B * this.cfg.classes);
  }

  /** A token that backward() checks, so that gradients are only taken of the latest forward(). */
  get forwardGeneration(): number {
    return this.generation;
  }

  /**
   * Gradients of every weight (views into the kernels' memory, valid until the next backward(), in
   * the order of `sources`) given dLoss/dLogits [B, classes] of the latest forward(), summed over the
   * batch's chunks in a fixed order.
   */
  backward(dlogits: Float32Array, generation = this.generation): Float32Array[] {
    const plan = this.plan;
    if (!plan || generation !== this.generation) throw new Error('transformer engine: backward() without its forward()');
    if (dlogits.length !== plan.B * this.cfg.classes)
      throw new Error(`transformer engine: ${dlogits.length} logit gradients for a batch of ${plan.B}`);
    this.syncWeightsUnchanged();
    this.mem.F32.set(dlogits, plan.dlogits >> 2);
    this.run(plan, 'backward');
    const k = this.mem.k;
    const used = plan.chunks.filter((c) => c.S > 0);
    for (let c = 1; c < used.length; c++) k.add_into(this.paramFloats, used[0].grads, used[c].grads);
    const F = this.mem.F32;
    const g0 = used[0].grads >> 2;
    let at = this.gradStage >> 2;
    return this.weightSlots.map(({ slot }) => {
      const n = slot.rows * slot.cols;
      const out = F.subarray(at, at + n);
      at += n;
      if (slot.ld === slot.cols) out.set(F.subarray(g0 + slot.offset, g0 + slot.offset + n));
      else
        for (let r = 0; r < slot.rows; r++)
          out.set(F.subarray(g0 + slot.offset + r * slot.ld, g0 + slot.offset + r * slot.ld + slot.cols), r * slot.cols);
      return out;
    });
  }

  /** The weights must not change between forward() and backward(): the activations were computed with them. */
  private syncWeightsUnchanged(): void {
    this.weightSlots.forEach(({ src }, i) => {
      if (src.version() !== this.versions[i]) throw new Error('transformer engine: weights changed between forward() and backward()');
    });
  }

  private run(plan: Plan, pass: 'forward' | 'backward'): void {
    const used = plan.chunks.filter((c) => c.S > 0);
    const a = used[0][pass];
    const b = used.length > 1 ? used[1][pass] : undefined;
    const threads = this.threads();
    if (threads && b !== undefined && plan.B * plan.L >= PARALLEL_MIN_TOKENS && !this.profile) threads.runPair(a, b);
    else {
      const { k, I32, F32 } = this.mem;
      runProgram(k, I32, F32, a, this.profile);
      if (b !== undefined) runProgram(k, I32, F32, b, this.profile);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.plans.values()) this.releasePlan(p);
    this.plans.clear();
    this.mem.release(this.weights, this.packedFloats * 4);
    this.mem.release(this.gradStage, this.paramFloats * 4);
  }

  private buildPlan(B: number, L: number): Plan {
    const { d, f, dh, cfg } = this;
    const H = cfg.heads;
    const layers = cfg.layers;
    const per = Math.ceil(B / CHUNKS);
    const chunkSizes = Array.from({ length: CHUNKS }, (_, c) => Math.max(0, Math.min(B, (c + 1) * per) - c * per));
    // Offsets in bytes from the block's start; every buffer rounded to 16 floats (64 bytes).
    let bytes = 0;
    const reserve = (floats: number) => {
      const at = bytes;
      bytes += Math.ceil(floats / 16) * 64;
      return at;
    };
    const ids = reserve(B * L);
    const mask = reserve(B * L);
    const keyBias = reserve(B * L);
    const logits = reserve(B * cfg.classes);
    const dlogits = reserve(B * cfg.classes);
    const chunkLayouts = chunkSizes.map((S) => {
      const T = S * L;
      const act: Record<string, number> = {};
      const r = (name: string, floats: number) => {
        act[name] = reserve(floats);
      };
      for (let l = 0; l <= layers; l++) r(`x${l}`, T * d);
      for (let l = 0; l < layers; l++) {
        r(`h1_${l}`, T * d);
        r(`xh1_${l}`, T * d);
        r(`rs1_${l}`, T);
        r(`qkv${l}`, T * 3 * d);
        r(`p${l}`, S * H * L * L);
        r(`ctx${l}`, T * d);
        r(`xm${l}`, T * d);
        r(`h2_${l}`, T * d);
        r(`xh2_${l}`, T * d);
        r(`rs2_${l}`, T);
        r(`u${l}`, T * f);
        r(`g${l}`, T * f);
      }
      r('hf', T * d);
      r('xhf', T * d);
      r('rsf', T);
      r('pool', S * d);
      r('dpool', S * d);
      r('dx', T * d);
      r('dh', T * d);
      r('dg', T * f);
      r('dctx', T * d);
      r('dqkv', T * 3 * d);
      r('scratch', L * dh + L * L);
      const grads = reserve(this.paramFloats);
      return { S, act, grads };
    });
    const base = this.mem.alloc(bytes);
    const at = (rel: number) => base + rel;
    const chunks: Chunk[] = [];
    const programs: ProgramBuilder[] = [];
    let s0 = 0;
    for (const layout of chunkLayouts) {
      const { S } = layout;
      const fwd = new ProgramBuilder();
      const bwd = new ProgramBuilder();
      if (S > 0)
        this.chunkPrograms(fwd, bwd, S, L, s0, (name) => at(layout.act[name]), at(layout.grads), {
          ids: at(ids),
          mask: at(mask),
          keyBias: at(keyBias),
          logits: at(logits),
          dlogits: at(dlogits),
        });
      chunks.push({ s0, S, act: layout.act, grads: at(layout.grads), forward: 0, backward: 0 });
      programs.push(fwd, bwd);
      s0 += S;
    }
    const programBytes = programs.reduce((acc, p) => acc + p.words() * 4, 0);
    const programBase = this.mem.alloc(programBytes);
    let pw = programBase;
    chunks.forEach((c, i) => {
      const [fwd, bwd] = [programs[2 * i], programs[2 * i + 1]];
      fwd.encode(this.mem, pw);
      c.forward = pw;
      pw += fwd.words() * 4;
      bwd.encode(this.mem, pw);
      c.backward = pw;
      pw += bwd.words() * 4;
    });
    return {
      B,
      L,
      bytes,
      base,
      programBase,
      programBytes,
      ids: at(ids),
      mask: at(mask),
      keyBias: at(keyBias),
      logits: at(logits),
      dlogits: at(dlogits),
      chunks,
    };
  }

  /** The forward and backward programs of the chunk of S sequences starting at sequence s0. */
  private chunkPrograms(
    fwd: ProgramBuilder,
    bwd: ProgramBuilder,
    S: number,
    L: number,
    s0: number,
    a: (name: string) => number,
    grads: number,
    io: { ids: number; mask: number; keyBias: number; logits: number; dlogits: number },
  ): void {
    const { d, f, dh, cfg } = this;
    const H = cfg.heads;
    const C = cfg.classes;
    const layers = cfg.layers;
    const T = S * L;
    const sl = this.slots;
    const w = (o: number) => this.weights + o * 4;
    const g = (o: number) => grads + o * 4;
    const idsC = io.ids + s0 * L * 4;
    const maskC = io.mask + s0 * L * 4;
    const kbC = io.keyBias + s0 * L * 4;
    const logC = io.logits + s0 * C * 4;
    const dlogC = io.dlogits + s0 * C * 4;
    const scale = 1 / Math.sqrt(dh);
    fwd.call('embed_fwd', S, L, d, idsC, w(sl.tok), w(sl.pos), a('x0'));
    for (let l = 0; l < layers; l++) {
      const b = sl.blocks[l];
      fwd
        .call('layernorm_fwd', T, d, a(`x${l}`), w(b.ln1g), w(b.ln1b), LN_EPS, a(`h1_${l}`), a(`xh1_${l}`), a(`rs1_${l}`))
        .call('gemm', T, 3 * d, d, a(`h1_${l}`), d, 1, w(b.wqkv), 3 * d, a(`qkv${l}`), 3 * d, w(b.bqkv), 0, 0)
        .call('attention_fwd', S, H, L, dh, a(`qkv${l}`), kbC, scale, a(`p${l}`), a(`ctx${l}`), a('scratch'))
        .call('gemm', T, d, d, a(`ctx${l}`), d, 1, w(b.wo), d, a(`xm${l}`), d, w(b.bo), a(`x${l}`), d)
        .call('layernorm_fwd', T, d, a(`xm${l}`), w(b.ln2g), w(b.ln2b), LN_EPS, a(`h2_${l}`), a(`xh2_${l}`), a(`rs2_${l}`))
        .call('gemm', T, f, d, a(`h2_${l}`), d, 1, w(b.w1), f, a(`u${l}`), f, w(b.b1), 0, 0)
        .call('gelu_fwd', T * f, a(`u${l}`), a(`g${l}`))
        .call('gemm', T, d, f, a(`g${l}`), f, 1, w(b.w2), d, a(`x${l + 1}`), d, w(b.b2), a(`xm${l}`), d);
    }
    fwd
      .call('layernorm_fwd', T, d, a(`x${layers}`), w(sl.lnfg), w(sl.lnfb), LN_EPS, a('hf'), a('xhf'), a('rsf'))
      .call('pool_fwd', S, L, d, a('hf'), maskC, a('pool'))
      .call('gemm', S, C, d, a('pool'), d, 1, w(sl.wout), C, logC, C, w(sl.bout), 0, 0);

    bwd
      .call('gemm', d, C, S, a('pool'), 1, d, dlogC, C, g(sl.wout), C, 0, 0, 0)
      .call('colsum', S, C, dlogC, C, g(sl.bout))
      .call('gemm', S, d, C, dlogC, C, 1, w(sl.woutT), d, a('dpool'), d, 0, 0, 0)
      .call('pool_bwd', S, L, d, a('dpool'), maskC, a('dh'))
      .call('layernorm_bwd', T, d, a('dh'), a('xhf'), a('rsf'), w(sl.lnfg), a('dx'), 0, g(sl.lnfg), g(sl.lnfb));
    for (let l = layers - 1; l >= 0; l--) {
      const b = sl.blocks[l];
      bwd
        .call('gemm', f, d, T, a(`g${l}`), 1, f, a('dx'), d, g(b.w2), d, 0, 0, 0)
        .call('colsum', T, d, a('dx'), d, g(b.b2))
        .call('gemm', T, f, d, a('dx'), d, 1, w(b.w2T), f, a('dg'), f, 0, 0, 0)
        .call('gelu_bwd', T * f, a(`u${l}`), a('dg'), a('dg'))
        .call('gemm', d, f, T, a(`h2_${l}`), 1, d, a('dg'), f, g(b.w1), f, 0, 0, 0)
        .call('colsum', T, f, a('dg'), f, g(b.b1))
        .call('gemm', T, d, f, a('dg'), f, 1, w(b.w1T), d, a('dh'), d, 0, 0, 0)
        .call('layernorm_bwd', T, d, a('dh'), a(`xh2_${l}`), a(`rs2_${l}`), w(b.ln2g), a('dx'), a('dx'), g(b.ln2g), g(b.ln2b))
        .call('gemm', d, d, T, a(`ctx${l}`), 1, d, a('dx'), d, g(b.wo), d, 0, 0, 0)
        .call('colsum', T, d, a('dx'), d, g(b.bo))
        .call('gemm', T, d, d, a('dx'), d, 1, w(b.woT), d, a('dctx'), d, 0, 0, 0)
        .call('attention_bwd', S, H, L, dh, a(`qkv${l}`), a(`p${l}`), a('dctx'), scale, a('dqkv'), a('scratch'))
        .call('gemm', d, 3 * d, T, a(`h1_${l}`), 1, d, a('dqkv'), 3 * d, g(b.wqkv), 3 * d, 0, 0, 0)
        .call('colsum', T, 3 * d, a('dqkv'), 3 * d, g(b.bqkv))
        .call('gemm', T, d, 3 * d, a('dqkv'), 3 * d, 1, w(b.wqkvT), d, a('dh'), d, 0, 0, 0)
        .call('layernorm_bwd', T, d, a('dh'), a(`xh1_${l}`), a(`rs1_${l}`), w(b.ln1g), a('dx'), a('dx'), g(b.ln1g), g(b.ln1b));
    }
    bwd
      .call('fill', cfg.vocabSize * d, g(sl.tok), 0)
      .call('fill', cfg.seqLen * d, g(sl.pos), 0)
      .call('embed_bwd', S, L, d, idsC, a('dx'), g(sl.tok), g(sl.pos));
  }
}
