/**
 * The transfer set of task-specific distillation (Tang et al. 2019, "Distilling task-specific knowledge
 * from BERT into simple neural networks", section 3.2): unlabelled examples the teacher labels, made
 * from the unlabelled pool (and the labelled examples' text, never their labels) by
 *   - masking: each token, with probability maskProb, becomes the unknown token (Tang's [MASK]; our
 *     vocabulary's <unk> plays that role);
 *   - POS-guided replacement: otherwise, with probability posProb, a token becomes another word of
 *     the same part of speech (Brown corpus tags, pos-table.ts), drawn by frequency within the tag;
 *   - n-gram sampling: with probability ngramProb, the example is cut to a random window of n tokens,
 *     n uniform in ngramTokens (Tang: 1 to 5 words of a short sentence; here a window of a longer mail).
 * Works on encoded token ids, so the synthetic examples use exactly the model's vocabulary. Seeded.
 */
import { rng } from '../../core/random.js';
import { PAD, UNK } from '../data/tokenizer.js';
import type { EncodedSet } from '../train.js';
import { samePos, type PosTable } from './pos-table.js';

export const TRANSFER_METHODS = ['mask', 'pos', 'ngram'] as const;
export type TransferMethod = (typeof TRANSFER_METHODS)[number];

/** A suite's `distillation.transferSet`. */
export interface TransferSetSpec {
  /** Synthetic examples to generate (besides the pool's own examples). */
  size: number;
  methods: TransferMethod[];
  /** Per-token probability of masking (default 0.1, Tang et al.). */
  maskProb?: number;
  /** Per-token probability of a same-POS replacement (default 0.1, Tang et al.). */
  posProb?: number;
  /** Per-example probability of n-gram sampling (default 0.25, Tang et al.). */
  ngramProb?: number;
  /** Window length of the n-gram sampling in tokens, [min, max] (default [8, 32]). */
  ngramTokens?: [number, number];
  /** Whether the unlabelled pool's own examples are part of the transfer set (default true). */
  includePool?: boolean;
}

export interface TransferSetStats {
  pool: number;
  synthetic: number;
  maskedTokens: number;
  replacedTokens: number;
  ngramExamples: number;
  /** Vocabulary words with a part-of-speech tag (0 without the pos method). */
  taggedWords: number;
}

/** The transfer set: examples (labels -1: unlabelled) and what was done to make them. */
export interface TransferSet {
  set: EncodedSet;
  stats: TransferSetStats;
}

/** One synthetic example from `src` (seqLen ids), written into `out`. */
export function augment(
  src: Int32Array,
  out: Int32Array,
  spec: TransferSetSpec,
  pos: PosTable | undefined,
  rand: () => number,
  stats: TransferSetStats,
): void {
  const use = new Set(spec.methods);
  const pMask = use.has('mask') ? (spec.maskProb ?? 0.1) : 0;
  const pPos = use.has('pos') && pos ? (spec.posProb ?? 0.1) : 0;
  const pNg = use.has('ngram') ? (spec.ngramProb ?? 0.25) : 0;
  let len = 0;
  while (len < src.length && src[len] !== PAD) len++;
  const tokens = Array.from(src.subarray(0, len));
  for (let i = 0; i < tokens.length; i++) {
    const r = rand();
    if (r < pMask) {
      tokens[i] = UNK;
      stats.maskedTokens++;
    } else if (r < pMask + pPos) {
      const w = samePos(pos!, tokens[i], rand);
      if (w !== tokens[i]) stats.replacedTokens++;
      tokens[i] = w;
    }
  }
  let start = 0;
  let end = tokens.length;
  if (pNg > 0 && rand() < pNg && tokens.length > 1) {
    const [lo, hi] = spec.ngramTokens ?? [8, 32];
    const n = Math.min(tokens.length, lo + Math.floor(rand() * (hi - lo + 1)));
    start = Math.floor(rand() * (tokens.length - n + 1));
    end = start + n;
    stats.ngramExamples++;
  }
  out.fill(PAD);
  out.set(tokens.slice(start, end));
}

/**
 * The pool's examples (includePool) followed by `size` synthetic ones, each from a source drawn
 * uniformly from the pool and the labelled examples' text. Labels are -1: the teacher labels them.
 */
export function makeTransferSet(
  sources: readonly Pick<EncodedSet, 'ids' | 'n' | 'seqLen'>[],
  pool: Pick<EncodedSet, 'ids' | 'n' | 'seqLen'> | undefined,
  spec: TransferSetSpec,
  pos: PosTable | undefined,
  seed: number,
): TransferSet {
  const seqLen = sources[0]?.seqLen ?? pool?.seqLen ?? 0;
  const fromPool = spec.includePool === false || !pool ? 0 : pool.n;
  const n = fromPool + spec.size;
  const ids = new Int32Array(n * seqLen);
  if (fromPool > 0) ids.set(pool!.ids.subarray(0, fromPool * seqLen));
  const stats: TransferSetStats = {
    pool: fromPool,
    synthetic: spec.size,
    maskedTokens: 0,
    replacedTokens: 0,
    ngramExamples: 0,
    taggedWords: spec.methods.includes('pos') && pos ? pos.tagged : 0,
  };
  const total = sources.reduce((a, s) => a + s.n, 0);
  const rand = rng(seed);
  if (spec.size > 0 && total === 0) throw new Error('a transfer set needs at least one source example');
  for (let k = 0; k < spec.size; k++) {
    let r = Math.floor(rand() * total);
    const s = sources.find((x) => (r < x.n ? true : ((r -= x.n), false)))!;
    const src = s.ids.subarray(r * seqLen, (r + 1) * seqLen);
    augment(src, ids.subarray((fromPool + k) * seqLen, (fromPool + k + 1) * seqLen), spec, pos, rand, stats);
  }
  return { set: { ids, labels: new Int32Array(n).fill(-1), n, seqLen }, stats };
}
