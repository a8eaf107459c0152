/**
 * Fault injection on the run directory (issue 12, defects 1, 6 and 7): two runs never share a folder
 * (the claim is atomic and the loser is told who holds it); a run that fails before measuring
 * removes only what it made (a user's own empty --out folder stays); --out through a file, on a
 * kernel file system or on a read-only one is refused before any work with the path and the cause;
 * `kdbench report` in a read-only run folder says so without a stack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors.js';
import { LOCK_FILE, claimRunDir } from '../../src/run/run-dir.js';
import type { RunJson } from '../../src/core/contract.js';
import { REPO } from '../support/meters-fakes.js';
import { mountTmpfs, remountReadOnly, umount } from '../support/tmpfs.js';

const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-faults-claim-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const env: NodeJS.ProcessEnv = {
  ...process.env,
  KDBENCH_NVML_LIB: join(tmp, 'no-libnvidia-ml.so.1'),
  KDBENCH_NVIDIA_SMI: '',
  KDBENCH_POWERCAP_ROOT: join(tmp, 'no-powercap'),
};
const kdbench = (args: string[], timeout = 60_000) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout });

function assertClean(r: { status: number | null; stderr: string }, code: number, message: RegExp): void {
  assert.equal(r.status, code, r.stderr);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, 'no stack trace');
}

test('a second claim of a claimed folder is refused, naming the holder (pid, host, command)', () => {
  const dir = join(tmp, 'claimed');
  const first = claimRunDir(dir, 'x', undefined, ['kdbench', 'measure', '--', 'sleep', '9']);
  try {
    assert.throws(
      () => claimRunDir(dir, 'x'),
      (e: unknown) =>
        e instanceof UserError &&
        e.message.includes(`pid ${process.pid} on ${hostname()}`) &&
        /another kdbench run is using this folder/.test(e.message) &&
        e.message.includes('kdbench measure -- sleep 9'),
    );
    // The refused claim leaves the holder's lock in place: a third claim is refused too.
    assert.ok(existsSync(join(dir, LOCK_FILE)), 'a refused claim must not remove the lock it lost to');
    assert.throws(() => claimRunDir(dir, 'x'), /another kdbench run is using this folder/);
  } finally {
    first.release();
  }
  assert.deepEqual(readdirSync(dir), [], 'the lock goes with the run');
});

test('six processes claim the same folders at the same moment: exactly one gets each', async () => {
  // Each child claims 20 folders in turn, starting together, so each folder is a race of six; a
  // loser must never remove the winner's lock (a third claim would then win as well).
  const dirs = Array.from({ length: 20 }, (_, i) => join(tmp, `race-${i}`));
  for (const d of dirs) mkdirSync(d);
  const at = Date.now() + 1500;
  const script = `
    const { claimRunDir } = await import(${JSON.stringify(join(REPO, 'dist', 'src', 'run', 'run-dir.js'))});
    const dirs = ${JSON.stringify(dirs)};
    while (Date.now() < ${at});
    const out = [];
    for (const d of dirs) {
      try { claimRunDir(d, 'race'); out.push('won'); } catch (e) { out.push('refused: ' + e.message); }
    }
    console.log(JSON.stringify(out));
    await new Promise((r) => setTimeout(r, 500));`;
  const outs = await Promise.all(
    Array.from(
      { length: 6 },
      () =>
        new Promise<string[]>((resolve) => {
          const c = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          c.stdout.on('data', (d: Buffer) => (out += d.toString()));
          c.on('close', () => resolve(JSON.parse(out) as string[]));
        }),
    ),
  );
  dirs.forEach((d, i) => {
    const results = outs.map((o) => o[i]!);
    assert.equal(results.filter((o) => o === 'won').length, 1, `${d}:\n${results.join('\n')}`);
    for (const o of results.filter((x) => x !== 'won'))
      assert.match(o, /refused: .*(another kdbench run|a kdbench run that no longer runs|not empty)/);
  });
});

test('kdbench measure twice into one --out: the second exits 2 naming the first; the folder holds one run', async () => {
  const out = join(tmp, 'shared');
  const first = spawn(process.execPath, [CLI, 'measure', '--quiet', '--out', out, '--', 'sleep', '4'], { env, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => first.on('close', resolve));
  for (let i = 0; i < 200 && !existsSync(join(out, 'run.json')); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(join(out, 'run.json')), 'the first run started');
  const second = kdbench(['measure', '--quiet', '--carbon-intensity', '999', '--out', out, '--', 'true']);
  assertClean(second, 2, new RegExp(`another kdbench run is using this folder \\(pid ${first.pid} `));
  assert.equal(await exited, 0);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
  assert.equal(run.status, 'completed');
  assert.notEqual(run.carbon?.intensityGCO2ePerKWh, 999, 'run.json is the first run');
  const csv = readFileSync(join(out, 'samples.csv'), 'utf8');
  assert.equal(csv.split('\n').filter((l) => l.startsWith('t_s,')).length, 1, 'one header: one run wrote samples.csv');
  assert.ok(!readdirSync(out).includes(LOCK_FILE), 'the lock is gone once the run ended');
});

test("a run that gives up before measuring removes only what it made: a user's empty folder stays, new parents go", () => {
  const mine = join(tmp, 'users-own');
  mkdirSync(mine);
  const a = claimRunDir(mine, 'x');
  writeFileSync(join(mine, 'run.json'), '{}');
  a.abandon(['run.json', 'samples.csv']);
  assert.ok(existsSync(mine), "the user's folder is still there");
  assert.deepEqual(readdirSync(mine), []);

  const top = join(tmp, 'new-top');
  const b = claimRunDir(join(top, 'a', 'b'), 'x');
  b.abandon(['run.json', 'samples.csv']);
  assert.ok(!existsSync(top), 'the folders the claim made are gone, parents included');

  const shared = join(tmp, 'someone-else');
  const c = claimRunDir(shared, 'x');
  writeFileSync(join(shared, 'notes.txt'), 'written by someone else meanwhile');
  c.abandon(['run.json', 'samples.csv']);
  assert.deepEqual(readdirSync(shared), ['notes.txt'], 'what this run did not write stays');
});

test("kdbench run with a backend that cannot load: exit 2, the user's own empty --out folder stays", () => {
  const out = join(tmp, 'empty-out');
  mkdirSync(out);
  const r = kdbench(['run', '--quick', '--backend', 'tensorflow-gpu', '--out', out], 120_000);
  assertClean(r, 2, /--backend tensorflow-gpu: cannot be loaded here/);
  assert.ok(existsSync(out));
  assert.deepEqual(readdirSync(out), []);
});

test('--out through a file, under /proc, /sys or /dev: exit 2 at once, the path and the cause, no stack', () => {
  const file = join(tmp, 'a-file');
  writeFileSync(file, 'x');
  assertClean(
    kdbench(['measure', '--out', join(file, 'run'), '--', 'true']),
    2,
    /--out .*a-file\/run: .*(ENOTDIR|is a file, not a folder)/,
  );
  for (const [out, fs] of [
    ['/proc/kdbench-test-run', '/proc'],
    ['/sys/kernel/kdbench-test-run', '/sys'],
    ['/dev/kdbench-test-run', '/dev'],
  ]) {
    if (!existsSync(out.split('/').slice(0, 2).join('/'))) continue;
    const r = kdbench(['measure', '--out', out, '--', 'true'], 30_000);
    assert.notEqual(r.signal, 'SIGTERM', `${out}: hung`);
    assertClean(r, 2, new RegExp(`--out ${out}: on ${fs} \\(the kernel's .*\\), not storage`));
    assert.ok(!existsSync(out));
  }
});

const mnt = join(tmp, 'ro');
const noMount = mountTmpfs(mnt, '2m');
if (!noMount) umount(mnt);

test('a read-only file system: --out refused with EROFS (exit 2); kdbench report there exits 1 naming the file', { skip: noMount }, () => {
  // A run written elsewhere, copied onto a file system that then becomes read-only.
  const src = join(tmp, 'to-copy');
  const made = kdbench(['measure', '--quiet', '--out', src, '--', 'true']);
  assert.equal(made.status, 0, made.stderr);
  mountTmpfs(mnt, '2m');
  try {
    spawnSync('cp', ['-r', src, join(mnt, 'run')]);
    remountReadOnly(mnt);
    assertClean(
      kdbench(['measure', '--out', join(mnt, 'new'), '--', 'true']),
      2,
      /--out .*\/new: cannot write in .*read-only file system \(EROFS\)/,
    );
    const rep = kdbench(['report', join(mnt, 'run')]);
    assertClean(rep, 1, new RegExp(`cannot write ${join(mnt, 'run')}/[a-z-]+\\.[a-z]+: read-only file system \\(EROFS\\)`));
    assert.deepEqual(
      readdirSync(join(mnt, 'run')).filter((f) => f.includes('.tmp-')),
      [],
    );
  } finally {
    umount(mnt);
  }
});
