/** Files of a run directory are written whole or not at all: a temporary file in the same folder, then rename. */
import { writeFileSync, renameSync } from 'node:fs';

/** Writes a file atomically: a temporary file in the same folder, then rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
