/**
 * The shape of the run.json fields the reports read, checked before any is used: a hand-edited or
 * corrupt run.json (a phase without a name, an energy given as text, totals that are not an object)
 * is refused with the field's path, instead of a TypeError deep in a chart. Numbers may be null
 * (JSON's form of an unknown figure); text, lists and objects must be what they say.
 */
type Check = (v: unknown) => boolean;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text: Check = (v) => typeof v === 'string';
const num: Check = (v) => v === null || typeof v === 'number';
const optional =
  (c: Check): Check =>
  (v) =>
    v === undefined || c(v);

const DOMAIN: Record<string, Check> = { device: text, method: text, energyJ: num, uncertaintyJ: optional(num) };
const PHASE: Record<string, Check> = {
  name: text,
  model: optional(text),
  startedAt: text,
  endedAt: text,
  durationS: num,
  energyJ: num,
  uncertaintyJ: optional(num),
  netEnergyJ: optional(num),
  gCO2e: optional(num),
};
const MODEL: Record<string, Check> = { name: text, role: text, params: optional(num), accuracy: optional(num), macroF1: optional(num) };
const INFERENCE: Record<string, Check> = { model: text, batchSize: num, phase: text, inferences: optional(num) };

function describe(v: unknown): string {
  return v === null
    ? 'null'
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'object'
        ? 'an object'
        : `${typeof v} ${JSON.stringify(v)?.slice(0, 30)}`;
}

function fields(v: unknown, path: string, spec: Record<string, Check>, out: string[]): void {
  if (!isObj(v)) {
    out.push(`${path}: expected an object, got ${describe(v)}`);
    return;
  }
  for (const [k, ok] of Object.entries(spec)) if (!ok(v[k])) out.push(`${path}.${k}: not of the expected type (got ${describe(v[k])})`);
}

function domains(v: unknown, path: string, out: string[]): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) out.push(`${path}: expected a list, got ${describe(v)}`);
  else v.forEach((d, i) => fields(d, `${path}[${i}]`, DOMAIN, out));
}

/** The fields of a parsed run.json (arrays already checked by readRun) that the reports cannot read, by path. */
export function runShapeProblems(raw: Record<string, unknown>): string[] {
  const out: string[] = [];
  (raw.phases as unknown[]).forEach((p, i) => {
    fields(p, `phases[${i}]`, PHASE, out);
    if (isObj(p)) domains(p.domains, `phases[${i}].domains`, out);
  });
  (raw.models as unknown[]).forEach((m, i) => fields(m, `models[${i}]`, MODEL, out));
  (raw.inference as unknown[]).forEach((r, i) => fields(r, `inference[${i}]`, INFERENCE, out));
  if (raw.totals !== null && raw.totals !== undefined) {
    fields(raw.totals, 'totals', { durationS: num, energyJ: num, uncertaintyJ: optional(num) }, out);
    if (isObj(raw.totals)) domains(raw.totals.domains, 'totals.domains', out);
  }
  if (raw.carbon !== null && raw.carbon !== undefined)
    fields(raw.carbon, 'carbon', { intensityGCO2ePerKWh: num, pue: num, gCO2e: num, energyKWh: optional(num) }, out);
  if (raw.baseline !== null && raw.baseline !== undefined) fields(raw.baseline, 'baseline', { startedAt: text, endedAt: text }, out);
  const meter = raw.meter as Record<string, unknown>;
  (meter.domains as unknown[]).forEach((d, i) => fields(d, `meter.domains[${i}]`, { device: text, method: text }, out));
  for (const k of ['problems', 'notes', 'failed'])
    if (meter[k] !== undefined && !(Array.isArray(meter[k]) && (meter[k] as unknown[]).every((x) => typeof x === 'string')))
      out.push(`meter.${k}: expected a list of text`);
  return out;
}
