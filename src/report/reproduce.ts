/** The command line that reproduces a run, as a POSIX shell takes it: run.json's own, else rebuilt from its argv. */
import type { RunJson } from '../core/contract.js';

/** A command line a POSIX shell runs as it was given: words quoted where they need it. */
export function shellLine(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * run.reproduce where the run recorded one; else the recorded argv with "kdbench" in front, without the
 * options that name this run's own output (--out, --quiet), quoted for the shell (older runs, and measure
 * runs written before measure recorded its line).
 */
export function reproduceLine(run: RunJson): string {
  if (typeof run.reproduce === 'string' && run.reproduce !== '') return run.reproduce;
  const argv = Array.isArray(run.command?.argv) ? run.command.argv.map(String) : [];
  const sep = argv.indexOf('--');
  const own = sep < 0 ? argv : argv.slice(0, sep);
  const rest = sep < 0 ? [] : argv.slice(sep);
  const kept: string[] = [];
  for (let i = 0; i < own.length; i++) {
    if (own[i] === '--out') i++;
    else if (own[i].startsWith('--out=') || own[i] === '--quiet') continue;
    else kept.push(own[i]);
  }
  const words = [...kept, ...rest];
  return shellLine(words[0] === 'kdbench' ? words : ['kdbench', ...words]);
}
