import { mkdirSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', '-');
}

/**
 * Checks an explicit --out before any work starts: it must not exist, or be an empty folder
 * (an existing run is never overwritten). claimRunDir checks again when it takes the folder.
 */
export function checkOutDir(out: string | undefined): void {
  if (out === undefined) return;
  const dir = resolve(out);
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UserError(`--out ${out}: exists and is not a directory`);
  if (readdirSync(dir).length > 0)
    throw new UserError(`--out ${out}: the folder exists and is not empty; an existing run is never overwritten (choose a new folder)`);
}

/** A run directory taken for one run; `created`: this run made the folder (so it may remove it again while empty). */
export interface ClaimedDir {
  dir: string;
  created: boolean;
}

/**
 * Takes the run directory. An explicit --out must not exist or be empty; without it a new folder
 * reportsRoot/<time>-<label> is made, never reusing an existing one.
 */
export function claimRunDir(out: string | undefined, label: string, reportsRoot = 'reports'): ClaimedDir {
  if (out !== undefined) {
    checkOutDir(out);
    const dir = resolve(out);
    const created = !existsSync(dir);
    if (created) mkdirSync(dir, { recursive: true });
    return { dir, created };
  }
  const safe = label.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'run';
  const base = join(resolve(reportsRoot), `${stamp(new Date())}-${safe}`);
  mkdirSync(resolve(reportsRoot), { recursive: true });
  for (let i = 0; ; i++) {
    const dir = i === 0 ? base : `${base}-${i}`;
    try {
      mkdirSync(dir);
      return { dir, created: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** claimRunDir's folder alone (for outputs that are not runs, such as `kdbench compare --out`). */
export function createRunDir(out: string | undefined, label: string, reportsRoot = 'reports'): string {
  return claimRunDir(out, label, reportsRoot).dir;
}
