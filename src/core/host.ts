/** Facts about this installation and host that every layer may read: package root and versions, CPU model. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The kdbench package root (dist/src/core -> ../../..). */
export const PACKAGE_ROOT = join(here, '..', '..', '..');

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Installed version of a dependency, or null where it is not installed. Reads
 * node_modules/NAME/package.json the way Node looks packages up (this folder, then each parent), because
 * many packages' "exports" maps hide package.json from require.resolve.
 */
export function dependencyVersion(name: string, from = PACKAGE_ROOT): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string };
      if (pkg.version) return pkg.version;
    } catch {
      /* not here; try the parent folder */
    }
    if (dirname(dir) === dir) return null;
  }
}

export function cpuModel(): string {
  return os.cpus()[0]?.model?.trim() || 'unknown';
}
