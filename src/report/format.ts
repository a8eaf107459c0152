/** Number formatting for reports: fixed significant digits, "n/a" for unknown (never 0). */
export function sig(x: number | undefined | null, digits = 3): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return 'n/a';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-3) return x.toExponential(digits - 1);
  return Number(x.toPrecision(digits)).toString();
}

export function pct(x: number | undefined | null, digits = 2): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return 'n/a';
  return `${(x * 100).toFixed(digits)} %`;
}

export function plusMinus(v: number | undefined, u: number | undefined, digits = 3): string {
  if (v === undefined || !Number.isFinite(v)) return 'n/a';
  return u === undefined || !Number.isFinite(u) ? sig(v, digits) : `${sig(v, digits)} ± ${sig(u, 2)}`;
}
