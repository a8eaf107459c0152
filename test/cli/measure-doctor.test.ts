/** `kdbench measure` and `kdbench doctor` end to end, as a user runs them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunJson } from '../../src/core/contract.js';
import { REPO, buildStubNvml, writeFakeSmi } from '../support/meters-fakes.js';

const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-cli-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const stub = buildStubNvml(tmp);

/** An environment with no real meters: every signal comes from the fakes given. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KDBENCH_NVML_LIB: join(tmp, 'no-libnvidia-ml.so.1'),
    KDBENCH_NVIDIA_SMI: '',
    KDBENCH_POWERCAP_ROOT: join(tmp, 'no-powercap'),
    PATH: `${join(tmp, 'empty-bin')}:${process.env.PATH}`,
    ...extra,
  };
}

const WORKLOAD = `
console.log('loading');
console.log('::kdbench phase load::');
setTimeout(() => {
  process.stdout.write('::kdbench phase work::\\nworking\\n');
  const t = Date.now(); while (Date.now() - t < 600) {}
  console.log('done');
  process.exit(3);
}, 300);
`;

test(
  'measure: phases from markers, markers removed, exit code passed through, run.json contract',
  { skip: stub ? false : 'no C compiler' },
  () => {
    const out = join(tmp, 'run1');
    const r = spawnSync(
      process.execPath,
      [CLI, 'measure', '--out', out, '--interval-ms', '50', '--region', 'FRA', '--', process.execPath, '-e', WORKLOAD],
      {
        encoding: 'utf8',
        env: env({ KDBENCH_NVML_LIB: stub!, KDBENCH_STUB_NVML_GPUS: '2', KDBENCH_STUB_NVML_CURVE: 'const:100' }),
        timeout: 30_000,
      },
    );
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout, 'loading\nworking\ndone\n');
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
    assert.equal(run.kind, 'measure');
    assert.equal(run.status, 'failed');
    assert.match(run.error!.message, /exited with code 3/);
    assert.deepEqual(
      run.phases.map((p) => p.name),
      ['main', 'load', 'work'],
    );
    const [, load, work] = run.phases;
    assert.ok(load.durationS > 0.25 && load.durationS < 1.5, `load ${load.durationS} s`);
    assert.ok(work.durationS > 0.55 && work.durationS < 2.5, `work ${work.durationS} s`);
    assert.deepEqual(
      run.meter.domains.map((d) => `${d.device}:${d.method}`),
      ['gpu:0:counter', 'gpu:1:counter', 'cpu:estimated', 'dram:estimated'],
    );
    const t = run.totals!;
    const dom = (name: string) => t.domains.find((d) => d.device === name)!;
    // The stub GPUs draw 100 W and 110 W all the time.
    assert.ok(
      Math.abs(dom('gpu:0').energyJ - 100 * t.durationS) < 0.02 * 100 * t.durationS,
      `gpu:0 ${dom('gpu:0').energyJ} J in ${t.durationS} s`,
    );
    assert.ok(Math.abs(dom('gpu:1').energyJ - 110 * t.durationS) < 0.02 * 110 * t.durationS);
    // CPU: the busy loop ran in the child, so the child's tree has CPU time in 'work'.
    const workCpu = work.domains.find((d) => d.device === 'cpu')!;
    assert.ok(workCpu.energyJ > 0, 'CPU estimate of the busy phase');
    assert.ok(t.uncertaintyJ > 0 && Number.isFinite(t.uncertaintyJ));
    for (const p of run.phases) assert.ok(Math.abs(p.energyJ - p.domains.reduce((a, d) => a + d.energyJ, 0)) < 1e-6);
    assert.ok(Math.abs(run.phases.reduce((a, p) => a + p.energyJ, 0) - t.energyJ) < 1e-6, 'phases add up to the total');
    assert.ok(run.carbon && run.carbon.gCO2e > 0);
    assert.ok(
      run.meter.notes.some((n) => /GPU 0 \(Stub GPU 0\): NVML energy counter/.test(n)),
      run.meter.notes.join('\n'),
    );
    assert.ok(run.meter.samplerCpuS >= 0 && run.meter.sampleCount > 10);
    const csv = readFileSync(join(out, 'samples.csv'), 'utf8').split('\n');
    assert.equal(csv[0], 't_s,timestamp,device,method,power_w,energy_j,phase');
    assert.ok(csv.some((l) => l.includes(',gpu:1,counter,') && l.endsWith(',work')));
    assert.match(r.stderr, /run failed/);
  },
);

test('measure: a clean exit is "completed" with exit code 0; GPUs without counters are sampled, and run.json says so', () => {
  const out = join(tmp, 'run2');
  const smi = writeFakeSmi(join(tmp, 'smi'), { FAKE_SMI_GPUS: '1', FAKE_SMI_CURVE: 'const:80' });
  const r = spawnSync(
    process.execPath,
    [CLI, 'measure', '--quiet', '--baseline-s', '0.4', '--out', out, '--', process.execPath, '-e', 'setTimeout(()=>{}, 700)'],
    {
      encoding: 'utf8',
      // nvidia-smi prints local time: a zone behind UTC catches timestamps read as UTC.
      env: env({ KDBENCH_NVIDIA_SMI: smi, TZ: 'America/New_York' }),
      timeout: 30_000,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
  assert.equal(run.status, 'completed');
  const gpu = run.totals!.domains.find((d) => d.device === 'gpu:0')!;
  assert.equal(gpu.method, 'sampled');
  assert.ok(Math.abs(gpu.energyJ - 80 * run.totals!.durationS) < 0.05 * 80 * run.totals!.durationS, `${gpu.energyJ} J`);
  // Idle baseline: the fake GPU draws 80 W whatever happens, so its energy net of idle is ~0.
  assert.ok(run.baseline && Math.abs(run.baseline.powerW['gpu:0'] - 80) < 2, JSON.stringify(run.baseline));
  assert.equal(run.baseline.powerW['cpu'], 0, 'the command did not exist during the baseline');
  assert.ok(gpu.idleJ !== undefined && Math.abs(gpu.energyJ - gpu.idleJ) < 0.05 * gpu.energyJ);
  assert.ok(run.totals!.netEnergyJ !== undefined && run.totals!.netEnergyJ < run.totals!.energyJ);
  assert.deepEqual(run.meter.problems, []);
  const gpus = (run.environment as { gpus: { index: number; name: string; uuid: string }[] }).gpus;
  assert.deepEqual(
    gpus.map((g) => g.index),
    [0],
    'the hardware inventory lists the GPU the probe found',
  );
  assert.match(gpus[0].uuid, /^GPU-/);
  const notes = run.meter.notes;
  assert.ok(
    notes.some((n) => /NVML unavailable/.test(n)) && notes.some((n) => /GPU 0 .*nvidia-smi power.draw.instant sampled/.test(n)),
    notes.join('\n'),
  );
});

test('measure: a command that cannot be run is a clear error (exit 2, no stack, no run directory)', () => {
  const out = join(tmp, 'run3');
  const notExecutable = join(tmp, 'plain.txt');
  writeFileSync(notExecutable, 'not a program\n', { mode: 0o644 });
  for (const cmd of ['kdbench-no-such-command', join(tmp, 'missing', 'cmd'), notExecutable, tmp]) {
    const r = spawnSync(process.execPath, [CLI, 'measure', '--out', out, '--', cmd], { encoding: 'utf8', env: env(), timeout: 30_000 });
    assert.equal(r.status, 2, `${cmd}: ${r.stderr}`);
    assert.match(r.stderr, /^kdbench: cannot run "/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
    assert.equal(existsSync(out), false);
  }
  const badGpus = spawnSync(process.execPath, [CLI, 'measure', '--gpus', '0,x', '--out', out, '--', 'true'], {
    encoding: 'utf8',
    env: env(),
  });
  assert.equal(badGpus.status, 2);
  assert.match(badGpus.stderr, /--gpus: expected GPU indices/);
  const noCmd = spawnSync(process.execPath, [CLI, 'measure', '--out', out], { encoding: 'utf8', env: env() });
  assert.equal(noCmd.status, 2);
  assert.match(noCmd.stderr, /give the command after "--"/);
});

test('measure: SIGTERM is forwarded to the command and the run is written as interrupted', async () => {
  const out = join(tmp, 'run4');
  const code = `process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(7); }); console.log('ready'); setInterval(() => {}, 1000);`;
  const p = spawn(process.execPath, [CLI, 'measure', '--quiet', '--out', out, '--', process.execPath, '-e', code], {
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  p.stdout.setEncoding('utf8');
  await new Promise<void>((resolve) =>
    p.stdout.on('data', (d: string) => {
      stdout += d;
      if (stdout.includes('ready')) resolve();
    }),
  );
  p.kill('SIGTERM');
  const status = await new Promise<number | null>((resolve) => p.on('close', (c) => resolve(c)));
  assert.equal(status, 143, 'an interrupted run exits 128 + SIGTERM, whatever the command returned');
  assert.match(stdout, /child got SIGTERM/);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
  assert.equal(run.status, 'interrupted');
  assert.match(run.error!.message, /SIGTERM/);
  assert.ok(run.totals && run.totals.durationS > 0);
});

test(
  'doctor: says which meters work, which do not and why, and how to enable them (text and --json)',
  { skip: stub ? false : 'no C compiler' },
  () => {
    const smi = writeFakeSmi(join(tmp, 'smi-doc'), { FAKE_SMI_GPUS: '2' });
    const e = env({ KDBENCH_NVML_LIB: stub!, KDBENCH_STUB_NVML_GPUS: '2', KDBENCH_STUB_NVML_NO_COUNTER: '1', KDBENCH_NVIDIA_SMI: smi });
    const text = spawnSync(process.execPath, [CLI, 'doctor'], { encoding: 'utf8', env: e });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /\[partial\] NVML energy counter/);
    assert.match(text.stdout, /GPU 1 Stub GPU 1 .*Not Supported/);
    assert.match(text.stdout, /\[ok\] +nvidia-smi power sampling/);
    assert.match(text.stdout, /\[no\] +RAPL counters/);
    assert.match(text.stdout, /modprobe intel_rapl_msr/);
    assert.match(text.stdout, /GPU 1 .*nvidia-smi power\.draw\.instant sampled/);
    const json = spawnSync(process.execPath, [CLI, 'doctor', '--json'], { encoding: 'utf8', env: e });
    assert.equal(json.status, 0);
    const report = JSON.parse(json.stdout) as {
      checks: { meter: string; status: string; fix?: string }[];
      selection: { sources: { kind: string }[] };
    };
    assert.deepEqual(
      report.checks.map((c) => c.status),
      ['partial', 'ok', 'unavailable', 'ok'],
    );
    assert.deepEqual(
      report.selection.sources.map((s) => s.kind),
      ['nvml', 'nvidia-smi', 'gpu-sharing', 'process-cpu-estimate', 'process-dram-estimate'],
    );
    const missing = spawnSync(process.execPath, [CLI, 'doctor'], { encoding: 'utf8', env: env() });
    assert.match(missing.stdout, /\[no\] +NVML energy counter[\s\S]*cannot load[\s\S]*KDBENCH_NVML_LIB/);
  },
);

test('measure: a signal during the idle baseline ends the run before the command starts, still written', async () => {
  const out = join(tmp, 'run5');
  const mark = join(tmp, 'ran-5');
  const p = spawn(
    process.execPath,
    [
      CLI,
      'measure',
      '--quiet',
      '--baseline-s',
      '1.5',
      '--out',
      out,
      '--',
      process.execPath,
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(mark)}, 'ran')`,
    ],
    {
      env: env(),
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100 && !existsSync(join(out, 'run.json')); i++) await new Promise((r) => setTimeout(r, 100));
  p.kill('SIGTERM');
  const status = await new Promise<number | null>((resolve) => p.on('close', (c) => resolve(c)));
  assert.equal(status, 143);
  assert.equal(existsSync(mark), false, 'the command never started');
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
  assert.equal(run.status, 'interrupted');
  assert.match(run.error!.message, /before the command started/);
});

test('measure: run id, --requests-per-day, a runnable reproduce line, and a hint for the world-average fallback', () => {
  const out = join(tmp, 'run6');
  const args = ['-e', 'process.stdout.write(process.argv.slice(1).join("|"))', 'two words', "it's"];
  const r = spawnSync(
    process.execPath,
    [CLI, 'measure', '--out', out, '--requests-per-day', '2500', '--interval-ms', '50', '--', process.execPath, ...args],
    { encoding: 'utf8', env: env(), timeout: 30_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "two words|it's");
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
  assert.match(run.runId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(run.reportSettings, { requestsPerDay: 2500 });
  assert.equal(
    run.reproduce,
    `kdbench measure --requests-per-day 2500 --interval-ms 50 -- ${process.execPath} -e 'process.stdout.write(process.argv.slice(1).join("|"))' 'two words' 'it'\\''s'`,
  );
  // The shell reads it back as the same command: run it with kdbench swapped for this build.
  const again = spawnSync(
    'sh',
    ['-c', run.reproduce!.replace(/^kdbench measure /, `'${process.execPath}' '${CLI}' measure --quiet --out '${join(tmp, 'run6b')}' `)],
    {
      encoding: 'utf8',
      env: env(),
      timeout: 30_000,
    },
  );
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, "two words|it's");
  const hints = r.stderr.split('\n').filter((l) => /--region CODE/.test(l));
  assert.equal(hints.length, 1, r.stderr);
  assert.match(
    hints[0],
    /^kdbench: no --region given, so CO2e uses the world-average grid intensity .* kdbench carbon --energy [\d.]+J --region CODE$/,
  );
  assert.equal(r.stderr.trimEnd().split('\n').at(-1), hints[0], 'the last line on stderr');

  const bad = spawnSync(process.execPath, [CLI, 'measure', '--requests-per-day', '1.5', '--', 'true'], { encoding: 'utf8', env: env() });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--requests-per-day: expected an integer >= 1, got "1\.5"/);
});
