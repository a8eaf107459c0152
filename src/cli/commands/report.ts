/** `kdbench report RUN_DIR`: rebuild every report file of a run from run.json and samples.csv, running nothing. */
import { numberFlag, parseCommandArgs } from '../args.js';
import { UserError } from '../../core/errors.js';

export const usage = `Usage: kdbench report RUN_DIR [--requests-per-day N] [--max-accuracy-drop X] [--quiet]

Rebuilds every report file of a run directory from its raw data (run.json and samples.csv),
without re-running anything: summary.csv, inference.csv, emissions.csv (CodeCarbon's layout),
charts/*.png, report.md and report.html (one self-contained file, charts inline, works offline).
A partial run (failed, interrupted, killed) is reported and clearly marked as partial.

  RUN_DIR                 a folder written by "kdbench run" or "kdbench measure" (it holds run.json)
  --requests-per-day N    traffic for the payback of distillation in days (default: the run's
                          --requests-per-day, else 10,000); run.json is not changed
  --max-accuracy-drop X   accuracy a compression option may lose against the teacher in the
                          decision box: "1pt", "0.5%" or a fraction "0.01" (default: the run's, else 1pt)
  --quiet                 print nothing but errors
`;

const FLAGS = { quiet: { type: 'boolean' }, 'requests-per-day': { type: 'string' }, 'max-accuracy-drop': { type: 'string' } } as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, FLAGS, usage);
  if (positionals.length !== 1)
    throw new UserError(`expected one RUN_DIR, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\n\n${usage}`);
  const dir = positionals[0];
  const requestsPerDay = numberFlag('requests-per-day', values['requests-per-day'], { min: 1e-9, max: 1e15 });
  const { parseAccuracyDrop } = await import('../../report/compression.js');
  const maxAccuracyDrop = values['max-accuracy-drop'] === undefined ? undefined : parseAccuracyDrop(values['max-accuracy-drop']);
  const { writeReports, readRun, isPartial } = await import('../../report/index.js');
  const runJson = readRun(dir);
  const files = await writeReports(dir, {
    ...(requestsPerDay === undefined ? {} : { requestsPerDay }),
    ...(maxAccuracyDrop === undefined ? {} : { maxAccuracyDrop }),
  });
  if (!values.quiet) {
    process.stderr.write(`wrote ${files.join(', ')} in ${dir}${isPartial(runJson) ? ` (PARTIAL run: status ${runJson.status})` : ''}\n`);
    process.stdout.write(`${dir}/report.html\n`);
  }
  return 0;
}
