import type { Example } from './types.js';
import { rng, shuffled } from '../../core/random.js';

export interface Split {
  train: Example[];
  test: Example[];
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function byLabel<T extends { label: number }>(items: readonly T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const e of items) {
    const g = groups.get(e.label) ?? [];
    g.push(e);
    groups.set(e.label, g);
  }
  return new Map([...groups].sort((a, b) => a[0] - b[0]));
}

/** Per class, a seeded shuffle of the units (sorted by id first, so input order does not matter), round(n x fraction) to test. */
function splitUnits<T extends { id: string; label: number }>(
  units: readonly T[],
  testFraction: number,
  rand: () => number,
  keepBothSides: boolean,
): { train: T[]; test: T[] } {
  const train: T[] = [];
  const test: T[] = [];
  for (const group of byLabel([...units].sort(byId)).values()) {
    const s = shuffled(group, rand);
    let nTest = Math.round(s.length * testFraction);
    // With whole texts as units a class could otherwise vanish from one side.
    if (keepBothSides && s.length >= 2) nTest = Math.min(s.length - 1, Math.max(1, nTest));
    test.push(...s.slice(0, nTest));
    train.push(...s.slice(nTest));
  }
  return { train, test };
}

/**
 * Deterministic stratified split. Examples with a `group` (passages of one text) are split by group:
 * all examples of a group land on the same side, and groups are stratified by their label (the
 * label of the group's first example by id). Without groups, examples are split one by one.
 */
export function stratifiedSplit(examples: readonly Example[], testFraction: number, seed: number): Split {
  const rand = rng(seed);
  if (!examples.some((e) => e.group !== undefined)) {
    const { train, test } = splitUnits(examples, testFraction, rand, false);
    return { train: shuffled(train, rand), test: shuffled(test, rand) };
  }
  const members = new Map<string, Example[]>();
  for (const e of [...examples].sort(byId)) {
    const key = e.group ?? `\u0000${e.id}`;
    const m = members.get(key) ?? [];
    m.push(e);
    members.set(key, m);
  }
  const units = [...members].map(([id, m]) => ({ id, label: m[0].label }));
  const { train, test } = splitUnits(units, testFraction, rand, true);
  const expand = (us: { id: string }[]) => us.flatMap((u) => members.get(u.id)!);
  return { train: shuffled(expand(train), rand), test: shuffled(expand(test), rand) };
}

/**
 * A stratified subsample of exactly `max` examples (or all of them): class quotas by largest
 * remainder, a seeded shuffle within each class; groups are ignored. For --quick runs.
 */
export function stratifiedSample(examples: readonly Example[], max: number, seed: number): Example[] {
  if (examples.length <= max) return [...examples];
  const rand = rng(seed);
  const classes = [...byLabel([...examples].sort(byId)).values()];
  const exact = classes.map((g) => (g.length * max) / examples.length);
  const quota = exact.map(Math.floor);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  const missing = max - quota.reduce((a, b) => a + b, 0);
  for (let k = 0; k < missing; k++) quota[order[k].i]++;
  return classes.flatMap((g, i) => shuffled(g, rand).slice(0, quota[i]));
}
