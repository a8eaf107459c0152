/** `kdbench sweep PLAN.yaml --emit slurm|k8s|local`: a plan's matrix handed to a scheduler, or run here; `--task N` is what each task runs. */
import { resolve } from 'node:path';
import { parseCommandArgs, numberFlag } from '../args.js';
import { UserError } from '../../core/errors.js';

export const usage = `Usage: kdbench sweep PLAN.yaml --emit slurm|k8s|local [options]
       kdbench sweep --task N [--class NAME] RESULTS/PLAN

Expands a plan (suites and a matrix of machine classes, backends, regions or intensities, PUE,
seeds and repeats; schema: src/scale/plan.schema.json) into cells, one kdbench run each, and writes
the sweep folder RESULTS/PLAN (sweep.json lists the cells). Each cell's run goes to its own
RESULTS/PLAN/CELL-HOST/ and records the plan, the cell, and the scheduler's job, task and node.

  --emit slurm     write an sbatch array script per machine class (array index = cell index)
  --emit k8s       write a Kubernetes Indexed Job per machine class (completion index -> cell)
  --emit local     run the cells here, one after another (cells that already completed are skipped)
  --out RESULTS    results folder (default: results); the sweep goes to RESULTS/PLAN
  --force          emit a matrix larger than the maximum of 256 cells
  --class NAME     only the cells of this machine class
  --quiet          print nothing but errors (and the runs' own output with --emit local)

  --task N         run cell N of the sweep folder RESULTS/PLAN (what the emitted scripts run); with
                   --class, N counts the cells of that class only (a Kubernetes completion index)

Then: kdbench collect RESULTS/PLAN merges the runs into one comparison report.
Exit code: 0; with --emit local or --task, 1 when a cell did not complete; 2 for bad input.
`;

const FLAGS = {
  emit: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  class: { type: 'string' },
  task: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, FLAGS, usage);
  if (positionals.length !== 1)
    throw new UserError(
      `expected one ${values.task !== undefined ? 'RESULTS/PLAN folder' : 'PLAN file'}, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\n\n${usage}`,
    );
  const log = (line: string) => {
    if (!values.quiet) process.stderr.write(`[kdbench sweep] ${line}\n`);
  };
  if (values.task !== undefined) {
    if (values.emit !== undefined || values.force || values.out !== undefined)
      throw new UserError('--task runs one cell of an emitted sweep: --emit, --out and --force do not apply');
    const task = numberFlag('task', values.task, { min: 0, integer: true }) as number;
    const { runTask } = await import('../../scale/task.js');
    return runTask(resolve(positionals[0]), task, values.class);
  }
  const { EMIT_KINDS, sweep } = await import('../../scale/sweep.js');
  const emit = values.emit;
  if (emit === undefined) throw new UserError(`--emit is required: one of ${EMIT_KINDS.join(', ')}\n\n${usage}`);
  if (!(EMIT_KINDS as readonly string[]).includes(emit))
    throw new UserError(`--emit: expected one of ${EMIT_KINDS.join(', ')}, got "${emit}"`);
  const result = await sweep({
    planFile: positionals[0],
    emit: emit as (typeof EMIT_KINDS)[number],
    out: values.out ?? 'results',
    force: Boolean(values.force),
    machineClass: values.class,
    log,
  });
  for (const f of result.files) log(`wrote ${f.name}; submit with: ${f.submit}`);
  if (result.ran !== undefined) log(`ran ${result.ran} cell(s), ${result.failed} did not complete`);
  log(`then: kdbench collect ${result.dir}`);
  process.stdout.write(`${result.dir}\n`);
  return (result.failed ?? 0) > 0 ? 1 : 0;
}
