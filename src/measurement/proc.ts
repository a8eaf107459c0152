import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let clkTck: number | undefined;

/** Clock ticks per second for /proc stat times (`getconf CLK_TCK`, 100 on virtually every Linux). */
export function clockTicks(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export interface StatTimes {
  /** utime + stime of the task itself, seconds. */
  selfS: number;
  /** cutime + cstime: reaped children, seconds. */
  childrenS: number;
  ppid: number;
}

/** Parses the text of /proc/PID/stat (the command name may hold spaces and parentheses). */
export function parseStat(text: string, ticks = clockTicks()): StatTimes {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const f = (n: number) => Number(rest[n - 3]);
  return { selfS: (f(14) + f(15)) / ticks, childrenS: (f(16) + f(17)) / ticks, ppid: f(4) };
}

export function readStat(path: string): StatTimes | undefined {
  try {
    return parseStat(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in bytes (from /proc/PID/statm). */
export function readRssBytes(pid: number | 'self'): number | undefined {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return pages * 4096;
  } catch {
    return undefined;
  }
}
