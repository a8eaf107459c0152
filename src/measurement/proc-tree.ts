/**
 * The live process tree under a PID, from /proc. Children are listed by
 * /proc/PID/task/TID/children (one file per thread, kernel >= 3.5 with CONFIG_PROC_CHILDREN);
 * where that file is missing, by scanning every /proc/N/stat for its parent PID.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readStat, readRssBytes, type StatTimes } from './proc.js';

function childrenViaTasks(pid: number): number[] | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (c.trim()) out.push(Number(c));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && tid === String(pid)) return undefined;
    }
  }
  return out;
}

function childrenByScan(): Map<number, number[]> {
  const by = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(`/proc/${name}/stat`);
    if (!s) continue;
    const list = by.get(s.ppid) ?? [];
    list.push(Number(name));
    by.set(s.ppid, list);
  }
  return by;
}

/** PIDs of `root` and all its live descendants (zombies included until they are reaped). */
export function processTree(root: number): number[] {
  const out: number[] = [root];
  let scan: Map<number, number[]> | undefined;
  for (let i = 0; i < out.length; i++) {
    let kids = childrenViaTasks(out[i]);
    if (kids === undefined) {
      scan ??= childrenByScan();
      kids = scan.get(out[i]) ?? [];
    }
    for (const k of kids) if (!out.includes(k)) out.push(k);
  }
  return out;
}

/** How long a listed tree is reused: new members are picked up within this time. */
export const TREE_REFRESH_MS = 500;
const cache = new Map<number, { atMs: number; pids: number[] }>();

/**
 * processTree, reused for TREE_REFRESH_MS (the CPU and DRAM estimates share one walk). A member
 * born and reaped between two walks is not lost: its time is in its reaper's cutime/cstime.
 */
export function cachedProcessTree(root: number, nowMs = performance.now()): number[] {
  const c = cache.get(root);
  if (c && nowMs - c.atMs < TREE_REFRESH_MS) return c.pids;
  const pids = processTree(root);
  cache.set(root, { atMs: nowMs, pids });
  return pids;
}

/**
 * CPU seconds of a process tree: for every live member its own time plus its reaped children's
 * (cutime/cstime). A member that exits and is reaped by a member moves its time into the
 * reaper's cutime, so the sum stays continuous; undefined when the root itself is gone.
 */
export function treeCpuSeconds(root: number): number | undefined {
  let total = 0;
  let rootSeen = false;
  for (const pid of cachedProcessTree(root)) {
    const s: StatTimes | undefined = readStat(`/proc/${pid}/stat`);
    if (!s) continue;
    if (pid === root) rootSeen = true;
    total += s.selfS + s.childrenS;
  }
  return rootSeen ? total : undefined;
}

/** Resident memory of a process tree, bytes (shared pages count once per process). */
export function treeRssBytes(root: number): number | undefined {
  let total = 0;
  let rootSeen = false;
  for (const pid of cachedProcessTree(root)) {
    const r = readRssBytes(pid);
    if (r === undefined) continue;
    if (pid === root) rootSeen = true;
    total += r;
  }
  return rootSeen ? total : undefined;
}
