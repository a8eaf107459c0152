/** `kdbench collect RESULTS/PLAN`: a sweep's runs merged into one comparison report. */
import { parseCommandArgs } from '../args.js';
import { UserError } from '../../core/errors.js';
import { createRunDir } from '../../run/run-dir.js';

export const usage = `Usage: kdbench collect RESULTS/PLAN [options]

Merges the runs of a sweep (the folder kdbench sweep made) into one comparison report: per machine
class and GPU model, every model's accuracy, energy and gCO2e per 1,000 inferences, distillation cost
and break-even, as medians with 95 % intervals across repeats and seeds. Missing, failed and
interrupted cells are listed by name; the completed ones are still collected. Writes collect.html
(self-contained), collect.md, collect.csv, cells.csv and charts/ into a new folder.

  --out DIR    output folder (must not exist or be empty); default: a new folder in RESULTS/PLAN
  --quiet      print nothing but errors

Refused, with the reason: a folder that holds runs of another plan (or of another version of it),
runs whose suite sha256 is not their cell's, runs not started by kdbench sweep.
Exit code: 0 when every cell completed; 1 when some did not (the report is written); 2 for bad input.
`;

const FLAGS = { out: { type: 'string' }, quiet: { type: 'boolean' } } as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, FLAGS, usage);
  if (positionals.length !== 1)
    throw new UserError(`expected one RESULTS/PLAN folder, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\n\n${usage}`);
  const { loadSweep, writeCollect } = await import('../../scale/collect/index.js');
  // Everything is checked before the output folder is made.
  const sweep = loadSweep(positionals[0]);
  const out = createRunDir(values.out, 'collect', positionals[0]);
  const files = writeCollect(sweep, out);
  const notDone = sweep.cells.filter((c) => c.state !== 'completed');
  if (!values.quiet) {
    process.stderr.write(
      `collected ${sweep.cells.length - notDone.length} of ${sweep.cells.length} cells of plan "${sweep.manifest.plan.name}"${
        notDone.length ? `; not collected: ${notDone.map((c) => `${c.cell.id} (${c.state})`).join(', ')}` : ''
      }; wrote ${files.join(', ')} in ${out}\n`,
    );
    process.stdout.write(`${out}\n`);
  }
  return notDone.length > 0 ? 1 : 0;
}
