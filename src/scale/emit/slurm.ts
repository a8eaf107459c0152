/**
 * Slurm: one sbatch array script per machine class (a class has its own partition, GPUs and limits).
 * The array indices are the cells' indices in sweep.json; each task runs
 * `kdbench sweep --task $SLURM_ARRAY_TASK_ID RESULTS/PLAN`, which runs the cell's kdbench run.
 */
import { join } from 'node:path';
import type { Plan } from '../plan.js';
import type { SweepManifest } from '../sweep-dir.js';

/** A shell word, single-quoted where it needs it. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Indices as Slurm's --array list: "0-3,7,9-10". */
export function arrayRanges(indices: number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    out.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

export interface EmittedFile {
  name: string;
  text: string;
  /** The command that hands it to the scheduler. */
  submit: string;
}

/** The sbatch scripts, one per machine class. kdbenchCommand: how a node starts kdbench (default this Node.js and this kdbench). */
export function emitSlurm(plan: Plan, manifest: SweepManifest, sweepDir: string, kdbenchCommand: string[]): EmittedFile[] {
  const command = plan.slurm?.kdbench ?? kdbenchCommand;
  const classes = [...new Set(manifest.cells.map((c) => c.machine))];
  return classes.map((cls) => {
    const cells = manifest.cells.filter((c) => c.machine === cls);
    const mc = plan.machines[cls];
    const s = mc.slurm ?? {};
    const throttle = plan.slurm?.maxParallel ? `%${plan.slurm.maxParallel}` : '';
    const gres = s.gres ?? (mc.gpus > 0 ? `gpu:${mc.gpus}` : undefined);
    const directives = [
      `--job-name=kdbench-${plan.name}-${cls}`,
      `--array=${arrayRanges(cells.map((c) => c.index))}${throttle}`,
      `--output=${join(sweepDir, 'logs', `slurm-${cls}-%A_%a.out`)}`,
      '--ntasks=1',
      '--export=ALL',
      s.partition && `--partition=${s.partition}`,
      s.constraint && `--constraint=${s.constraint}`,
      gres && `--gres=${gres}`,
      s.cpusPerTask && `--cpus-per-task=${s.cpusPerTask}`,
      s.mem && `--mem=${s.mem}`,
      s.time && `--time=${s.time}`,
      s.account && `--account=${s.account}`,
      s.qos && `--qos=${s.qos}`,
      ...(s.extra ?? []),
    ].filter((x): x is string => typeof x === 'string');
    const name = `slurm-${cls}.sbatch`;
    const text = [
      '#!/bin/bash',
      ...directives.map((d) => `#SBATCH ${d}`),
      `# kdbench sweep, plan "${plan.name}" (sha256 ${manifest.plan.sha256.slice(0, 12)}), machine class "${cls}": ${cells.length} cell(s).`,
      '# Array index = cell index in sweep.json:',
      ...cells.map((c) => `#   ${c.index}  ${c.id}`),
      `# Submit: sbatch ${join(sweepDir, name)}   Then: kdbench collect ${sweepDir}`,
      'set -euo pipefail',
      ...(plan.slurm?.setup ?? []),
      `exec ${command.map(shellQuote).join(' ')} sweep --task "$SLURM_ARRAY_TASK_ID" ${shellQuote(sweepDir)}`,
      '',
    ].join('\n');
    return { name, text, submit: `sbatch ${shellQuote(join(sweepDir, name))}` };
  });
}
