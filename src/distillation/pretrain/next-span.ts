/**
 * Self-supervised pretraining pairs from unlabelled text (the teacher's "pretraining", the step that makes
 * BERT a teacher worth distilling, here at the scale of one corpus): each text's first `seqLen` tokens
 * (the anchor) and the `seqLen` tokens that follow them (the positive), both with a share of their tokens
 * replaced by <unk>. A text whose continuation has fewer than `minNextTokens` tokens pairs its anchor with
 * a second masked copy of itself (SimCSE-style views). A contrastive loss over in-batch negatives then
 * teaches the encoder which spans come from the same mail. Labels are never read.
 */
import { rng } from '../../core/random.js';
import { PAD, UNK, encodeAll, type Vocabulary } from '../data/tokenizer.js';
import type { EncodedPairs } from '../data/retrieval.js';

export interface SpanPairOptions {
  seqLen: number;
  /** Share of non-padding tokens replaced by <unk>, independently in each view. */
  maskProb: number;
  /** A continuation shorter than this pairs the anchor with a masked copy of itself. */
  minNextTokens: number;
  seed: number;
}

export interface SpanPairs {
  pairs: EncodedPairs;
  /** Texts whose positive is their continuation; the others are paired with a masked copy of themselves. */
  nextSpan: number;
  selfCopy: number;
}

export function nextSpanPairs(texts: readonly string[], vocab: Vocabulary, o: SpanPairOptions): SpanPairs {
  const L = o.seqLen;
  const long = encodeAll(texts, vocab, 2 * L);
  const n = texts.length;
  const queries = new Int32Array(n * L);
  const docs = new Int32Array(n * L);
  const rand = rng(o.seed);
  const mask = (id: number) => (id !== PAD && rand() < o.maskProb ? UNK : id);
  let nextSpan = 0;
  for (let i = 0; i < n; i++) {
    const row = long.subarray(i * 2 * L, (i + 1) * 2 * L);
    let next = 0;
    while (next < L && row[L + next] !== PAD) next++;
    const useNext = next >= o.minNextTokens;
    if (useNext) nextSpan++;
    for (let j = 0; j < L; j++) {
      queries[i * L + j] = mask(row[j]);
      docs[i * L + j] = mask(useNext ? row[L + j] : row[j]);
    }
  }
  return { pairs: { queries, docs, n, querySeqLen: L, docSeqLen: L }, nextSpan, selfCopy: n - nextSpan };
}
