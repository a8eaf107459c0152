/** kdbench sweep and collect on the command line: bad input gets exit code 2 and a message naming what is wrong, no stack. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-sweep-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const kdbench = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000, cwd: tmp });

function plan(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

function assertUserError(r: ReturnType<typeof kdbench>, pattern: RegExp) {
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

const GOOD = `name: cli
suites: [default]
matrix: { machines: [cpu], seeds: [1, 2] }
machines: { cpu: { gpus: 0 } }
`;

test('an invalid plan: exit 2, the file and the field path named, nothing written', () => {
  const p = plan('bad.yaml', GOOD.replace('seeds: [1, 2]', 'seeds: [1, -2], pue: [9]'));
  const r = kdbench(['sweep', p, '--emit', 'slurm', '--out', 'r1']);
  assertUserError(
    r,
    new RegExp(
      `${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: invalid sweep plan:\\n  - field "matrix\\.pue\\[0\\]" must be <= 5\\n  - field "matrix\\.seeds\\[1\\]" must be >= 0`,
    ),
  );
  assert.equal(existsSync(join(tmp, 'r1')), false);
  assertUserError(kdbench(['sweep', join(tmp, 'nope.yaml'), '--emit', 'local']), /plan file not found: .*nope\.yaml/);
  assertUserError(kdbench(['sweep', p.replace('bad', 'bad-suite'), '--emit', 'local']), /plan file not found/);
  const badSuite = plan('bad-suite.yaml', GOOD.replace('[default]', '[default, ./missing.yaml]'));
  assertUserError(
    kdbench(['sweep', badSuite, '--emit', 'slurm', '--out', 'r1']),
    /field "suites\[1\]": suite file not found: .*missing\.yaml/,
  );
});

test('a matrix above the maximum: refused without --force, emitted with it', () => {
  const seeds = Array.from({ length: 300 }, (_, i) => i).join(', ');
  const p = plan('big.yaml', GOOD.replace('seeds: [1, 2]', `seeds: [${seeds}]`));
  assertUserError(
    kdbench(['sweep', p, '--emit', 'slurm', '--out', 'big']),
    /the matrix expands to 300 cells .* above the maximum of 256.*--force/,
  );
  assert.equal(existsSync(join(tmp, 'big')), false, 'nothing written');
  const r = kdbench(['sweep', p, '--emit', 'slurm', '--out', 'big', '--force']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(readFileSync(join(tmp, 'big', 'cli', 'slurm-cpu.sbatch'), 'utf8'), /#SBATCH --array=0-299\n/);
  assert.equal(readdirSync(join(tmp, 'big', 'cli', 'suites')).length, 300, 'one suite copy per seed');
});

test('flags: --emit required and checked, --emit k8s needs the kubernetes section, --task checks its range', () => {
  const p = plan('good.yaml', GOOD);
  assertUserError(kdbench(['sweep', p]), /--emit is required: one of slurm, k8s, local/);
  assertUserError(kdbench(['sweep', p, '--emit', 'pbs']), /--emit: expected one of slurm, k8s, local, got "pbs"/);
  assertUserError(kdbench(['sweep', p, '--emit', 'k8s', '--out', 'k']), /field "kubernetes" is required for --emit k8s/);
  assertUserError(kdbench(['sweep', p, '--emit', 'slurm', '--class', 'gpu']), /--class gpu: not in the plan's matrix\.machines \(cpu\)/);
  assertUserError(kdbench(['sweep', p, p, '--emit', 'slurm']), /expected one PLAN file/);
  const r = kdbench(['sweep', p, '--emit', 'slurm', '--out', 'ok']);
  assert.equal(r.status, 0, r.stderr);
  const dir = join(tmp, 'ok', 'cli');
  assert.equal(r.stdout.trim(), dir);
  assertUserError(kdbench(['sweep', '--task', '2', dir]), /--task 2: plan "cli" has 2 cells \(0 to 1\)/);
  assertUserError(kdbench(['sweep', '--task=-1', dir]), /--task: expected an integer >= 0/);
  assertUserError(
    kdbench(['sweep', '--task', '0', '--class', 'gpu', dir]),
    /--class gpu: plan "cli" has no cell of that machine class \(classes: cpu\)/,
  );
  assertUserError(kdbench(['sweep', '--task', '0', tmp]), /not a sweep folder \(no sweep\.json\)/);
});

test('a sweep folder is never shared by two versions of a plan', () => {
  const p = plan('versions.yaml', GOOD.replace('name: cli', 'name: versions'));
  assert.equal(kdbench(['sweep', p, '--emit', 'slurm', '--out', 'v']).status, 0);
  // The same plan again: the folder is reused (scripts rewritten).
  const again = kdbench(['sweep', p, '--emit', 'slurm', '--out', 'v']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /reusing sweep folder/);
  writeFileSync(p, GOOD.replace('name: cli', 'name: versions').replace('seeds: [1, 2]', 'seeds: [1, 2, 3]'));
  assertUserError(
    kdbench(['sweep', p, '--emit', 'slurm', '--out', 'v']),
    /holds the sweep of another version of plan "versions" \(plan sha256 [0-9a-f]{12}, emitted .*\): runs of two plans would be mixed/,
  );
});

test('collect: bad arguments', () => {
  assertUserError(kdbench(['collect']), /expected one RESULTS\/PLAN folder, got none/);
  assertUserError(kdbench(['collect', join(tmp, 'nowhere')]), /no such folder/);
});

test('sweep and collect are listed in kdbench --help', () => {
  const r = kdbench(['--help']);
  assert.match(r.stdout, /\n {2}sweep {6}run the matrix of a plan on Slurm, Kubernetes or here/);
  assert.match(r.stdout, /\n {2}collect {4}merge the runs of a sweep into one comparison report/);
  assert.match(kdbench(['sweep', '--help']).stdout, /--emit slurm/);
});
