/**
 * kdbench sweep: a plan's cells handed to a scheduler (an sbatch array script, a Kubernetes Indexed Job)
 * or run here one after another. kdbench has no scheduler of its own.
 */
import { join } from 'node:path';
import { InterruptedError, UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import { loadPlan } from './plan.js';
import { prepareSweep, type SweepManifest } from './sweep-dir.js';
import { emitSlurm, type EmittedFile } from './emit/slurm.js';
import { emitK8s } from './emit/k8s.js';
import { KDBENCH_MAIN, runCell } from './task.js';
import { loadSweep } from './collect/load.js';

export const EMIT_KINDS = ['slurm', 'k8s', 'local'] as const;
export type EmitKind = (typeof EMIT_KINDS)[number];

export interface SweepOptions {
  planFile: string;
  emit: EmitKind;
  /** RESULTS: the sweep goes to RESULTS/PLAN. */
  out: string;
  force?: boolean;
  /** Only the cells of this machine class. */
  machineClass?: string;
  /** Where progress goes (stderr). */
  log: (line: string) => void;
  /** Where the local runs' output goes (default: stderr, so stdout keeps only the sweep folder). */
  runOutput?: NodeJS.WritableStream;
}

export interface SweepResult {
  dir: string;
  manifest: SweepManifest;
  files: EmittedFile[];
  /** --emit local: cells run, and how many of them did not complete. */
  ran?: number;
  failed?: number;
  skipped?: number;
}

function onlyClass(m: SweepManifest, cls: string | undefined): SweepManifest {
  if (cls === undefined) return m;
  const cells = m.cells.filter((c) => c.machine === cls);
  if (cells.length === 0)
    throw new UserError(
      `--class ${cls}: the plan has no cell of that machine class (classes in the matrix: ${[...new Set(m.cells.map((c) => c.machine))].join(', ')})`,
    );
  return { ...m, cells };
}

export async function sweep(opts: SweepOptions): Promise<SweepResult> {
  const loaded = loadPlan(opts.planFile);
  if (opts.emit === 'k8s' && !loaded.plan.kubernetes)
    throw new UserError(`${loaded.file}: field "kubernetes" is required for --emit k8s (the image with kdbench, and the results volume)`);
  if (opts.machineClass !== undefined && !loaded.plan.matrix.machines.includes(opts.machineClass))
    throw new UserError(`--class ${opts.machineClass}: not in the plan's matrix.machines (${loaded.plan.matrix.machines.join(', ')})`);
  const { dir, manifest, reused } = prepareSweep(loaded, opts.out, { force: opts.force });
  opts.log(`${reused ? 'reusing' : 'prepared'} sweep folder ${dir}: ${manifest.cells.length} cell(s) of plan "${loaded.plan.name}"`);
  const selected = onlyClass(manifest, opts.machineClass);
  if (opts.emit === 'local') {
    const completed = new Set(
      loadSweep(dir)
        .cells.filter((c) => c.state === 'completed')
        .map((c) => c.cell.id),
    );
    const todo = selected.cells.filter((c) => !completed.has(c.id));
    if (todo.length < selected.cells.length) opts.log(`skipping ${selected.cells.length - todo.length} cell(s) that already completed`);
    let failed = 0;
    let ran = 0;
    const out = opts.runOutput ?? process.stderr;
    // Ctrl-C or SIGTERM: the current cell's run writes its partial run.json, then no further cell starts.
    let stop: string | undefined;
    const onSignal = (sig: NodeJS.Signals) => (stop = sig);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      for (const [i, cell] of todo.entries()) {
        if (stop) {
          opts.log(`${stop}: stopping; ${todo.length - i} cell(s) not run (run --emit local again to resume)`);
          break;
        }
        opts.log(`cell ${i + 1}/${todo.length}: ${cell.id}`);
        const code = await runCell(dir, cell, manifest, { stdout: out, stderr: out });
        ran++;
        if (code !== 0) {
          failed++;
          opts.log(`cell ${cell.id} did not complete (exit code ${code})${stop ? '' : '; going on with the others'}`);
        }
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (stop) throw new InterruptedError(stop);
    return { dir, manifest, files: [], ran, failed, skipped: selected.cells.length - todo.length };
  }
  const files =
    opts.emit === 'slurm' ? emitSlurm(loaded.plan, selected, dir, [process.execPath, KDBENCH_MAIN]) : emitK8s(loaded.plan, selected, dir);
  for (const f of files) writeFileAtomic(join(dir, f.name), f.text);
  return { dir, manifest, files };
}
