/**
 * Fault injection on what a run writes (issue 12, defects 2 and 3): a reader that closes kdbench's
 * stdout, and full disks (a 2 MB tmpfs: full before the run, with room only for the lock, filled by
 * the workload during the run). Every time: no stack, no temporary file, and the run ends "failed"
 * with the reason (naming the file) in run.json wherever anything can still be written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunJson } from '../../src/core/contract.js';
import { REPORT_FILES } from '../../src/report/index.js';
import { REPO } from '../support/meters-fakes.js';
import { fillUntil, mountTmpfs, umount } from '../support/tmpfs.js';

const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-faults-io-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  KDBENCH_NVML_LIB: join(tmp, 'no-libnvidia-ml.so.1'),
  KDBENCH_NVIDIA_SMI: '',
  KDBENCH_POWERCAP_ROOT: join(tmp, 'no-powercap'),
};
const readRun = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;
const noStack = (stderr: string) => assert.doesNotMatch(stderr, /internal error|\n\s+at /, `no stack trace:\n${stderr}`);
const tmpFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.includes('.tmp-'))
    : [];

test("measure -- yes, its reader goes after two lines: no crash, the command's pipe closed too, run failed with the reason, reported", async () => {
  const out = join(tmp, 'epipe');
  const p = spawn(process.execPath, [CLI, 'measure', '--quiet', '--out', out, '--', 'yes'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let got = '';
  p.stdout.on('data', (d: Buffer) => {
    got += d.toString();
    if (got.split('\n').length > 2) p.stdout.destroy(); // like `| head -2`
  });
  const code = await new Promise<number | null>((resolve) => p.on('close', resolve));
  noStack(stderr);
  assert.notEqual(code, 0);
  const run = readRun(out);
  assert.equal(run.status, 'failed');
  assert.match(run.error!.message, /standard output could not take the command's output: the reader closed the pipe \(EPIPE\)/);
  assert.ok(existsSync(join(out, 'report.html')), 'the run is reported');
});

test('a command whose stdout reader is gone before it writes (kdbench carbon > closed pipe): exit 0, no crash', async () => {
  const p = spawn(process.execPath, [CLI, 'carbon', '--energy', '1kWh', '--region', 'FR'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout.destroy();
  let stderr = '';
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => p.on('close', resolve));
  noStack(stderr);
  assert.equal(code, 0);
});

const mnt = join(tmp, 'disk');
const noMount = mountTmpfs(mnt, '2m');
if (!noMount) umount(mnt);

function onSmallDisk(fn: () => void): void {
  mountTmpfs(mnt, '2m');
  try {
    fn();
  } finally {
    umount(mnt);
  }
}
const measure = (out: string, cmd: string[]) =>
  spawnSync(process.execPath, [CLI, 'measure', '--quiet', '--out', out, '--', ...cmd], { encoding: 'utf8', env, timeout: 120_000 });

test('a full disk before the run: exit 2 naming --out and ENOSPC; nothing left behind', { skip: noMount }, () =>
  onSmallDisk(() => {
    fillUntil(mnt, 0);
    const out = join(mnt, 'run');
    const r = measure(out, ['true']);
    noStack(r.stderr);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--out ${out}: .*no space left on the device \\(ENOSPC\\)`));
    assert.ok(!existsSync(out), 'the folder it made is removed');
    assert.deepEqual(tmpFiles(mnt), []);
  }),
);

test("room for the lock only: samples.csv cannot be written, exit 1 naming it; the user's own empty folder stays", { skip: noMount }, () =>
  onSmallDisk(() => {
    const out = join(mnt, 'mine');
    mkdirSync(out);
    fillUntil(mnt, 4096);
    const r = measure(out, ['true']);
    noStack(r.stderr);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `cannot write ${out}/samples\\.csv: no space left on the device \\(ENOSPC\\); the run could not start; nothing was measured`,
      ),
    );
    assert.deepEqual(readdirSync(out), [], 'its own folder, empty as it was');
  }),
);

/** A workload that fills the disk (leaving `leave` bytes) and waits a little, so that the run's own writes meet a full disk. */
const filler = (leave: number) => [
  process.execPath,
  '-e',
  `const fs=require('fs');const s=fs.statfsSync(${JSON.stringify(mnt)});` +
    `try{fs.writeFileSync(${JSON.stringify(join(mnt, 'filled-by-workload'))},Buffer.alloc(Math.max(0,s.bavail*s.bsize-${leave})))}catch(e){}` +
    `setTimeout(()=>{},600)`,
];

test(
  'the workload fills the disk to 0 during the run: run.json ends "failed" with ENOSPC and the file, no reports, exit 1',
  { skip: noMount },
  () =>
    onSmallDisk(() => {
      const out = join(mnt, 'run');
      const r = measure(out, filler(0));
      noStack(r.stderr);
      assert.equal(r.status, 1, r.stderr);
      const run = readRun(out);
      assert.equal(run.status, 'failed', 'not left "running"');
      assert.match(
        run.error!.message,
        new RegExp(`cannot write ${out}/(samples\\.csv|run\\.json): no space left on the device \\(ENOSPC\\)`),
      );
      for (const f of REPORT_FILES) assert.ok(!existsSync(join(out, f)), `${f}: no half-written report`);
      assert.deepEqual(tmpFiles(mnt), []);
    }),
);

test('the workload leaves 60 KB: run.json is written, the reports are not; "failed", and how to rebuild them', { skip: noMount }, () =>
  onSmallDisk(() => {
    const out = join(mnt, 'run');
    const r = measure(out, filler(60 * 1024));
    noStack(r.stderr);
    assert.equal(r.status, 1, r.stderr);
    const run = readRun(out);
    assert.equal(run.status, 'failed');
    assert.match(run.error!.message, /no space left on the device \(ENOSPC\)/);
    assert.ok(run.phases.length > 0 && run.totals, 'the measurements are in run.json');
    assert.deepEqual(tmpFiles(mnt), []);
    assert.ok(!existsSync(join(out, 'report.html')));
    assert.match(
      run.error!.message,
      new RegExp(`^writing the reports: cannot write ${out}/\\S+: .*make room, then run "kdbench report ${out}"`),
    );
  }),
);
