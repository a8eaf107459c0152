/**
 * --emit local end to end with real runs: two --quick cells, one on a machine class whose environment makes
 * the run fail (KDBENCH_FAIL_IN_PHASE); the failed cell is listed by name, the other still collected; a
 * second --emit local skips the completed cell and retries the failed one in a folder of its own.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-local-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const host = os.hostname().split('.')[0];
const kdbench = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 300_000, cwd: tmp });

const sweepDir = join(tmp, 'results', 'local-test');
let first: ReturnType<typeof kdbench>;

before(() => {
  writeFileSync(
    join(tmp, 'plan.yaml'),
    `name: local-test
suites: [default]
quick: true
matrix: { machines: [cpu, broken], carbon: [{ intensity: 300 }] }
machines:
  cpu: { gpus: 0 }
  broken: { gpus: 0, env: { KDBENCH_FAIL_IN_PHASE: teacher-training } }
`,
  );
  first = kdbench(['sweep', 'plan.yaml', '--emit', 'local', '--out', 'results']);
});

test('the cells run one after another, each into CELL-HOST; a failed cell does not stop the others', () => {
  assert.equal(first.status, 1, `exit 1: a cell did not complete\n${first.stderr.slice(-3000)}`);
  assert.equal(first.stdout.trim(), sweepDir, 'stdout keeps only the sweep folder');
  assert.match(first.stderr, /cell 1\/2: 000-cpu\n/);
  assert.match(first.stderr, /cell 001-broken did not complete \(exit code 1\); going on with the others/);
  const good = JSON.parse(readFileSync(join(sweepDir, `000-cpu-${host}`, 'run.json'), 'utf8'));
  assert.equal(good.status, 'completed');
  assert.deepEqual(good.environment.scheduler.sweep.cell, '000-cpu');
  assert.equal(good.environment.scheduler.scheduler, null);
  assert.equal(good.carbon.intensityGCO2ePerKWh, 300);
  assert.equal(good.suite.quick, true);
  const bad = JSON.parse(readFileSync(join(sweepDir, `001-broken-${host}`, 'run.json'), 'utf8'));
  assert.equal(bad.status, 'failed');
  const task = JSON.parse(readFileSync(join(sweepDir, 'tasks', `001-broken-${host}.json`), 'utf8'));
  assert.equal(task.exitCode, 1);
  assert.match(task.stderrTail, /failInPhase: injected failure/);
});

test('collect lists the failed cell by name and still collects the other', () => {
  const out = join(tmp, 'collected');
  const r = kdbench(['collect', sweepDir, '--out', out]);
  assert.equal(r.status, 1, r.stderr);
  const md = readFileSync(join(out, 'collect.md'), 'utf8');
  assert.match(md, /1 of 2 cells completed/);
  assert.match(
    md,
    /- \*\*001-broken\*\* FAILED: 001-broken-\S+: status "failed": failInPhase: injected failure at the start of phase \\?"teacher-training\\?"/,
  );
  assert.match(md, /### spam-default on cpu \(.*\), \w+, 300g, PUE 1/);
  assert.match(md, /\| student-bag \| student \| [\d.]+ % \(n=1\) \| [\d.e-]+ \(n=1\) ± [\d.e-]+ meter bound \(batch 32\)/);
});

test('--emit local again: the completed cell is skipped, the failed one runs again in a folder of its own', () => {
  const r = kdbench(['sweep', 'plan.yaml', '--emit', 'local', '--out', 'results']);
  assert.equal(r.status, 1, r.stderr.slice(-2000));
  assert.match(r.stderr, /reusing sweep folder/);
  assert.match(r.stderr, /skipping 1 cell\(s\) that already completed/);
  assert.ok(existsSync(join(sweepDir, `001-broken-${host}-2`, 'run.json')));
  assert.deepEqual(readdirSync(join(sweepDir, 'tasks')).sort(), [
    `000-cpu-${host}.json`,
    `001-broken-${host}-2.json`,
    `001-broken-${host}.json`,
  ]);
});

test('SIGTERM during --emit local: the running cell writes an interrupted run.json, no further cell starts, collect lists it', async () => {
  writeFileSync(
    join(tmp, 'int.yaml'),
    `name: local-int
suites: [default]
quick: true
matrix: { machines: [cpu], repeats: 2 }
machines: { cpu: { gpus: 0 } }
`,
  );
  const dir = join(tmp, 'results', 'local-int');
  const runDir = join(dir, `000-cpu-r1-${host}`);
  const child = spawn(process.execPath, [MAIN, 'sweep', 'int.yaml', '--emit', 'local', '--out', 'results'], {
    cwd: tmp,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  // Once the first cell's run has started measuring, stop the sweep.
  const end = Date.now() + 120_000;
  while (!existsSync(join(runDir, 'run.json'))) {
    assert.ok(Date.now() < end, `the first cell never started:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGTERM');
  const code = await exited;
  assert.equal(code, 130, stderr.slice(-2000));
  assert.match(stderr, /SIGTERM: stopping; 1 cell\(s\) not run \(run --emit local again to resume\)/);
  assert.equal(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).status, 'interrupted');
  assert.equal(existsSync(join(dir, `001-cpu-r2-${host}`)), false, 'the second cell did not start');
  const r = kdbench(['collect', dir, '--out', join(tmp, 'int-collected')]);
  assert.equal(r.status, 1, r.stderr);
  const md = readFileSync(join(tmp, 'int-collected', 'collect.md'), 'utf8');
  assert.match(md, /0 of 2 cells completed/);
  assert.match(md, /- \*\*000-cpu-r1\*\* INTERRUPTED: 000-cpu-r1-\S+: status "interrupted": interrupted by SIGTERM/);
  assert.match(md, /- \*\*001-cpu-r2\*\* MISSING: no run directory/);
});
