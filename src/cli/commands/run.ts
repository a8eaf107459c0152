/** `kdbench run [SUITE] [--quick] [--out DIR]`: distil, evaluate and benchmark a suite, measuring every phase. */
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseCommandArgs, numberFlag } from '../args.js';
import { UserError } from '../../core/errors.js';
import { prepareCarbon } from '../../carbon/index.js';
import { CARBON_FLAGS, CARBON_USAGE, carbonOptionsFromFlags } from '../carbon-flags.js';
import { loadSuite, availableSuites, DEFAULT_SUITE } from '../../suites/load.js';
import { BACKENDS, checkBackendName } from '../../distillation/backend.js';
import { resolveTeacherPath } from '../../distillation/models/reuse.js';
import { createRunDir } from '../../run/run-dir.js';
import { Progress } from '../progress.js';

export const usage = `Usage: kdbench run [SUITE] [options]

Distils the suite's teacher into its students, trains each student without the teacher as a
control, evaluates all of them and benchmarks their inference, measuring the energy of every phase.

  SUITE                 a suite name in suites/ (${availableSuites().join(', ') || 'none'}) or a .yaml/.json file;
                        default: ${DEFAULT_SUITE}
  --quick               the same path on a small slice with few steps (a smoke test)
  --out DIR             run directory (must not exist or be empty); default: a new folder under reports/
  --backend NAME        force a TensorFlow.js backend: ${BACKENDS.join(', ')} (default: the first that loads)
  --repeats N           interleaved rounds of the inference benchmarks, for medians and 95 % intervals
                        (default: the suite's inference.repeats, else 1)
  --teacher PATH        reuse a saved teacher (a run directory, its models/<name> folder or model.json)
                        instead of training one
  --interval-ms N       power sampling interval (default 100)
  --quiet               no progress output
${CARBON_USAGE}
`;

const FLAGS = {
  ...CARBON_FLAGS,
  quick: { type: 'boolean' },
  out: { type: 'string' },
  backend: { type: 'string' },
  repeats: { type: 'string' },
  teacher: { type: 'string' },
  'interval-ms': { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

/** The command line that reproduces this run: the suite by path and every option but --out and --quiet. */
function reproduceCommand(values: Record<string, unknown>, suiteFile: string): string {
  const quote = (s: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const parts = ['kdbench', 'run', quote(relative(process.cwd(), suiteFile) || suiteFile)];
  for (const [key, v] of Object.entries(values)) {
    if (key === 'out' || key === 'quiet' || v === undefined || v === false) continue;
    for (const one of Array.isArray(v) ? v : [v]) parts.push(one === true ? `--${key}` : `--${key} ${quote(String(one))}`);
  }
  return parts.join(' ');
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, FLAGS, usage);
  if (positionals.length > 1) throw new UserError(`expected at most one SUITE, got: ${positionals.join(' ')}\n\n${usage}`);
  const intervalMs = numberFlag('interval-ms', values['interval-ms'], { min: 10, max: 60_000, integer: true }) ?? 100;
  const repeats = numberFlag('repeats', values.repeats, { min: 1, max: 100, integer: true });
  // Everything the user gave is checked before any work starts.
  const loaded = loadSuite(positionals[0] ?? DEFAULT_SUITE);
  const carbon = prepareCarbon(carbonOptionsFromFlags(values));
  const teacherPath = values.teacher === undefined ? undefined : resolveTeacherPath(values.teacher);
  if (values.backend !== undefined) checkBackendName(values.backend);
  const dir = createRunDir(values.out, `${loaded.suite.name}${values.quick ? '-quick' : ''}`);
  const progress = new Progress(process.stderr, Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb', Boolean(values.quiet));
  progress.log(`run directory: ${dir}`);
  const { runSuite } = await import('../../run/suite-run.js');
  const { writeReports } = await import('../../report/index.js');
  let runJson;
  try {
    runJson = await runSuite({
      loaded,
      quick: Boolean(values.quick),
      dir,
      backend: values.backend,
      repeats,
      teacherPath,
      carbon,
      intervalMs,
      argv: ['kdbench', 'run', ...argv],
      reproduce: reproduceCommand(values, loaded.file),
      progress,
    });
  } catch (e) {
    if (existsSync(join(dir, 'run.json'))) {
      // The partial run.json is written; draw what can be drawn from it, then report the error.
      try {
        await writeReports(dir);
      } catch {
        /* the report is a convenience here; run.json and samples.csv hold the data */
      }
      progress.log(`partial run written to ${dir}`);
    } else if (readdirSync(dir).length === 0) {
      // Failed before measuring anything (a backend that cannot load): leave no empty run folder behind.
      rmdirSync(dir);
    }
    throw e;
  }
  const files = await writeReports(dir);
  progress.log(`wrote ${files.join(', ')} in ${dir}`);
  process.stdout.write(`${dir}\n`);
  return runJson.status === 'completed' ? 0 : 1;
}
