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

/** Joules as energy in the unit that reads best: "1.28 mWh", "3.4 Wh", "12 kWh" (3 significant digits). */
export function wh(j: number | undefined | null): string {
  if (j === undefined || j === null || !Number.isFinite(j)) return 'n/a';
  const w = j / 3600;
  const a = Math.abs(w);
  if (a === 0) return '0 Wh';
  if (a >= 1e6) return `${sig(w / 1e6)} MWh`;
  if (a >= 1000) return `${sig(w / 1000)} kWh`;
  if (a >= 0.1) return `${sig(w)} Wh`;
  if (a >= 1e-4) return `${sig(w * 1000)} mWh`;
  return `${sig(w * 1e6)} µWh`;
}

/** Grams of CO2e in the unit that reads best: "0.61 mg", "3.2 g", "1.5 kg", "2.1 t" (3 significant digits). */
export function grams(g: number | undefined | null): string {
  if (g === undefined || g === null || !Number.isFinite(g)) return 'n/a';
  const a = Math.abs(g);
  if (a === 0) return '0 g';
  if (a >= 1e6) return `${sig(g / 1e6)} t`;
  if (a >= 1000) return `${sig(g / 1000)} kg`;
  if (a >= 0.1) return `${sig(g)} g`;
  if (a >= 1e-4) return `${sig(g * 1000)} mg`;
  return `${sig(g * 1e6)} µg`;
}
