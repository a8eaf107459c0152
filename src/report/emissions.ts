/**
 * emissions.csv in CodeCarbon's layout, so dashboards built for CodeCarbon read our runs.
 * Header: CodeCarbon's emissions.csv as written by versions 2.4 to 3.0 (checked against files
 * written by 2.7.1 and 3.0.7; 2.3 lacks experiment_id). One row per phase, then a "total" row
 * for the whole run. Units as CodeCarbon's: emissions kg CO2e, emissions_rate kg/s, power W
 * (mean over the row's window), energy kWh, ram_total_size GB (2^30 bytes).
 *
 * How our run maps onto it: project_name "kdbench:<suite>", run_id the run's runId (a UUID), or
 * for runs without one a UUID-shaped hash of the run (stable, so rebuilding gives the same file), experiment_id the phase name
 * ("total" for the run), energy_consumed the measured (IT) energy, emissions our gCO2e
 * (energy x PUE x intensity) / 1000. Unknown cells are empty, never 0; gpu_* are 0 only when
 * the run recorded that the machine has no GPU. After CodeCarbon's columns come kdbench's method and
 * fallback columns (KDBENCH_EMISSIONS_COLUMNS).
 */
import { createHash } from 'node:crypto';
import { stringifyCsv } from './csv.js';
import type { RunJson } from '../core/contract.js';
import type { DomainEnergy } from '../measurement/windows.js';
import { country } from '../carbon/iso3166.js';
import { envInfo, osShort } from './environment.js';
import { energyMethodCell, intensityFallbackCell } from './summary.js';

export const CODECARBON_COLUMNS = [
  'timestamp',
  'project_name',
  'run_id',
  'experiment_id',
  'duration',
  'emissions',
  'emissions_rate',
  'cpu_power',
  'gpu_power',
  'ram_power',
  'cpu_energy',
  'gpu_energy',
  'ram_energy',
  'energy_consumed',
  'country_name',
  'country_iso_code',
  'region',
  'cloud_provider',
  'cloud_region',
  'os',
  'python_version',
  'codecarbon_version',
  'cpu_count',
  'cpu_model',
  'gpu_count',
  'gpu_model',
  'longitude',
  'latitude',
  'ram_total_size',
  'tracking_mode',
  'on_cloud',
  'pue',
] as const;

/**
 * kdbench's columns after CodeCarbon's (readers that pick columns by name ignore them): how each
 * device's energy was obtained ("cpu:estimated;dram:estimated") and whether gCO2e rests on the
 * WORLD-average fallback intensity.
 */
export const KDBENCH_EMISSIONS_COLUMNS = ['energy_method', 'intensity_fallback'] as const;

const J_PER_KWH = 3.6e6;
type Cell = string | number;
const cell = (x: number | null | undefined): Cell => (typeof x === 'number' && Number.isFinite(x) ? x : '');
/** A number from run.json; null (unknown) stays unknown instead of counting as 0. */
const known = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** CodeCarbon's timestamp format: %Y-%m-%dT%H:%M:%S (UTC here). */
export function codecarbonTime(iso: string | null | undefined): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return '';
  return new Date(iso).toISOString().slice(0, 19);
}

/** The run's own id (a UUID drawn when it started) where it has one; else a UUID-shaped hash of the run, stable across rebuilds. */
export function runId(run: RunJson): string {
  if (typeof run.runId === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(run.runId)) return run.runId;
  const h = createHash('sha256')
    .update(`${run.startedAt}|${run.suite?.sha256 ?? ''}|${JSON.stringify(run.command ?? {})}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

type Kind = 'cpu' | 'gpu' | 'ram';
function kindOf(device: string): Kind | undefined {
  if (device.startsWith('gpu')) return 'gpu';
  if (device.startsWith('dram') || device.startsWith('ram')) return 'ram';
  if (device.startsWith('cpu') || device.startsWith('package') || device.startsWith('psys')) return 'cpu';
  return undefined;
}

export function emissionsCsv(run: RunJson): string {
  const env = envInfo(run);
  const c = run.carbon;
  const zone = c?.region && c.region !== 'WORLD' ? c.region : '';
  const ctry = zone ? country(zone.split('-')[0].toUpperCase()) : undefined;
  const measured = new Set(run.meter.domains.map((d) => kindOf(d.device)));
  const noGpu = env.gpus !== undefined && env.gpus.length === 0;
  const methods = new Set(run.meter.domains.map((d) => d.method));
  const trackingMode = methods.size === 0 ? '' : methods.has('estimated') && methods.size === 1 ? 'process' : 'machine';
  const gpuModels = new Map<string, number>();
  for (const g of env.gpus ?? []) gpuModels.set(g.model, (gpuModels.get(g.model) ?? 0) + 1);
  const fixed = {
    project_name: `kdbench:${run.suite?.name ?? run.kind}`,
    run_id: runId(run),
    country_name: ctry?.name ?? '',
    country_iso_code: ctry?.alpha3 ?? '',
    region: zone.includes('-') ? zone : '',
    cloud_provider: '',
    cloud_region: '',
    os: osShort(run) ?? '',
    python_version: '',
    codecarbon_version: '',
    cpu_count: cell(env.logicalCores),
    cpu_model: env.cpuModel ?? '',
    gpu_count: env.gpus === undefined ? '' : env.gpus.length,
    gpu_model: [...gpuModels].map(([m, n]) => `${n} x ${m}`).join(', '),
    longitude: '',
    latitude: '',
    ram_total_size: cell(env.memoryBytes === undefined ? undefined : env.memoryBytes / 2 ** 30),
    tracking_mode: trackingMode,
    on_cloud: '',
    pue: cell(c?.pue),
    energy_method: energyMethodCell(run),
    intensity_fallback: intensityFallbackCell(run),
  };
  const row = (
    name: string,
    endedAt: string | null,
    durationS: number,
    domains: DomainEnergy[],
    energyJ: number,
    gCO2e: number | undefined,
  ): Record<string, Cell> => {
    const byKind = (k: Kind): number | undefined => {
      if (!measured.has(k)) return k === 'gpu' && noGpu ? 0 : undefined;
      const mine = domains.filter((d) => kindOf(d.device) === k);
      return mine.every((d) => known(d.energyJ)) ? mine.reduce((a, d) => a + d.energyJ, 0) : undefined;
    };
    const kg = known(gCO2e) ? gCO2e / 1000 : undefined;
    const power = (j: number | undefined) => (known(j) && known(durationS) && durationS > 0 ? j / durationS : undefined);
    const kwh = (j: number | undefined) => (known(j) ? j / J_PER_KWH : undefined);
    const [cpu, gpu, ram] = (['cpu', 'gpu', 'ram'] as const).map(byKind);
    return {
      ...fixed,
      timestamp: codecarbonTime(endedAt),
      experiment_id: name,
      duration: cell(durationS),
      emissions: cell(kg),
      emissions_rate: cell(kg !== undefined && known(durationS) && durationS > 0 ? kg / durationS : undefined),
      cpu_power: cell(power(cpu)),
      gpu_power: cell(power(gpu)),
      ram_power: cell(power(ram)),
      cpu_energy: cell(kwh(cpu)),
      gpu_energy: cell(kwh(gpu)),
      ram_energy: cell(kwh(ram)),
      energy_consumed: cell(kwh(energyJ)),
    };
  };
  const rows = run.phases.map((p) => row(p.name, p.endedAt, p.durationS, p.domains, p.energyJ, p.gCO2e));
  if (run.totals) rows.push(row('total', run.endedAt, run.totals.durationS, run.totals.domains, run.totals.energyJ, c?.gCO2e));
  const columns = [...CODECARBON_COLUMNS, ...KDBENCH_EMISSIONS_COLUMNS];
  return stringifyCsv([columns, ...rows.map((r) => columns.map((k) => r[k]))]);
}
