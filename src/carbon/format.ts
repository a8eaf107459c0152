/** A carbon record as readable text (the `carbon` command; the report may reuse it). */
import type { CarbonRecord } from '../core/contract.js';

/** Three significant digits, no exponent for everyday magnitudes. */
export function sig(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e15) return Number(x.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 20 });
  return x.toPrecision(digits);
}

export function grams(g: number): string {
  const a = Math.abs(g);
  if (a >= 1e6) return `${sig(g / 1e6)} tCO2e`;
  if (a >= 1e3) return `${sig(g / 1e3)} kgCO2e`;
  return `${sig(g)} gCO2e`;
}

export function kwh(k: number): string {
  const a = Math.abs(k);
  if (a >= 1e3) return `${sig(k / 1e3)} MWh`;
  if (a >= 1) return `${sig(k)} kWh`;
  if (a >= 1e-3) return `${sig(k * 1e3)} Wh`;
  return `${sig(k * 3.6e6)} J`;
}

export function formatCarbon(r: CarbonRecord): string {
  const out: string[] = [];
  const row = (label: string, text: string) => out.push(`${label.padEnd(13)} ${text}`);
  const more = (text: string) => out.push(`${' '.repeat(14)}${text}`);
  row(
    'Energy',
    `${kwh(r.energyKWh)} measured x PUE ${r.pue.toFixed(2)} = ${kwh(r.facilityEnergyKWh ?? r.energyKWh * r.pue)} at the facility`,
  );
  more(`PUE: ${r.pueSource}`);
  const what = {
    explicit: 'given with --carbon-intensity',
    series: 'energy-weighted over the series',
    world: 'FALLBACK: world average',
    region: '',
  }[r.intensityKind ?? 'region'];
  row(
    'Intensity',
    `${sig(r.intensityGCO2ePerKWh)} gCO2e/kWh, location-based (average)${what ? `; ${what}` : ''}${r.region ? `; region ${r.region}` : ''}${r.year ? `; year ${r.year}` : ''}`,
  );
  more(`source: ${r.intensitySource}`);
  if (r.licence) more(`licence: ${r.licence}`);
  for (const a of r.alternatives ?? [])
    more(
      `for comparison, not used: ${a.dataset} ${a.region}${a.year ? ` ${a.year}` : ''} ${sig(a.gCO2ePerKWh)} gCO2e/kWh -> ${grams((r.facilityEnergyKWh ?? 0) * a.gCO2ePerKWh)}`,
    );
  if (r.series) {
    more(
      `series: ${r.series.rows} rows, ${r.series.startedAt} to ${r.series.endedAt}; ${r.series.complete ? 'covers the whole window' : `INCOMPLETE: ${sig(r.series.uncoveredBeforeS + r.series.uncoveredAfterS)} s outside it`}`,
    );
  }
  row('Operational', `${grams(r.gCO2e)}  (energy x PUE x intensity)`);
  if (r.marginal) {
    row(
      'Marginal',
      `${sig(r.marginal.gCO2ePerKWh)} gCO2e/kWh -> ${grams(r.marginal.gCO2e)}  (not in the totals: the emissions of the generation that follows a change in demand)`,
    );
    more(`source: ${r.marginal.source}; licence: ${r.marginal.licence}`);
  } else {
    row('Marginal', 'none (needs --region, and a country the UNFCCC 2021 data has)');
  }
  if (r.embodied?.included) {
    row('Embodied', `${grams(r.embodied.gCO2e)} for ${sig(r.embodied.durationS)} s of use`);
    for (const d of r.embodied.devices)
      more(`${d.name}: ${sig(d.kgCO2e)} kgCO2e x ${d.count} over ${sig(d.lifetimeYears)} y -> ${grams(d.gCO2e)}`);
    more(`method: ${r.embodied.method}; ${r.embodied.source}`);
  } else if (r.embodied) {
    row('Embodied', r.embodied.source);
  }
  row('Total', grams(r.totalGCO2e ?? r.gCO2e) + (r.embodied?.included ? '  (operational + embodied)' : '  (operational)'));
  for (const [i, e] of (r.equivalents ?? []).entries()) {
    (i === 0 ? (t: string) => row('Equivalent to', t) : more)(`${sig(e.value)} ${e.unit ? `${e.unit} ` : ''}${e.label}`);
    more(`  (${e.source})`);
  }
  for (const n of r.notes ?? []) row('Note', n);
  for (const p of r.problems ?? []) row('PROBLEM', p);
  return out.join('\n') + '\n';
}
