/**
 * Magnitude pruning of weight arrays (the same rules the PyTorch example applies with torch.nn.utils.prune):
 * unstructured (the smallest |w| set to 0) and structured (whole rows, i.e. output neurons, removed by
 * their L2 norm). Pure functions on Float32Arrays, so TensorFlow.js weights and tests use them alike.
 */

/** How many of `n` items a sparsity removes: round(n x sparsity), at least 1 kept. */
export function prunedCount(n: number, sparsity: number): number {
  checkSparsity(sparsity);
  return Math.min(n - 1, Math.round(n * sparsity));
}

export function checkSparsity(sparsity: number): void {
  if (!(sparsity > 0 && sparsity < 1)) throw new RangeError(`sparsity must be in (0, 1), got ${sparsity}`);
}

/**
 * Unstructured magnitude pruning: a copy with the round(n x sparsity) smallest |w| set to 0 (ties broken
 * by index, so the count is exact and the result deterministic).
 */
export function magnitudePrune(weights: Float32Array, sparsity: number): Float32Array {
  const k = prunedCount(weights.length, sparsity);
  const order = Array.from(weights.keys()).sort((a, b) => Math.abs(weights[a]) - Math.abs(weights[b]) || a - b);
  const out = Float32Array.from(weights);
  for (let i = 0; i < k; i++) out[order[i]] = 0;
  return out;
}

/** The fraction of exact zeros. */
export function sparsityOf(weights: Float32Array): number {
  if (weights.length === 0) return 0;
  let z = 0;
  for (const w of weights) if (w === 0) z++;
  return z / weights.length;
}

/**
 * Structured pruning of a [rows x cols] row-major matrix: the rows (output neurons) with the smallest L2
 * norm removed. Returns the kept row indices in order and the smaller matrix: a layer that really
 * computes less, unlike zeros in a dense one.
 */
export function pruneRows(matrix: Float32Array, rows: number, cols: number, sparsity: number): { kept: number[]; matrix: Float32Array } {
  if (matrix.length !== rows * cols) throw new RangeError(`matrix has ${matrix.length} values, not ${rows} x ${cols}`);
  const drop = prunedCount(rows, sparsity);
  const norm = (r: number) => {
    let s = 0;
    for (let c = 0; c < cols; c++) s += matrix[r * cols + c] ** 2;
    return s;
  };
  const norms = Array.from({ length: rows }, (_, r) => norm(r));
  const byNorm = Array.from(norms.keys()).sort((a, b) => norms[a] - norms[b] || a - b);
  const dropped = new Set(byNorm.slice(0, drop));
  const kept = Array.from({ length: rows }, (_, r) => r).filter((r) => !dropped.has(r));
  const out = new Float32Array(kept.length * cols);
  kept.forEach((r, i) => out.set(matrix.subarray(r * cols, (r + 1) * cols), i * cols));
  return { kept, matrix: out };
}
