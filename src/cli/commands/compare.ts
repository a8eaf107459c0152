/** `kdbench compare RUN_DIR...`: runs side by side (same suite on other machines or regions, or different suites). */
import { parseCommandArgs } from '../args.js';
import { UserError } from '../../core/errors.js';
import { createRunDir } from '../../run/run-dir.js';

export const usage = `Usage: kdbench compare RUN_DIR RUN_DIR... [options]

Sets runs side by side in a table and charts: compare.html (self-contained), compare.md,
compare.csv and charts/, written to a new folder (never over an existing comparison).

  --by model     per model (default): the same suite (same sha256) on different machines or
                 regions - which hardware or place runs this workload with the least energy/CO2e
  --by suite     each run as a whole (teacher against its students, ratios, break-even, totals):
                 for runs of different suites
  --out DIR      output folder (must not exist or be empty); default: a new folder under reports/
  --quiet        print nothing but errors

Refused, with the reason: runs of different suites per model, --quick runs mixed with full runs,
runs of different run.json schema versions, "kdbench measure" runs, one run given twice (also as a
copy of its folder: the same run id and start time, or for older runs start time, host and suite).
`;

const FLAGS = { by: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' } } as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, FLAGS, usage);
  const by = values.by;
  if (by !== undefined && by !== 'model' && by !== 'suite') throw new UserError(`--by: expected "model" or "suite", got "${by}"`);
  if (positionals.length < 2) throw new UserError(`compare needs at least two run directories, got ${positionals.length}\n\n${usage}`);
  const { loadForCompare, writeCompare } = await import('../../report/compare/index.js');
  // Everything is checked before the output folder is made.
  const { runs, mode } = loadForCompare(positionals, by);
  const out = createRunDir(values.out, 'compare');
  const files = writeCompare(runs, mode, out);
  if (!values.quiet) {
    process.stderr.write(
      `compared ${runs.length} runs (${mode === 'model' ? 'per model' : 'per suite'}); wrote ${files.join(', ')} in ${out}\n`,
    );
    process.stdout.write(`${out}\n`);
  }
  return 0;
}
