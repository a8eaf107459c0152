/**
 * Fault injection with signals (issue 12, defect 4): a command that ignores SIGTERM is killed
 * (SIGKILL to its process group) --kill-after seconds after the forwarded signal, and what it started
 * goes with it; an interrupted run exits 128 + signal (143, 130) whatever the command returned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunJson } from '../../src/core/contract.js';
import { REPO } from '../support/meters-fakes.js';

const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-faults-signals-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  KDBENCH_NVML_LIB: join(tmp, 'no-libnvidia-ml.so.1'),
  KDBENCH_NVIDIA_SMI: '',
  KDBENCH_POWERCAP_ROOT: join(tmp, 'no-powercap'),
};

/** Running (a zombie waiting to be reaped counts as gone). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/**
 * Starts `kdbench measure --out OUT ... -- sh -c SCRIPT`; the script writes the pid of a grandchild
 * to OUT.pid and then "ready" on stdout. Resolves once it is ready.
 */
async function start(name: string, flags: string[], script: string) {
  const out = join(tmp, name);
  const pidFile = `${out}.pid`;
  const p = spawn(
    process.execPath,
    [CLI, 'measure', '--quiet', '--out', out, ...flags, '--', 'sh', '-c', script.replace('PIDFILE', pidFile)],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((resolve) => p.on('close', resolve));
  for (let i = 0; i < 600 && !stdout.includes('ready'); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(stdout.includes('ready'), `the command started: ${stderr}`);
  return { p, out, closed, grandchild: Number(readFileSync(pidFile, 'utf8')), stderr: () => stderr };
}

test('SIGTERM to kdbench, a command that ignores it: SIGKILL to its group after --kill-after, exit 143, run interrupted', async () => {
  // The shell ignores TERM and INT; so does its child sleep (ignored signals are inherited).
  const r = await start('ignores-term', ['--kill-after', '1'], `trap "" TERM INT; sleep 60 & echo $! > PIDFILE; echo ready; wait`);
  const t0 = Date.now();
  r.p.kill('SIGTERM');
  const code = await r.closed;
  const waited = (Date.now() - t0) / 1000;
  assert.equal(code, 143, r.stderr());
  assert.ok(waited < 20, `ended ${waited.toFixed(1)} s after SIGTERM, not when the command chose to`);
  assert.ok(!alive(r.grandchild), "the command's own child went with its process group");
  const run = JSON.parse(readFileSync(join(r.out, 'run.json'), 'utf8')) as RunJson;
  assert.equal(run.status, 'interrupted');
  assert.match(
    run.error!.message,
    /interrupted by SIGTERM; the command was still running 1 s later and was killed \(SIGKILL to its process group\)/,
  );
  assert.ok(existsSync(join(r.out, 'report.html')), 'the interrupted run is reported');
});

test('SIGINT: the command exits 0 on it, kdbench still exits 130; what it left running is killed after --kill-after', async () => {
  // A non-interactive shell starts background jobs with SIGINT ignored: the sleep outlives its shell.
  const r = await start('int-group', ['--kill-after', '1'], `trap "exit 0" INT; sleep 60 & echo $! > PIDFILE; echo ready; wait`);
  const t0 = Date.now();
  r.p.kill('SIGINT');
  assert.equal(await r.closed, 130, r.stderr());
  assert.ok(Date.now() - t0 < 20_000, 'kdbench did not wait for the sleep');
  assert.ok(!alive(r.grandchild), 'the background job left in the group was killed');
  const run = JSON.parse(readFileSync(join(r.out, 'run.json'), 'utf8')) as RunJson;
  assert.equal(run.status, 'interrupted');
  assert.match(
    run.error!.message,
    /interrupted by SIGINT; the command exited with code 0; processes it left in its group were still running 1 s later and were killed/,
  );
});

test('SIGHUP (the terminal closed) is forwarded too: the command ends, exit 129, run interrupted', async () => {
  const r = await start('hangup', [], `sleep 60 & echo $! > PIDFILE; echo ready; wait`);
  r.p.kill('SIGHUP');
  assert.equal(await r.closed, 129, r.stderr());
  assert.ok(!alive(r.grandchild), 'the command in its own process group got the hangup');
  assert.equal((JSON.parse(readFileSync(join(r.out, 'run.json'), 'utf8')) as RunJson).status, 'interrupted');
});

test('--kill-after takes seconds from 0 to 3600; anything else is a user error before the command runs', () => {
  for (const bad of ['-1', 'ten', '3601', '']) {
    const r = spawnSync(process.execPath, [CLI, 'measure', `--kill-after=${bad}`, '--out', join(tmp, 'never'), '--', 'true'], {
      encoding: 'utf8',
      env,
    });
    assert.equal(r.status, 2, `--kill-after ${bad}: ${r.stderr}`);
    assert.match(r.stderr, /--kill-after: expected a number >= 0 and <= 3600/);
  }
  assert.ok(!existsSync(join(tmp, 'never')));
});
