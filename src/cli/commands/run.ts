/** `kdbench run [SUITE] [--quick] [--out DIR]`: distil, evaluate and benchmark a suite, measuring every phase. */
import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { parseCommandArgs, numberFlag } from '../args.js';
import { UserError } from '../../core/errors.js';
import { prepareCarbon } from '../../carbon/index.js';
import { CARBON_FLAGS, CARBON_USAGE, carbonOptionsFromFlags } from '../carbon-flags.js';
import { loadSuite, availableSuites, DEFAULT_SUITE } from '../../suites/load.js';
import { BACKENDS, checkBackendName } from '../../distillation/backend.js';
import { resolveTeacherPath } from '../../distillation/models/reuse.js';
import { checkOutDir } from '../../run/run-dir.js';
import { reproduceCommand } from '../../run/reproduce.js';
import { Progress } from '../progress.js';
import { parseAccuracyDrop } from '../../report/compression.js';

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
  --requests-per-day N  inferences a day in production (an integer >= 1), recorded in run.json for the report
  --max-accuracy-drop X accuracy a compression option may lose against the teacher in the decision box:
                        points ("1pt", "0.5%") or a fraction ("0.01"); default 1pt; recorded in run.json
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
  'requests-per-day': { type: 'string' },
  'max-accuracy-drop': { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

/** A path that must be a regular file: a pipe or a device (/dev/zero) would hang the run that reads it. */
function checkRegularFile(flag: string, given: string, path: string): string {
  if (!statSync(path).isFile()) throw new UserError(`${flag} ${given}: ${path} is not a regular file (a pipe or a device)`);
  return path;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, FLAGS, usage);
  if (positionals.length > 1) throw new UserError(`expected at most one SUITE, got: ${positionals.join(' ')}\n\n${usage}`);
  const intervalMs = numberFlag('interval-ms', values['interval-ms'], { min: 10, max: 60_000, integer: true }) ?? 100;
  const repeats = numberFlag('repeats', values.repeats, { min: 1, max: 100, integer: true });
  const requestsPerDay = numberFlag('requests-per-day', values['requests-per-day'], { min: 1, integer: true });
  const maxAccuracyDrop = values['max-accuracy-drop'] === undefined ? undefined : parseAccuracyDrop(values['max-accuracy-drop']);
  // Everything the user gave is checked before any work starts.
  const loaded = loadSuite(positionals[0] ?? DEFAULT_SUITE);
  const carbon = prepareCarbon(carbonOptionsFromFlags(values));
  const teacherPath =
    values.teacher === undefined ? undefined : checkRegularFile('--teacher', values.teacher, resolveTeacherPath(values.teacher));
  if (values.backend !== undefined) checkBackendName(values.backend);
  checkOutDir(values.out);
  const progress = new Progress(process.stderr, Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb', Boolean(values.quiet));
  const { runSuite } = await import('../../run/suite/index.js');
  const outcome = await runSuite({
    loaded,
    quick: Boolean(values.quick),
    out: values.out,
    backend: values.backend,
    repeats,
    teacherPath,
    carbon,
    intervalMs,
    argv: ['kdbench', 'run', ...argv],
    // The suite by path and every option but --out and --quiet.
    reproduce: reproduceCommand('run', values, { positionals: [relative(process.cwd(), loaded.file) || loaded.file] }),
    ...(requestsPerDay === undefined && maxAccuracyDrop === undefined
      ? {}
      : {
          reportSettings: {
            ...(requestsPerDay === undefined ? {} : { requestsPerDay }),
            ...(maxAccuracyDrop === undefined ? {} : { maxAccuracyDrop }),
          },
        }),
    progress,
    // Failure injection for tests of partial runs, read here and nowhere else.
    failInPhase: process.env.KDBENCH_FAIL_IN_PHASE || undefined,
    onFinished: ({ run, dir, reportFiles }) => {
      if (run.status === 'completed' && reportFiles.length > 0) progress.log(`wrote ${reportFiles.join(', ')} in ${dir}`);
      else if (run.status !== 'completed') progress.log(`partial run written to ${dir}`);
    },
  });
  process.stdout.write(`${outcome.dir}\n`);
  // A run the body finished but its finalisation failed (a full disk): the reason, even with --quiet.
  if (outcome.status !== 'completed' && outcome.run.error)
    process.stderr.write(`kdbench: run ${outcome.status}: ${outcome.run.error.message}\n`);
  return outcome.reportError !== undefined ? 1 : outcome.exitCode;
}
