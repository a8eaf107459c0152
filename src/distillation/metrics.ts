/** Predicted class = argmax of each row of logits [n, classes]. */
export function argmaxRows(logits: Float32Array, classes: number): Int32Array {
  const n = logits.length / classes;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}

export function accuracy(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) ok++;
  return labels.length === 0 ? NaN : ok / labels.length;
}

/** Unweighted mean of per-class F1 (a class with no predictions and no examples is skipped). */
export function macroF1(pred: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  const f1s: number[] = [];
  for (let c = 0; c < classes; c++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < labels.length; i++) {
      if (pred[i] === c && labels[i] === c) tp++;
      else if (pred[i] === c) fp++;
      else if (labels[i] === c) fn++;
    }
    if (tp + fp + fn === 0) continue;
    f1s.push((2 * tp) / (2 * tp + fp + fn));
  }
  return f1s.length === 0 ? NaN : f1s.reduce((a, b) => a + b, 0) / f1s.length;
}
