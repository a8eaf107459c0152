/**
 * Small file systems for fault tests: a tmpfs of a few MB (a full disk on demand) or a read-only one.
 * Mounting needs root; where it is refused, `mountTmpfs` says why and the test is skipped with that reason.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Mounts a tmpfs of `size` (e.g. "2m") on `dir`; returns undefined when mounted, else why not. */
export function mountTmpfs(dir: string, size = '2m'): string | undefined {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.error) return `cannot run mount: ${r.error.message}`;
  if (r.status !== 0) return `mount refused (needs root): ${r.stderr.trim()}`;
  return undefined;
}

export function umount(dir: string): void {
  spawnSync('umount', ['-l', dir]);
}

export function remountReadOnly(dir: string): void {
  execFileSync('mount', ['-o', 'remount,ro', dir]);
}

/** Free bytes of the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** Fills the file system of `dir` until `leaveBytes` (rounded to pages) are free, with a file `fill` in dir. */
export function fillUntil(dir: string, leaveBytes: number): void {
  const n = Math.max(0, freeBytes(dir) - leaveBytes);
  try {
    writeFileSync(join(dir, 'fill'), Buffer.alloc(n));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
}
