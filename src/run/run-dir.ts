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
 * Creates the run directory. An explicit --out must not exist or be empty; without it a new
 * folder under reports/ is made, never reusing an existing one.
 */
export function createRunDir(out: string | undefined, label: string, reportsRoot = 'reports'): string {
  if (out !== undefined) {
    const dir = resolve(out);
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new UserError(`--out ${out}: exists and is not a directory`);
      if (readdirSync(dir).length > 0)
        throw new UserError(`--out ${out}: the folder exists and is not empty; an existing run is never overwritten (choose a new folder)`);
    } else {
      mkdirSync(dir, { recursive: true });
    }
    return dir;
  }
  const safe = label.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'run';
  const base = join(resolve(reportsRoot), `${stamp(new Date())}-${safe}`);
  mkdirSync(resolve(reportsRoot), { recursive: true });
  for (let i = 0; ; i++) {
    const dir = i === 0 ? base : `${base}-${i}`;
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
