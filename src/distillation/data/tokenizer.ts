/** Word-level tokenizer whose vocabulary comes from the training split only. */

export const PAD = 0;
export const UNK = 1;

const TOKEN = /[a-z][a-z0-9']*|[0-9]+|[$!?%]/g;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

export interface Vocabulary {
  /** tokens[i] is the word with id i; 0 is padding, 1 unknown. */
  tokens: string[];
  index: Map<string, number>;
}

/** The `size - 2` most frequent words of `texts` (ties broken alphabetically), plus PAD and UNK. */
export function buildVocabulary(texts: Iterable<string>, size: number): Vocabulary {
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of tokenize(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, Math.max(0, size - 2))
    .map(([w]) => w);
  const tokens = ['<pad>', '<unk>', ...words];
  return { tokens, index: new Map(tokens.map((w, i) => [w, i])) };
}

/** Ids of the first `seqLen` tokens, padded with PAD. */
export function encode(text: string, vocab: Vocabulary, seqLen: number): Int32Array {
  const ids = new Int32Array(seqLen);
  const words = tokenize(text);
  for (let i = 0; i < Math.min(seqLen, words.length); i++) ids[i] = vocab.index.get(words[i]) ?? UNK;
  return ids;
}

/** Encodes many texts into one row-major [n, seqLen] array. */
export function encodeAll(texts: readonly string[], vocab: Vocabulary, seqLen: number): Int32Array {
  const out = new Int32Array(texts.length * seqLen);
  texts.forEach((t, i) => out.set(encode(t, vocab, seqLen), i * seqLen));
  return out;
}
