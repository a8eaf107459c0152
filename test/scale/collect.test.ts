/**
 * kdbench collect on a sweep folder of hand-made runs: groups per machine class and GPU model with
 * intervals across repeats, missing, failed and interrupted cells listed by name while the rest is still
 * collected, and the refusals (runs of another plan, another suite, a run not started by the sweep).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handRun, writeRunDir } from '../fixtures/runs/hand-run.js';
import { parseCsv } from '../../src/report/samples.js';
import { loadPlan } from '../../src/scale/plan.js';
import { prepareSweep, type ManifestCell } from '../../src/scale/sweep-dir.js';
import type { TaskRecord } from '../../src/scale/task.js';
import type { RunJson, SchedulerRecord } from '../../src/core/contract.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-collect-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const collect = (args: string[]) => spawnSync(process.execPath, [MAIN, 'collect', ...args], { encoding: 'utf8', timeout: 120_000 });

writeFileSync(
  join(tmp, 'plan.yaml'),
  `name: gpus
suites: [default]
matrix: { machines: [a100, h100], region: null, repeats: 4 }
machines: { a100: { gpus: 1 }, h100: { gpus: 1 } }
`.replace(', region: null', ''),
);
const loaded = loadPlan(join(tmp, 'plan.yaml'));
const { dir: sweepDir, manifest } = prepareSweep(loaded, join(tmp, 'results'));
const cell = (id: string) => manifest.cells.find((c) => c.id === id)!;
const GPU = { a100: 'NVIDIA A100-SXM4-80GB', h100: 'NVIDIA H100 80GB HBM3' } as Record<string, string>;

/** A run of a cell: the hand-made run, its inference energy scaled by `factor`, recorded as a Slurm task of the sweep. */
function cellRun(
  c: ManifestCell,
  factor: number,
  over: Partial<RunJson> = {},
  sweep: Partial<NonNullable<SchedulerRecord['sweep']>> = {},
): RunJson {
  const run = handRun();
  for (const r of run.inference) {
    r.energyJ *= factor;
    r.uncertaintyJ *= factor;
    r.energyJPer1000 *= factor;
    r.gCO2ePer1000 *= factor;
  }
  run.suite = { ...run.suite!, sha256: c.suiteSha256 };
  run.environment.gpus = [{ index: 0, name: GPU[c.machine], uuid: `GPU-${c.index}` }];
  run.environment.hostname = `${c.machine}-node`;
  run.environment.scheduler = {
    scheduler: 'slurm',
    jobId: '500',
    taskId: String(c.index),
    taskJobId: String(501 + c.index),
    node: `${c.machine}-node`,
    sweep: { plan: 'gpus', cell: c.id, planSha256: manifest.plan.sha256, ...sweep },
  };
  return { ...run, ...over };
}

const put = (name: string, run: RunJson) => writeRunDir(join(sweepDir, name), run);
// a100: r1 failed once, then completed on a retry; r2 and r3 completed; r4 never ran.
put(
  '000-a100-r1-a100-node',
  cellRun(cell('000-a100-r1'), 1, { status: 'failed', error: { message: 'out of memory', phase: 'teacher-training' } }),
);
put('000-a100-r1-a100-node-2', cellRun(cell('000-a100-r1'), 1, { startedAt: '2026-01-02T05:00:00.000Z' }));
put('001-a100-r2-a100-node', cellRun(cell('001-a100-r2'), 1.1));
put('002-a100-r3-a100-node', cellRun(cell('002-a100-r3'), 0.9));
// h100: r1 completed, r2 failed, r3 killed (run.json still "running"), r4 failed before its run began.
put('004-h100-r1-h100-node', cellRun(cell('004-h100-r1'), 0.5));
put(
  '005-h100-r2-h100-node',
  cellRun(cell('005-h100-r2'), 0.5, { status: 'failed', error: { message: 'CUDA error: an illegal memory access' } }),
);
put('006-h100-r3-h100-node', cellRun(cell('006-h100-r3'), 0.5, { status: 'running', endedAt: null }));
const task: TaskRecord = {
  cell: '007-h100-r4',
  index: 7,
  dir: '007-h100-r4-h100-node',
  host: 'h100-node',
  startedAt: '2026-01-02T03:00:00.000Z',
  endedAt: '2026-01-02T03:00:02.000Z',
  exitCode: 2,
  signal: null,
  scheduler: null,
  stderrTail: 'loading\nkdbench: --backend tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed\n',
};
writeFileSync(join(sweepDir, 'tasks', '007-h100-r4-h100-node.json'), JSON.stringify(task));

test('collect: groups per machine class and GPU model, intervals across repeats; missing, failed and interrupted cells listed, the rest collected', () => {
  const out = join(tmp, 'collected');
  const r = collect([sweepDir, '--out', out]);
  assert.equal(r.status, 1, `exit 1 when some cells did not complete: ${r.stderr}`);
  assert.equal(r.stdout.trim(), out);
  assert.match(
    r.stderr,
    /collected 4 of 8 cells of plan "gpus"; not collected: 003-a100-r4 \(missing\), 005-h100-r2 \(failed\), 006-h100-r3 \(interrupted\), 007-h100-r4 \(failed\)/,
  );
  assert.deepEqual(readdirSync(out).sort(), ['cells.csv', 'charts', 'collect.csv', 'collect.html', 'collect.md']);
  const md = readFileSync(join(out, 'collect.md'), 'utf8');
  assert.match(md, /^# kdbench collect: plan gpus, 4 of 8 cells completed/);
  assert.match(
    md,
    /4 of 8 cells are not in the figures: 1 missing \(003-a100-r4\); 2 failed \(005-h100-r2, 007-h100-r4\); 1 interrupted \(006-h100-r3\)/,
  );
  assert.match(md, /### spam-default on a100 \(NVIDIA A100-SXM4-80GB\), n\/a, FR, PUE 1\.5/);
  assert.match(md, /### spam-default on h100 \(NVIDIA H100 80GB HBM3\)/);
  // a100: three runs at 8, 8.8 and 7.2 J per 1,000 teacher inferences: median 8, interval across the runs.
  // (Markdown escapes the brackets of the intervals.)
  assert.match(
    md,
    /\| teacher \| teacher \| 90\.00 % \\\[90\.00 %, 90\.00 %\\\] \(n=3\) \| 8 \\\[7\.2, 8\.8\\\] \(n=3\) ± 0\.8 meter bound \(batch 8\) \|/,
  );
  // Break-even 10,000 / factor: 10,000, 9,091 and 11,112 inferences; distillation cost 50 J in each run.
  assert.match(
    md,
    /\| student-a \| student \| 85\.50 % .*\| 3 \\\[2\.7, 3\.3\\\] \(n=3\).*\| 0\.375x .*\| 50 \\\[50, 50\\\] \(n=3\) \| 10,000 \\\[9,091, 11,112\\\] \(n=3\) \|/,
  );
  assert.match(md, /\| student-b \| student \|.*\| never in 3 of 3 runs \|/);
  // h100: one run, no interval.
  assert.match(md, /\| teacher \| teacher \| 90\.00 % \(n=1\) \| 4 \(n=1\) ± 0\.4 meter bound \(batch 8\) \| 8\.33e-4 \(n=1\) \| {2}\|/);
  // Every cell by name, with the reason of those not collected.
  assert.match(
    md,
    /\| 000-a100-r1 \| a100 \|.*\| completed \| 000-a100-r1-a100-node-2 \(1 other attempt\(s\); the latest completed run is used\) \| a100-node \(slurm job 500 task 0\), NVIDIA A100-SXM4-80GB \|/,
  );
  assert.match(md, /- \*\*003-a100-r4\*\* MISSING: no run directory/);
  assert.match(md, /- \*\*005-h100-r2\*\* FAILED: 005-h100-r2-h100-node: status "failed": CUDA error: an illegal memory access/);
  assert.match(
    md,
    /- \*\*006-h100-r3\*\* INTERRUPTED: 006-h100-r3-h100-node: status "running": the process stopped without finishing run\.json/,
  );
  assert.match(
    md,
    /- \*\*007-h100-r4\*\* FAILED: 007-h100-r4-h100-node: kdbench run ended before writing run\.json \(exit code 2\): kdbench: --backend tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed/,
  );
  assert.match(md, /partly ESTIMATED/);

  const [head, ...rows] = parseCsv(readFileSync(join(out, 'collect.csv'), 'utf8')).filter((x) => x.length > 1);
  assert.equal(rows.length, 6, 'three models in each of two groups');
  const col = (n: string) => head.indexOf(n);
  const row = (machine: string, model: string) => rows.find((x) => x[col('machine_class')] === machine && x[col('model')] === model)!;
  assert.equal(Number(row('a100', 'teacher')[col('energy_j_per_1000')]), 8);
  assert.equal(Number(row('a100', 'teacher')[col('runs')]), 3);
  assert.equal(Number(row('a100', 'teacher')[col('energy_j_per_1000_ci_lo')]), 7.2);
  assert.equal(Number(row('h100', 'teacher')[col('energy_j_per_1000')]), 4);
  assert.equal(row('h100', 'teacher')[col('energy_j_per_1000_ci_lo')], '', 'no interval from one run (unknown, not 0)');
  assert.equal(row('a100', 'student-b')[col('break_even_never_runs')], '3');
  assert.equal(row('a100', 'teacher')[col('gpu_model')], 'NVIDIA A100-SXM4-80GB');
  const cells = parseCsv(readFileSync(join(out, 'cells.csv'), 'utf8')).filter((x) => x.length > 1);
  assert.deepEqual(
    cells.slice(1).map((x) => `${x[1]}:${x[3]}`),
    [
      '000-a100-r1:completed',
      '001-a100-r2:completed',
      '002-a100-r3:completed',
      '003-a100-r4:missing',
      '004-h100-r1:completed',
      '005-h100-r2:failed',
      '006-h100-r3:interrupted',
      '007-h100-r4:failed',
    ],
  );
  const html = readFileSync(join(out, 'collect.html'), 'utf8');
  assert.equal((html.match(/src="data:image\/png;base64,/g) ?? []).length, 2);
});

test('collect without --out writes a new folder inside the sweep folder each time, and collecting again still works', () => {
  const a = collect([sweepDir, '--quiet']);
  const b = collect([sweepDir]);
  assert.equal(a.status, 1, a.stderr);
  assert.equal(b.status, 1, b.stderr);
  assert.equal(a.stdout, '', '--quiet prints nothing');
  assert.ok(b.stdout.trim().startsWith(sweepDir + '/'), b.stdout);
  assert.ok(existsSync(join(b.stdout.trim(), 'collect.md')));
});

function refused(mutate: (dir: string) => void, pattern: RegExp) {
  const dir = join(mkdtempSync(join(tmp, 'refuse-')), 'gpus');
  cpSync(sweepDir, dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('-collect')) rmSync(join(dir, f), { recursive: true });
  mutate(dir);
  const before = readdirSync(dir).sort();
  const r = collect([dir]);
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, /refusing to collect: it holds runs that are not of plan "gpus"/);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(readdirSync(dir).sort(), before, 'nothing written');
}

test('a folder with runs of two plans is refused, naming the runs and the reason', () => {
  refused(
    (dir) => writeRunDir(join(dir, '003-a100-r4-a100-node'), cellRun(cell('003-a100-r4'), 1, {}, { plan: 'cpus', cell: '003-a100-r4' })),
    /003-a100-r4-a100-node: a run of plan "cpus", not "gpus"/,
  );
  refused(
    (dir) => writeRunDir(join(dir, '003-a100-r4-a100-node'), cellRun(cell('003-a100-r4'), 1, {}, { planSha256: 'f'.repeat(64) })),
    /a run of another version of plan "gpus" \(plan sha256 ffffffffffff/,
  );
});

test('runs of another suite, or not started by the sweep, are refused with the reason', () => {
  refused((dir) => {
    const run = cellRun(cell('003-a100-r4'), 1);
    run.suite = { ...run.suite!, sha256: 'e'.repeat(64) };
    writeRunDir(join(dir, '003-a100-r4-a100-node'), run);
  }, /003-a100-r4-a100-node: suite sha256 eeeeeeeeeeee, but cell 003-a100-r4 runs suites\/0-spam-default\.yaml \(sha256 [0-9a-f]{12}\)/);
  refused(
    (dir) => writeRunDir(join(dir, 'my-own-run'), handRun()),
    /my-own-run: records no sweep plan: a run not started by kdbench sweep/,
  );
});

test('not a sweep folder: a user error', () => {
  const r = collect([tmp]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not a sweep folder \(no sweep\.json\)/);
});
