/**
 * The live process tree under a PID, from /proc. Children are listed by
 * /proc/PID/task/TID/children (one file per thread, kernel >= 3.5 with CONFIG_PROC_CHILDREN);
 * where that file is missing, by scanning every /proc/N/stat for its parent PID.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
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

/**
 * Whether `pid` is `root` or one of its descendants, by following parent PIDs up from it (so a process
 * born since the last walk of the tree is found too). Undefined where `pid` does not exist here: gone,
 * or a PID of another PID namespace (NVML reports PIDs as the host numbers them).
 */
export function inProcessTree(pid: number, root: number): boolean | undefined {
  let p = pid;
  for (let hops = 0; hops < 4096; hops++) {
    if (p === root) return true;
    const s = readStat(`/proc/${p}/stat`);
    if (!s) return p === pid ? undefined : false;
    if (s.ppid <= 0 || s.ppid === p) return false;
    p = s.ppid;
  }
  return false;
}

/** The command name of a process (/proc/PID/comm), where it can be read. */
export function processCommand(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * How many processes of the tree under `root` hold a GPU device file (/dev/nvidiaN, not nvidiactl or
 * nvidia-uvm) open: each is a process NVML may list with a GPU context. Processes whose descriptors
 * cannot be read count as not holding one.
 */
export function gpuDeviceHolders(root: number): number {
  let n = 0;
  for (const pid of processTree(root)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (/^\/dev\/nvidia\d+$/.test(target)) {
        n++;
        break;
      }
    }
  }
  return n;
}
