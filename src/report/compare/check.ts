/**
 * Can these runs be compared, and how? Per model (the same suite on other machines or regions: a
 * procurement question) needs the same suite file; per suite (different suites side by side)
 * compares each run as a whole. Refusals say why and what can be compared instead.
 */
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../../core/errors.js';
import type { RunJson } from '../../core/contract.js';

export type CompareMode = 'model' | 'suite';

export interface LoadedRun {
  dir: string;
  /** "R1", "R2" ... in the order given. */
  label: string;
  run: RunJson;
}

export function runName(r: LoadedRun): string {
  return `${r.label} (${basename(r.dir)})`;
}

const hashOf = (r: LoadedRun) => r.run.suite?.sha256 ?? 'none';

/** What makes a run itself: its run id and start time; for older runs without an id, start time, host name and suite hash. */
export function runIdentity(run: RunJson): { key: string; words: string } {
  const host = typeof run.environment?.hostname === 'string' ? run.environment.hostname : 'n/a';
  if (typeof run.runId === 'string' && run.runId !== '')
    return { key: `id:${run.runId}|${run.startedAt}`, words: `run id ${run.runId}, started ${run.startedAt}` };
  return {
    key: `old:${run.startedAt}|${host}|${run.suite?.sha256 ?? 'none'}`,
    words: `no run id; started ${run.startedAt} on host ${host}, suite sha256 ${(run.suite?.sha256 ?? 'none').slice(0, 12)}`,
  };
}

/** Throws a UserError naming the runs and the reason when they cannot be compared in this mode. Returns the mode. */
export function checkComparable(runs: LoadedRun[], requested: CompareMode | undefined): CompareMode {
  if (runs.length < 2) throw new UserError(`compare needs at least two run directories, got ${runs.length}`);
  const seen = new Map<string, string>();
  for (const r of runs) {
    const real = realpathSync(r.dir);
    const before = seen.get(real);
    if (before) throw new UserError(`${r.dir} and ${before} are the same run directory; give each run once`);
    seen.set(real, r.dir);
  }
  // A copied run directory is still the same run: same run id and start (older runs: start, host and suite).
  const ids = new Map<string, LoadedRun>();
  for (const r of runs) {
    const id = runIdentity(r.run);
    const before = ids.get(id.key);
    if (before)
      throw new UserError(
        `${runName(before)} and ${runName(r)} are the same run (${id.words}): one is a copy of the other. Give each run once; to compare a run with itself on purpose, run the suite again.`,
      );
    ids.set(id.key, r);
  }
  const versions = [...new Set(runs.map((r) => r.run.schemaVersion))];
  if (versions.length > 1) {
    throw new UserError(
      `cannot compare runs written with different run.json schema versions (${runs.map((r) => `${runName(r)}: ${r.run.schemaVersion}`).join(', ')}): fields may be defined differently. Re-run the older ones with this kdbench, or compare runs of one version.`,
    );
  }
  const measure = runs.filter((r) => r.run.kind !== 'suite');
  if (measure.length > 0) {
    throw new UserError(
      `${measure.map(runName).join(', ')}: written by "kdbench measure" (no models, no suite); compare works on "kdbench run" directories. Their energy is in each run's report.`,
    );
  }
  const quick = runs.filter((r) => r.run.suite?.quick);
  if (quick.length > 0 && quick.length < runs.length) {
    throw new UserError(
      `cannot compare --quick smoke runs with full runs (quick: ${quick.map(runName).join(', ')}; full: ${runs
        .filter((r) => !r.run.suite?.quick)
        .map(runName)
        .join(
          ', ',
        )}): a quick run trains on a small slice for a few steps, so its accuracy and energy say nothing about the full suite. Compare quick runs with quick runs, or full with full.`,
    );
  }
  const hashes = [...new Set(runs.map(hashOf))];
  const mode = requested ?? 'model';
  if (mode === 'model' && hashes.length > 1) {
    const which = runs.map((r) => `${runName(r)}: suite ${r.run.suite?.name ?? 'n/a'}, sha256 ${hashOf(r).slice(0, 12)}`).join('; ');
    throw new UserError(
      `cannot compare these runs model by model: they ran different suites (${which}). A model of one suite is not the same model in the other (other data, architecture, steps or seed), so setting their accuracy and energy side by side would mislead. What can be compared: each run as a whole (teacher against its students, energy ratios, break-even, totals) with --by suite.`,
    );
  }
  return mode;
}
