/** Medians and seeded percentile-bootstrap 95 % confidence intervals, for repeated measurements. */
import { rng } from '../core/random.js';

export type Interval = [number, number];

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The q-quantile (0..1) of sorted values, linear interpolation between order statistics. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function resample(xs: readonly number[], rand: () => number): number[] {
  return Array.from({ length: xs.length }, () => xs[Math.floor(rand() * xs.length)]);
}

export interface BootstrapOptions {
  seed: number;
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
}

function percentileInterval(stats: number[], level: number): Interval {
  const finite = stats.filter(Number.isFinite).sort((a, b) => a - b);
  const a = (1 - level) / 2;
  return [quantileSorted(finite, a), quantileSorted(finite, 1 - a)];
}

/** Percentile-bootstrap CI of the median of `xs` (NaN interval for fewer than 2 values). */
export function bootstrapMedianCI(xs: readonly number[], opts: BootstrapOptions): Interval {
  if (xs.length < 2) return [NaN, NaN];
  const rand = rng(opts.seed);
  const stats = Array.from({ length: opts.resamples ?? 2000 }, () => median(resample(xs, rand)));
  return percentileInterval(stats, opts.level ?? 0.95);
}

/** Percentile-bootstrap CI of median(a) / median(b), resampling a and b independently. */
export function bootstrapRatioCI(a: readonly number[], b: readonly number[], opts: BootstrapOptions): Interval {
  if (a.length < 2 || b.length < 2) return [NaN, NaN];
  const rand = rng(opts.seed);
  const stats = Array.from({ length: opts.resamples ?? 2000 }, () => median(resample(a, rand)) / median(resample(b, rand)));
  return percentileInterval(stats, opts.level ?? 0.95);
}

/**
 * Percentile-bootstrap CI of mean(a - b) over paired observations (e.g. per-example correctness of two
 * models on the same test set: the difference in accuracy). With `clusters` (one label per observation,
 * e.g. the text a passage comes from) whole clusters are resampled, since observations of one
 * cluster are not independent.
 */
export function bootstrapPairedMeanDiffCI(
  a: readonly number[],
  b: readonly number[],
  opts: BootstrapOptions & { clusters?: readonly string[] },
): Interval {
  if (a.length !== b.length) throw new Error('paired samples must have the same length');
  if (opts.clusters && opts.clusters.length !== a.length) throw new Error('one cluster label per observation');
  // Per cluster: the sum of differences and the count (each observation its own cluster without labels).
  const index = new Map<string, number>();
  const sums: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const key = opts.clusters ? opts.clusters[i] : String(i);
    let k = index.get(key);
    if (k === undefined) {
      k = sums.length;
      index.set(key, k);
      sums.push(0);
      counts.push(0);
    }
    sums[k] += a[i] - b[i];
    counts[k]++;
  }
  const m = sums.length;
  if (m < 2) return [NaN, NaN];
  const rand = rng(opts.seed);
  const stats = Array.from({ length: opts.resamples ?? 2000 }, () => {
    let s = 0;
    let n = 0;
    for (let j = 0; j < m; j++) {
      const k = Math.floor(rand() * m);
      s += sums[k];
      n += counts[k];
    }
    return s / n;
  });
  return percentileInterval(stats, opts.level ?? 0.95);
}

/**
 * Percentile bootstrap interval of the mean paired difference a - b over training seeds and test
 * examples: a[k][i], b[k][i] for seed k (a's seed k paired with b's) and example i. Each resample draws
 * the seeds with replacement and, independently, the examples (or whole clusters) with replacement, so
 * the interval holds both the test set's sampling error and the training variance across seeds.
 * With one seed it is bootstrapPairedMeanDiffCI.
 */
export function bootstrapSeedsPairedDiffCI(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
  opts: BootstrapOptions & { clusters?: readonly string[] },
): Interval {
  const k = a.length;
  if (k !== b.length || k === 0) throw new Error('one row per seed on both sides');
  const n = a[0].length;
  if (a.some((r) => r.length !== n) || b.some((r) => r.length !== n)) throw new Error('paired samples must have the same length');
  if (opts.clusters && opts.clusters.length !== n) throw new Error('one cluster label per observation');
  const index = new Map<string, number>();
  const clusterOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const key = opts.clusters ? opts.clusters[i] : String(i);
    let c = index.get(key);
    if (c === undefined) index.set(key, (c = index.size));
    clusterOf[i] = c;
  }
  const m = index.size;
  if (m < 2) return [NaN, NaN];
  // sums[s][c]: the sum of differences of seed s over cluster c; counts[c]: examples of cluster c.
  const sums = Array.from({ length: k }, () => new Float64Array(m));
  const counts = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    counts[clusterOf[i]]++;
    for (let s = 0; s < k; s++) sums[s][clusterOf[i]] += a[s][i] - b[s][i];
  }
  const rand = rng(opts.seed);
  const stats = Array.from({ length: opts.resamples ?? 2000 }, () => {
    const seeds = Array.from({ length: k }, () => Math.floor(rand() * k));
    let diff = 0;
    let count = 0;
    for (let j = 0; j < m; j++) {
      const c = Math.floor(rand() * m);
      for (const s of seeds) diff += sums[s][c];
      count += counts[c];
    }
    return diff / (count * k);
  });
  return percentileInterval(stats, opts.level ?? 0.95);
}

/** (hi - lo) / |estimate|. */
export function relativeWidth(ci: Interval, estimate: number): number {
  return (ci[1] - ci[0]) / Math.abs(estimate);
}

/**
 * Why an interval cannot support a claim, or undefined when it can: it is missing (too few repeats),
 * it includes `neutral` (1 for a ratio, 0 for a difference), or it is wider than `maxRelWidth` of the estimate.
 */
export function intervalWarning(ci: Interval, estimate: number, neutral: number, maxRelWidth = 0.5): string | undefined {
  if (!Number.isFinite(ci[0]) || !Number.isFinite(ci[1])) return 'no confidence interval: fewer than 2 repeats (use --repeats 5 or more)';
  const parts: string[] = [];
  if (ci[0] <= neutral && neutral <= ci[1])
    parts.push(`the 95 % interval [${fmt(ci[0])}, ${fmt(ci[1])}] includes ${neutral}: no difference is shown`);
  const w = relativeWidth(ci, estimate);
  if (neutral !== 0 && w > maxRelWidth)
    parts.push(
      `the 95 % interval is ${(w * 100).toFixed(0)} % of the estimate wide (over ${(maxRelWidth * 100).toFixed(0)} %): too noisy to quote`,
    );
  return parts.length ? parts.join('; ') : undefined;
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}
