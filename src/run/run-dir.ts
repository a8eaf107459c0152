/**
 * The run directory: one folder, one run. It is claimed atomically: the folder is made (or found
 * empty), then a lock file is created with an atomic link, which only one process can win; a second
 * run sees the lock and refuses, naming the holder. The lock is removed when the run ends; a run
 * killed with SIGKILL leaves it, next to its run.json (the folder is not empty anyway).
 *
 * --out is checked before any work: not on a special file system (/proc, /sys ...), not through a
 * file, writable, and new or empty. Every refusal is a UserError naming the path and the cause.
 */
import { hostname } from 'node:os';
import {
  accessSync,
  constants,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  rmdirSync,
  statSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { ioCause } from '../core/files.js';

/** The lock file a run keeps in its directory while it runs. */
export const LOCK_FILE = '.kdbench.lock';

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', '-');
}

/**
 * File systems that are views of the kernel, not storage (statfs f_type magic numbers, linux/magic.h):
 * a run folder there hangs or spins (writes that are refused or mean something else).
 */
const SPECIAL_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
  0x62656570: 'configfs',
  0x6165676c: 'pstore',
  0x65735543: 'fusectl',
  0x42494e4d: 'binfmt_misc',
  0x19800202: 'mqueue',
  0x6e736673: 'nsfs',
  0xf97cff8c: 'selinuxfs',
  0x67596969: 'rpc_pipefs',
};

/** The nearest folder on the way to `dir` that exists (dir itself, or an ancestor). */
function nearestExisting(dir: string): string {
  let p = dir;
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  return p;
}

/**
 * The special file system `path` lies on, if any: by statfs type where the platform has it, and the
 * kernel's trees by place (/proc, /sys, /dev but /dev/shm), which a container may mount as tmpfs or
 * devtmpfs (indistinguishable by type from a disk-backed tmpfs).
 */
export function specialFileSystem(path: string): string | undefined {
  const base = nearestExisting(resolve(path));
  let real = base;
  try {
    real = realpathSync(base);
  } catch {
    /* keep the path as given */
  }
  const full = resolve(real, relative(base, resolve(path)));
  const tree = /^\/(proc|sys|dev)(\/|$)/.exec(full);
  if (tree && !/^\/dev\/shm(\/|$)/.test(full))
    return `/${tree[1]} (the kernel's ${tree[1] === 'dev' ? 'device files' : 'view of the system'})`;
  try {
    const type = Number(statfsSync(base).type) >>> 0;
    return SPECIAL_FS[type] && `the ${SPECIAL_FS[type]} file system (a view of the kernel)`;
  } catch {
    return undefined;
  }
}

/** What a lock file says about the run that holds it. */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

function readLock(dir: string): LockHolder | undefined {
  try {
    const v = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as Partial<LockHolder>;
    return typeof v.pid === 'number'
      ? { pid: v.pid, host: String(v.host ?? '?'), startedAt: String(v.startedAt ?? '?'), command: String(v.command ?? '') }
      : undefined;
  } catch {
    return undefined;
  }
}

/** True unless the holder is known to be gone (a process of this host that no longer exists). */
function holderAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describeHolder(label: string, dir: string): string {
  const h = readLock(dir);
  if (!h)
    return `${label}: another kdbench run is claiming this folder right now (lock ${join(dir, LOCK_FILE)}); a folder holds one run: choose another folder`;
  const who = `pid ${h.pid} on ${h.host}, since ${h.startedAt}${h.command ? `: ${h.command}` : ''}`;
  return holderAlive(h)
    ? `${label}: another kdbench run is using this folder (${who}); a folder holds one run: choose another folder`
    : `${label}: a kdbench run that no longer runs (${who}) left its lock here, so the folder may hold a partial run; choose another folder, or delete ${join(dir, LOCK_FILE)} if the folder is yours to reuse`;
}

function previousRun(dir: string): string {
  try {
    const r = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { status?: unknown };
    return ` (it holds a kdbench run, status ${String(r.status)})`;
  } catch {
    return '';
  }
}

/**
 * Checks an explicit --out before any work starts: not on a special file system, reachable (no file on
 * the way), writable, and new or an empty folder (an existing run is never overwritten). claimRunDir
 * checks again as it takes the folder; only the claim is atomic.
 */
export function checkOutDir(out: string | undefined): void {
  if (out === undefined) return;
  const label = `--out ${out}`;
  if (out.trim() === '') throw new UserError(`--out: expected a folder, got an empty value`);
  const dir = resolve(out);
  const special = specialFileSystem(dir);
  if (special) throw new UserError(`${label}: on ${special}, not storage; choose a folder on a disk`);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new UserError(`${label}: ${ioCause(e)}`);
    // A new folder: the nearest existing folder on the way must be a writable folder.
    const base = nearestExisting(dir);
    if (!statSync(base).isDirectory()) throw new UserError(`${label}: ${base} is a file, not a folder (ENOTDIR)`);
    writable(label, base);
    return;
  }
  if (!isDir) throw new UserError(`${label}: exists and is not a directory`);
  const entries = readdirSync(dir);
  if (entries.includes(LOCK_FILE)) throw new UserError(describeHolder(label, dir));
  if (entries.length > 0)
    throw new UserError(
      `${label}: the folder exists and is not empty${previousRun(dir)}; an existing run is never overwritten (choose a new folder)`,
    );
  writable(label, dir);
}

function writable(label: string, dir: string): void {
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new UserError(`${label}: cannot write in ${dir}: ${ioCause(e)}`);
  }
}

/** A run directory taken for one run. */
export interface ClaimedDir {
  dir: string;
  /** This run made the folder. */
  created: boolean;
  /** Removes the lock: the run is over (its files stay). Safe to call more than once. */
  release(): void;
  /**
   * For a run that measured nothing: removes `files` (names in dir, the files this run wrote), the
   * lock, and the folder with the parents this claim made where they are empty. Never touches
   * anything else: a user's own empty --out folder stays.
   */
  abandon(files?: string[]): void;
}

/**
 * Takes the lock of `dir` with an atomic link (exactly one process wins); refuses with the holder's
 * name where another run has it, and refuses a folder that holds anything else.
 */
function lock(dir: string, label: string, argv: string[]): void {
  const info: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: argv.join(' ').slice(0, 300),
  };
  const path = join(dir, LOCK_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, JSON.stringify(info) + '\n');
    try {
      linkSync(tmp, path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new UserError(describeHolder(label, dir));
      // File systems without hard links: exclusive create (the content follows the create).
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
      try {
        writeFileSync(path, JSON.stringify(info) + '\n', { flag: 'wx' });
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(describeHolder(label, dir));
        throw e2;
      }
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${label}: cannot write in ${dir}: ${ioCause(e)}`);
  } finally {
    rmSync(tmp, { force: true });
  }
  const others = readdirSync(dir).filter((f) => f !== LOCK_FILE && !f.startsWith(`${LOCK_FILE}.tmp-`));
  if (others.length > 0) {
    rmSync(path, { force: true });
    throw new UserError(
      `${label}: the folder exists and is not empty${previousRun(dir)}; an existing run is never overwritten (choose a new folder)`,
    );
  }
}

function claimed(dir: string, createdTop: string | undefined): ClaimedDir {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    rmSync(join(dir, LOCK_FILE), { force: true });
  };
  return {
    dir,
    created: createdTop !== undefined,
    release,
    abandon: (files = []) => {
      for (const f of files) rmSync(join(dir, f), { recursive: true, force: true });
      for (const f of readdirSafe(dir)) if (files.some((x) => f.startsWith(`${x}.tmp-`))) rmSync(join(dir, f), { force: true });
      release();
      removeEmptyMade(dir, createdTop);
    },
  };
}

/** Removes the folders a claim made (dir up to createdTop), innermost first, each only while empty. */
function removeEmptyMade(dir: string, createdTop: string | undefined): void {
  if (createdTop === undefined) return;
  for (let p = dir; ; p = dirname(p)) {
    try {
      rmdirSync(p);
    } catch {
      break;
    }
    if (p === createdTop || dirname(p) === p) break;
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Takes the run directory. An explicit --out must not exist or be empty; without it a new folder
 * reportsRoot/<time>-<label> is made, never reusing an existing one. Either way the folder is locked
 * for this run until release(). `argv` names the holder in a second run's refusal.
 */
export function claimRunDir(
  out: string | undefined,
  label: string,
  reportsRoot = 'reports',
  argv: string[] = process.argv.slice(1),
): ClaimedDir {
  if (out !== undefined) {
    checkOutDir(out);
    const dir = resolve(out);
    const flag = `--out ${out}`;
    let createdTop: string | undefined;
    try {
      createdTop = mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new UserError(`${flag}: cannot create the folder: ${ioCause(e)}`);
    }
    try {
      lock(dir, flag, argv);
    } catch (e) {
      // The lock is not ours (another run holds it, or lock() removed its own): only the folders
      // this claim made go, each while empty. Never release(): that would delete the winner's lock.
      removeEmptyMade(dir, createdTop);
      throw e;
    }
    return claimed(dir, createdTop);
  }
  const safe = label.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'run';
  const root = resolve(reportsRoot);
  const special = specialFileSystem(root);
  if (special) throw new UserError(`reports folder ${root}: on ${special}, not storage; run from a folder on a disk or give --out`);
  let rootTop: string | undefined;
  try {
    rootTop = mkdirSync(root, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot create the reports folder ${root}: ${ioCause(e)} (give --out DIR)`);
  }
  const base = join(root, `${stamp(new Date())}-${safe}`);
  for (let i = 0; ; i++) {
    const dir = i === 0 ? base : `${base}-${i}`;
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new UserError(`cannot create a run folder in ${root}: ${ioCause(e)} (give --out DIR)`);
    }
    try {
      lock(dir, `run folder ${dir}`, argv);
    } catch (e) {
      removeEmptyMade(dir, rootTop ?? dir);
      throw e;
    }
    return claimed(dir, rootTop ?? dir);
  }
}

/** claimRunDir's folder alone, unlocked at once (for outputs that are not runs, such as `kdbench compare --out`). */
export function createRunDir(out: string | undefined, label: string, reportsRoot = 'reports'): string {
  const c = claimRunDir(out, label, reportsRoot);
  c.release();
  return c.dir;
}
