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

/** A 95 % confidence interval "[lo, hi]", or "" when there is none. */
export function ci(x: [number, number] | undefined, digits = 3, scale = 1): string {
  if (!x || x.length !== 2 || !x.every(Number.isFinite)) return '';
  return ` [${sig(x[0] * scale, digits)}, ${sig(x[1] * scale, digits)}]`;
}

export function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${sig(v)} ${units[i]}`;
}

export function int(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? 'n/a' : Math.round(n).toLocaleString('en-US');
}

export function ratio(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? 'n/a' : `${sig(x)}x`;
}
