/** The command line recorded in run.json as `reproduce`: runnable in a POSIX shell as it is. */

/** Quotes one word for a POSIX shell: as it is where that is safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `kdbench COMMAND [positionals] [--flag value ...] [-- tail ...]`, every word shell-quoted: the parsed
 * flag values (node:util parseArgs) except those in `omit` (--out, --quiet: where and how verbosely
 * a run is written does not change what it measures). Repeated flags are repeated; boolean flags
 * appear bare when true.
 */
export function reproduceCommand(
  command: string,
  values: Record<string, unknown>,
  opts: { positionals?: string[]; omit?: string[]; tail?: string[] } = {},
): string {
  const omit = new Set(opts.omit ?? ['out', 'quiet']);
  const parts = ['kdbench', command, ...(opts.positionals ?? []).map(shellQuote)];
  for (const [key, v] of Object.entries(values)) {
    if (omit.has(key) || v === undefined || v === false) continue;
    for (const one of Array.isArray(v) ? v : [v]) parts.push(one === true ? `--${key}` : `--${key} ${shellQuote(String(one))}`);
  }
  if (opts.tail) parts.push('--', ...opts.tail.map(shellQuote));
  return parts.join(' ');
}
