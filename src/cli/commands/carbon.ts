/**
 * `kdbench carbon --energy 1.5kWh [--region FR] [...]`: converts an energy figure with the same
 * rules as a run (intensity precedence, PUE, marginal, embodied, equivalents) and prints it.
 */
import { parseCommandArgs } from '../args.js';
import { UserError } from '../../core/errors.js';
import { nonFiniteFields, prepareCarbon } from '../../carbon/index.js';
import { CARBON_FLAGS, CARBON_USAGE, carbonOptionsFromFlags } from '../carbon-flags.js';
import { formatCarbon } from '../../carbon/format.js';
import { parseDuration, parseEnergy } from '../../carbon/units.js';

export const usage = `Usage: kdbench carbon --energy E [options]

Converts an energy figure to CO2e.

  --energy E            energy with a unit: J, kJ, MJ, Wh, kWh, MWh (e.g. 1.5kWh, 5400J)
  --start TIME          when the energy was used (ISO 8601 with a time zone); needed by --carbon-series
  --duration D          over how long (90s, 30m, 1.5h, 1h30m); needed by --carbon-series and --embodied.
                        Power is taken as constant over it
  --json                print the carbon record as JSON (the "carbon" object of run.json)
${CARBON_USAGE}
`;

const FLAGS = {
  ...CARBON_FLAGS,
  energy: { type: 'string' },
  start: { type: 'string' },
  duration: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, FLAGS, usage, false);
  if (values.energy === undefined) throw new UserError(`--energy is required\n\n${usage}`);
  const energyJ = parseEnergy('energy', values.energy);
  const durationS = values.duration === undefined ? undefined : parseDuration('duration', values.duration);
  let startMs: number | undefined;
  if (values.start !== undefined) {
    startMs = /(Z|[+-]\d{2}:?\d{2})$/i.test(values.start.trim()) ? Date.parse(values.start.trim()) : NaN;
    if (!Number.isFinite(startMs))
      throw new UserError(`--start: expected an ISO 8601 time with a time zone (2024-03-01T13:00:00Z), got "${values.start}"`);
  }
  const opts = carbonOptionsFromFlags(values);
  const usesSeries = opts.seriesFile !== undefined && opts.intensity === undefined;
  if (usesSeries && (startMs === undefined || durationS === undefined || durationS <= 0)) {
    throw new UserError('--carbon-series needs --start and a --duration above 0, to know which hours of the series apply');
  }
  if ((opts.embodied?.length ?? 0) > 0 && durationS === undefined)
    throw new UserError('--embodied needs --duration: the embodied charge is for the time of use');
  const carbon = prepareCarbon({ ...opts, runStartMs: usesSeries ? startMs : null });

  // Constant power over the interval: energy so far grows linearly with time.
  const dur = durationS ?? 0;
  const timeline = {
    startWallMs: startMs ?? Date.now(),
    energyAt: (t: number) => (dur > 0 ? energyJ * Math.min(1, Math.max(0, t / dur)) : t >= 0 ? energyJ : 0),
  };
  const record = carbon.record(energyJ, { name: 'total', t0: 0, t1: dur }, timeline);
  if (record.series && !record.series.complete) {
    throw new UserError(
      `--carbon-series ${record.series.file}: covers ${record.series.startedAt} to ${record.series.endedAt}, not all of ` +
        `${new Date(timeline.startWallMs).toISOString()} + ${dur} s: ${record.series.uncoveredBeforeS > 0 ? `the first ${record.series.uncoveredBeforeS} s` : ''}` +
        `${record.series.uncoveredBeforeS > 0 && record.series.uncoveredAfterS > 0 ? ' and ' : ''}${record.series.uncoveredAfterS > 0 ? `the last ${record.series.uncoveredAfterS} s` : ''} fall outside it`,
    );
  }
  const bad = nonFiniteFields(record);
  if (bad.length > 0)
    throw new UserError(`the result is out of range (${bad.slice(0, 3).join(', ')} not a finite number); give smaller values`);
  process.stdout.write(values.json ? `${JSON.stringify(record, null, 2)}\n` : formatCarbon(record));
  return 0;
}
