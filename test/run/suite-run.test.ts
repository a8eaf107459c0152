/**
 * `kdbench run --quick` end to end: the run directory matches the contract other tools read,
 * phase energies add up to the total, bad input gets exit code 2 without a stack trace, and a
 * failed or interrupted run still leaves a readable run.json.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../../src/report/samples.js';
import { energyHeaders, mdTableHeader, mdTopWarnings } from '../support/report-parse.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function kdbench(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 });
}

let dir: string;
let run: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let stdout: string;

before(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'kdbench-run-')), 'out');
  const r = kdbench(['run', '--quick', '--out', dir, '--region', 'FR', '--requests-per-day', '1000']);
  assert.equal(r.status, 0, r.stderr);
  stdout = r.stdout;
  run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
});

test('stdout carries only the run directory; progress goes to stderr', () => {
  assert.equal(stdout.trim(), dir);
});

test('run.json matches the contract', () => {
  assert.equal(run.schemaVersion, 1);
  assert.equal(run.status, 'completed');
  assert.match(run.startedAt, ISO_UTC);
  assert.match(run.endedAt, ISO_UTC);
  assert.ok(Date.parse(run.endedAt) > Date.parse(run.startedAt));
  assert.ok(run.phases.length >= 8);
  for (const p of run.phases) {
    for (const k of ['name', 'startedAt', 'endedAt', 'durationS', 'energyJ', 'domains']) assert.ok(k in p, `phase ${p.name} lacks ${k}`);
    assert.match(p.startedAt, ISO_UTC);
    assert.ok(p.durationS > 0, `${p.name} duration`);
    assert.ok(p.domains.length >= 1);
    for (const d of p.domains) {
      assert.ok(['counter', 'sampled', 'estimated'].includes(d.method), d.method);
      assert.equal(typeof d.device, 'string');
      assert.equal(typeof d.source, 'string');
      assert.ok(Number.isFinite(d.energyJ) && d.energyJ >= 0, `${p.name} ${d.device} energy ${d.energyJ}`);
    }
  }
  const names = run.phases.map((p: { name: string }) => p.name);
  for (const n of [
    'data-preparation',
    'teacher-training',
    'distillation:student-bag',
    'control-training:student-bag-control',
    'evaluation',
    'inference:teacher:b1',
    'inference:student-bag:b32',
  ]) {
    assert.ok(names.includes(n), `missing phase ${n} in ${names.join(', ')}`);
  }
  // No GPU, no RAPL here: CPU and DRAM are labelled estimates, never shown as measurements.
  const cpu = run.meter.domains.find((d: { device: string }) => d.device === 'cpu');
  assert.equal(cpu.method, 'estimated');
  assert.ok(run.phases.find((p: { name: string }) => p.name === 'teacher-training').energyJ > 0, 'training used CPU energy');
  assert.equal(typeof run.carbon.intensityGCO2ePerKWh, 'number');
  assert.match(run.carbon.intensitySource, /FR/);
  assert.equal(run.carbon.pue, 1);
  assert.ok(run.carbon.gCO2e > 0);
  const roles = [...new Set(run.models.map((m: { role: string }) => m.role))].sort();
  assert.deepEqual(roles, ['control', 'student', 'teacher']);
  for (const m of run.models) {
    assert.ok(Number.isInteger(m.params) && m.params > 0);
    assert.ok(m.accuracy >= 0 && m.accuracy <= 1);
  }
  const teacher = run.models.find((m: { role: string }) => m.role === 'teacher');
  const student = run.models.find((m: { role: string }) => m.role === 'student');
  assert.ok(student.params < teacher.params, 'the student is smaller');
  assert.equal(run.suite.sha256.length, 64);
  assert.equal(run.suite.quick, true);
  assert.equal(typeof run.suite.seed, 'number');
  assert.equal(run.environment.tfjsBackend, 'wasm');
  assert.equal(typeof run.environment.packages['@tensorflow/tfjs'], 'string');
  assert.ok(run.environment.cpu.logicalCores >= 1);
  assert.match(run.reproduce, /^kdbench run suites\/default\.yaml /);
  assert.deepEqual(run.reproduce.split(' ').slice(3).sort(), ['--quick', '--region', 'FR', '--requests-per-day', '1000'].sort());
  assert.deepEqual(run.reportSettings, { requestsPerDay: 1000 });
  assert.match(run.runId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.doesNotMatch(run.reproduce, /--out/);
  assert.ok(run.baseline.durationS >= 0.9);
});

test('the default teacher is pretrained on the training text (labelled and pool) in its own phase before its training', () => {
  const names = run.phases.map((p: { name: string }) => p.name);
  const i = names.indexOf('teacher-pretraining');
  assert.ok(i > 0 && names[i + 1] === 'teacher-training', names.join(', '));
  assert.equal(run.phases[i].model, 'teacher');
  assert.ok(run.phases[i].energyJ > 0);
  const teacher = run.models.find((m: { role: string }) => m.role === 'teacher');
  const pr = teacher.training.pretraining;
  assert.equal(pr.phase, 'teacher-pretraining');
  assert.equal(pr.texts, run.dataset.train.n + run.dataset.unlabelled.n, 'every training text, none of the test split');
  assert.equal(pr.nextSpanPairs + pr.selfCopyPairs, pr.texts);
  assert.equal(pr.steps, (Math.ceil(pr.texts / pr.batchSize) - (pr.texts % pr.batchSize === 1 ? 1 : 0)) * pr.epochs);
  assert.equal(
    pr.variablesCopied,
    4 + 16 * teacher.architecture.layers,
    'embeddings, final norm and every block: all but the output layer',
  );
  assert.ok(Number.isFinite(pr.finalLoss));
  assert.match(
    readFileSync(join(dir, 'report.md'), 'utf8'),
    /Pretraining of teacher \(phase teacher-pretraining, counted as its training\)/,
  );
});

test("the phases' energy adds up to the total, per device and overall", () => {
  const sum = run.phases.reduce((a: number, p: { energyJ: number }) => a + p.energyJ, 0);
  assert.ok(Math.abs(sum - run.totals.energyJ) <= 1e-9 * Math.max(1, run.totals.energyJ), `${sum} vs ${run.totals.energyJ}`);
  for (const p of run.phases) {
    const dsum = p.domains.reduce((a: number, d: { energyJ: number }) => a + d.energyJ, 0);
    assert.ok(Math.abs(dsum - p.energyJ) < 1e-9 * Math.max(1, p.energyJ));
  }
  const durations = run.phases.reduce((a: number, p: { durationS: number }) => a + p.durationS, 0);
  assert.ok(Math.abs(durations - run.totals.durationS) < 1e-6, 'phases tile the measured window');
  const phaseCo2 = run.phases.reduce((a: number, p: { gCO2e: number }) => a + p.gCO2e, 0);
  assert.ok(Math.abs(phaseCo2 - run.carbon.gCO2e) < 1e-9 + 1e-9 * run.carbon.gCO2e);
});

test('samples.csv is the raw trace: its cumulative energy agrees with run.json', () => {
  const rows = parseCsv(readFileSync(join(dir, 'samples.csv'), 'utf8'));
  assert.deepEqual(rows[0], ['t_s', 'timestamp', 'device', 'method', 'power_w', 'energy_j', 'phase']);
  const cpu = rows.slice(1).filter((r) => r[2] === 'cpu');
  assert.ok(cpu.length > 10);
  const start = Date.parse(run.phases[0].startedAt);
  const end = Date.parse(run.phases[run.phases.length - 1].endedAt);
  const inWindow = cpu.filter((r) => Date.parse(r[1]) >= start - 1 && Date.parse(r[1]) <= end + 1);
  const fromCsv = Number(inWindow[inWindow.length - 1][5]) - Number(inWindow[0][5]);
  const fromJson = run.totals.domains.find((d: { device: string }) => d.device === 'cpu').energyJ;
  assert.ok(Math.abs(fromCsv - fromJson) <= 0.05 * fromJson + 0.5, `csv ${fromCsv} J vs run.json ${fromJson} J`);
  assert.ok(
    cpu.some((r) => r[6] === 'teacher-training'),
    'samples are labelled with their phase',
  );
});

test('summary.csv has a row per model; report.md and its chart exist', () => {
  const rows = parseCsv(readFileSync(join(dir, 'summary.csv'), 'utf8'));
  const head = rows[0];
  for (const col of ['model', 'params', 'accuracy', 'energy_j_per_1000', 'gco2e_per_1000', 'latency_ms_p50', 'latency_ms_p99'])
    assert.ok(head.includes(col), col);
  assert.equal(rows.length - 1, run.models.length);
  const idx = head.indexOf('energy_j_per_1000');
  for (const r of rows.slice(1)) assert.ok(Number(r[idx]) > 0, `${r[0]} energy per 1000`);
  const md = readFileSync(join(dir, 'report.md'), 'utf8');
  // Where the energy is estimated, the label sits where the figures are read: the models table's energy
  // header and a warning at the top of the report naming the estimated devices (and nowhere claims otherwise).
  const estimated: string[] = run.meter.domains
    .filter((d: { method: string }) => d.method === 'estimated')
    .map((d: { device: string }) => d.device);
  const energyHeader = energyHeaders(mdTableHeader(md, 'Models') ?? []);
  assert.ok(energyHeader.length >= 1, 'no energy column in the models table');
  const topEstimate = mdTopWarnings(md).filter((w) => /ESTIMATED/.test(w));
  if (estimated.length > 0) {
    for (const h of energyHeader) assert.match(h, /ESTIMATED/, h);
    assert.equal(topEstimate.length, 1, mdTopWarnings(md).join('\n'));
    for (const d of estimated) assert.ok(topEstimate[0].includes(d), `${d} not named in: ${topEstimate[0]}`);
  } else {
    for (const h of energyHeader) assert.doesNotMatch(h, /ESTIMATED/, h);
    assert.deepEqual(topEstimate, []);
  }
  assert.match(md, /!\[Energy per phase\]\(charts\/energy-per-phase\.png\)/);
  const png = readFileSync(join(dir, 'charts/energy-per-phase.png'));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(png.length > 5000);
});

test('bad input: exit code 2, a clear message, no stack trace', () => {
  const unknown = kdbench(['run', 'no-such-suite']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown suite "no-such-suite"; available: .*default/);
  const missing = kdbench(['run', 'suites/missing.yaml']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /suite file not found: suites\/missing\.yaml/);

  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-bad-'));
  const bad = join(tmp, 'bad.yaml');
  const text = readFileSync(join(ROOT, 'suites/default.yaml'), 'utf8')
    .replace('heads: 2', 'heads: 3')
    .replace('temperature: 4', 'temperature: -1');
  writeFileSync(bad, text);
  const invalid = kdbench(['run', bad]);
  assert.equal(invalid.status, 2);
  assert.match(invalid.stderr, /field "distillation\.temperature" must be > 0/);
  const kinds = join(tmp, 'kind.yaml');
  writeFileSync(kinds, readFileSync(join(ROOT, 'suites/default.yaml'), 'utf8').replace('kind: embedding-bag', 'kind: lstm-xl'));
  const kind = kdbench(['run', kinds]);
  assert.equal(kind.status, 2);
  assert.match(kind.stderr, /field "students\[1\]\.kind" must be one of/);
  const heads = join(tmp, 'heads.yaml');
  writeFileSync(heads, readFileSync(join(ROOT, 'suites/default.yaml'), 'utf8').replace('heads: 2', 'heads: 3'));
  const h = kdbench(['run', heads]);
  assert.equal(h.status, 2);
  assert.match(h.stderr, /teacher\.heads" must divide teacher\.dModel \(32 is not divisible by 3\)/);

  const full = join(tmp, 'full');
  mkdirSync(full);
  writeFileSync(join(full, 'keep.txt'), 'an earlier run');
  const exists = kdbench(['run', '--quick', '--out', full]);
  assert.equal(exists.status, 2);
  assert.match(exists.stderr, /exists and is not empty/);
  assert.equal(readFileSync(join(full, 'keep.txt'), 'utf8'), 'an earlier run');

  const flag = kdbench(['run', '--quick', '--interval-ms', 'fast']);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--interval-ms: expected an integer/);
  const perDay = kdbench(['run', '--quick', '--requests-per-day', '0']);
  assert.equal(perDay.status, 2);
  assert.match(perDay.stderr, /--requests-per-day: expected an integer >= 1, got "0"/);
  const bogusOut = join(tmp, 'bogus');
  const bogus = kdbench(['run', '--quick', '--backend', 'bogus', '--out', bogusOut]);
  assert.equal(bogus.status, 2);
  assert.match(bogus.stderr, /--backend bogus: unknown backend; allowed: tensorflow-gpu, webgpu, tensorflow, wasm, cpu/);
  assert.ok(!existsSync(bogusOut), 'no run folder for a rejected flag');
  // tfjs-node cannot install here (its libtensorflow download fails): forcing it is a clear error, and no empty folder stays.
  const nodeOut = join(tmp, 'tfjs-node');
  const forced = kdbench(['run', '--quick', '--backend', 'tensorflow', '--out', nodeOut]);
  if (forced.status !== 0) {
    assert.equal(forced.status, 2);
    assert.match(forced.stderr, /--backend tensorflow: cannot be loaded here/);
    assert.ok(!existsSync(nodeOut), 'a run that measured nothing leaves no empty folder');
  }
  for (const r of [unknown, missing, invalid, kind, h, exists, flag, perDay, bogus, forced])
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('a failure in the middle of a run leaves run.json with status "failed" and what was measured', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'kdbench-fail-')), 'out');
  const r = kdbench(['run', '--quick', '--out', out], { KDBENCH_FAIL_IN_PHASE: 'evaluation' });
  assert.equal(r.status, 1);
  const partial = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
  assert.equal(partial.status, 'failed');
  assert.equal(partial.error.phase, 'evaluation');
  assert.match(partial.error.message, /injected failure/);
  const names = partial.phases.map((p: { name: string }) => p.name);
  assert.ok(names.includes('teacher-training') && names.includes('distillation:student-bag'));
  assert.ok(partial.totals.energyJ > 0);
  assert.ok(existsSync(join(out, 'samples.csv')));
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /PARTIAL: FAILED/);
});

test('Ctrl-C stops the run and still writes it, marked "interrupted"', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-int-'));
  const suite = join(tmp, 'slow.yaml');
  // A teacher that trains for long enough to be interrupted.
  writeFileSync(
    suite,
    readFileSync(join(ROOT, 'suites/default.yaml'), 'utf8').replace(/teacherTrain: \{ epochs: \d+ \}/, 'teacherTrain: { epochs: 300 }'),
  );
  assert.match(readFileSync(suite, 'utf8'), /teacherTrain: \{ epochs: 300 \}/, 'the quick teacher is made slow enough to interrupt');
  const out = join(tmp, 'out');
  const child = spawn(process.execPath, [CLI, 'run', suite, '--quick', '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let sent = false;
  const code = await new Promise<number | null>((resolve) => {
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      // One Ctrl-C only: a second one quits at once by design (run.json then stays "running").
      if (err.includes('teacher-training teacher') && !sent) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 300);
      }
    });
    child.on('exit', (c) => resolve(c));
  });
  assert.equal(code, 130, err);
  const partial = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
  assert.equal(partial.status, 'interrupted');
  assert.equal(partial.error.phase, 'teacher-training');
  assert.equal(partial.models.length, 0);
  assert.ok(partial.phases.some((p: { name: string }) => p.name === 'teacher-training'));
});
