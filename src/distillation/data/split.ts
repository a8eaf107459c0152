import type { Example } from './types.js';
import { rng, shuffled } from '../random.js';

export interface Split {
  train: Example[];
  test: Example[];
}

function byLabel(examples: readonly Example[]): Map<number, Example[]> {
  const groups = new Map<number, Example[]>();
  const sorted = [...examples].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const e of sorted) {
    const g = groups.get(e.label) ?? [];
    g.push(e);
    groups.set(e.label, g);
  }
  return new Map([...groups].sort((a, b) => a[0] - b[0]));
}

/**
 * Deterministic stratified split: within each class (examples ordered by id, so input order does
 * not matter), a seeded shuffle, then round(n x testFraction) go to the test set.
 */
export function stratifiedSplit(examples: readonly Example[], testFraction: number, seed: number): Split {
  const rand = rng(seed);
  const train: Example[] = [];
  const test: Example[] = [];
  for (const group of byLabel(examples).values()) {
    const s = shuffled(group, rand);
    const nTest = Math.round(s.length * testFraction);
    test.push(...s.slice(0, nTest));
    train.push(...s.slice(nTest));
  }
  return { train: shuffled(train, rand), test: shuffled(test, rand) };
}

/** A stratified subsample of at most `max` examples (class shares kept), for --quick runs. */
export function stratifiedSample(examples: readonly Example[], max: number, seed: number): Example[] {
  if (examples.length <= max) return [...examples];
  return stratifiedSplit(examples, max / examples.length, seed).test;
}
