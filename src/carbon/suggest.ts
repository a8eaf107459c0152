/** Nearest region codes to an unknown one: by name, by prefix, then by edit distance. */
import { COUNTRIES } from './iso3166.js';
import { EMBER_DATA, EM_LATEST_YEAR, EM_YEARS } from './datasets.js';

interface Candidate {
  code: string;
  name: string;
}

function candidates(): Candidate[] {
  const out = new Map<string, string>();
  for (const [code, z] of EM_YEARS.get(EM_LATEST_YEAR) ?? []) out.set(code, z.displayName ?? z.zoneName);
  for (const c of COUNTRIES) {
    if (!out.has(c.alpha2)) out.set(c.alpha2, c.name);
    out.set(c.alpha3, c.name);
  }
  for (const key of Object.keys(EMBER_DATA)) if (!out.has(key)) out.set(key, key === 'WORLD' ? 'world average' : 'Ember aggregate');
  return [...out].map(([code, name]) => ({ code, name }));
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

/** Up to `max` suggestions, formatted "DE (Germany)". */
export function suggestRegions(input: string, max = 6): string[] {
  const code = input.trim().toUpperCase();
  const name = fold(input.trim());
  const scored: [number, number, Candidate][] = [];
  for (const c of candidates()) {
    const n = fold(c.name);
    let rank: number;
    let d = 0;
    if (name.length >= 3 && (n === name || n.startsWith(name))) rank = 0;
    else if (name.length >= 4 && n.includes(name)) rank = 1;
    else if (name.length >= 5 && editDistance(name, n.slice(0, name.length)) <= 2) rank = 1;
    else if (code.length >= 2 && c.code.startsWith(code)) rank = 2;
    else if (code.length >= 3 && code.startsWith(c.code + '-')) rank = 2;
    else {
      d = editDistance(code, c.code);
      if (d > (code.length <= 3 ? 1 : 2)) continue;
      rank = 3;
    }
    scored.push([rank, d, c]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2].code.length - b[2].code.length || a[2].code.localeCompare(b[2].code));
  // a name that matched outright makes looser matches noise ("spain" is 2 edits from "saint")
  const best = scored[0]?.[0] ?? 3;
  return scored
    .filter(([rank]) => best > 0 || rank === 0)
    .slice(0, max)
    .map(([, , c]) => `${c.code} (${c.name})`);
}
