/**
 * The energy sources, where a mistake would change a published figure or hide why one is missing: nvidia-smi CSV
 * values and rows exactly as parsed, RAPL reads that are empty but for a newline, the problems a failing or
 * resetting counter reports (once per stretch, at most 20), and the CPU and DRAM estimates' readings (device
 * names, CPU time counted from the start, a followed process that ends).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSmiLine, parseSmiNumber } from '../../src/measurement/sources/nvidia-smi/csv.js';
import { RaplSource } from '../../src/measurement/sources/rapl/source.js';
import { ProcessCpuEstimate } from '../../src/measurement/sources/estimates/process-cpu.js';
import { ProcessDramEstimate } from '../../src/measurement/sources/estimates/process-dram.js';
import { createSource } from '../../src/measurement/sources/index.js';
import { Clock } from '../../src/measurement/clock.js';
import { makePowercap, setEnergy } from '../support/meters-fakes.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-sources-bite-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('nvidia-smi numbers: a unit W with or without a space is stripped; bracketed words are unknown', () => {
  assert.equal(parseSmiNumber('250.50 W'), 250.5);
  assert.equal(parseSmiNumber('87.5W'), 87.5);
  assert.equal(parseSmiNumber(' 61.23 '), 61.23);
  assert.equal(parseSmiNumber('[N/A]'), undefined);
  assert.equal(parseSmiNumber('[Not Supported]'), undefined);
  assert.equal(parseSmiNumber(''), undefined);
  assert.equal(parseSmiNumber(undefined), undefined);
});

const FIELDS = ['timestamp', 'index', 'power.draw.instant', 'power.draw'];

test('nvidia-smi rows: every queried field by name, missing trailing values empty, nothing else', () => {
  assert.deepEqual(parseSmiLine('2025/01/02 03:04:05.678, 12, 301.25, 299.80', FIELDS), {
    timestamp: '2025/01/02 03:04:05.678',
    index: '12',
    'power.draw.instant': '301.25',
    'power.draw': '299.80',
  });
  assert.deepEqual(parseSmiLine('2025/01/02 03:04:05.678, 0, [N/A]', FIELDS), {
    timestamp: '2025/01/02 03:04:05.678',
    index: '0',
    'power.draw.instant': '[N/A]',
    'power.draw': '',
  });
  // A query without an index (the driver version) has no row filter.
  assert.deepEqual(parseSmiLine('550.54.15', ['driver_version']), { driver_version: '550.54.15' });
});

test('nvidia-smi rows: an index that is not a whole number marks a message line, not a GPU', () => {
  for (const line of [
    '2025/01/02 03:04:05.678, GPU 1, 50.00, 50.00',
    '2025/01/02 03:04:05.678, 1a, 50.00, 50.00',
    '2025/01/02 03:04:05.678, , 50.00, 50.00',
    'Failed to initialize NVML: Driver/library version mismatch',
  ])
    assert.equal(parseSmiLine(line, FIELDS), undefined, line);
});

test('RAPL: a read of only a newline is a failed read, not a counter back at 0', async () => {
  const root = join(tmp, 'nl');
  makePowercap(root, [{ zone: 'intel-rapl:0', name: 'package-0', energyUj: 5_000_000, maxRangeUj: 262_143_328_850 }]);
  const src = new RaplSource({ root, zones: [{ zone: 'intel-rapl:0', device: 'cpu:package-0', maxRangeUj: 262_143_328_850 }] });
  await src.start();
  assert.deepEqual(src.poll(), [{ device: 'cpu:package-0', energyJ: 5 }]);
  writeFileSync(join(root, 'intel-rapl:0', 'energy_uj'), '\n');
  assert.deepEqual(src.poll(), []);
  setEnergy(root, 'intel-rapl:0', 6_000_000);
  // No phantom wrap of 262 kJ: one joule more.
  assert.deepEqual(src.poll(), [{ device: 'cpu:package-0', energyJ: 6 }]);
  assert.equal(src.problems().length, 1);
  assert.match(src.problems()[0], /^rapl: intel-rapl:0: .*energy_uj: not a number$/);
});

test('RAPL problems: one per failing stretch of a zone, one per reset, never more than 20', async () => {
  const root = join(tmp, 'many');
  const zones = Array.from({ length: 25 }, (_, i) => ({ zone: `intel-rapl:${i}`, name: `package-${i}`, energyUj: 1_000_000 }));
  makePowercap(root, zones);
  const src = new RaplSource({
    root,
    zones: zones.map((z, i) => ({ zone: z.zone, device: `cpu:package-${i}`, maxRangeUj: i === 0 ? 0 : 262_143_328_850 })),
  });
  await src.start();
  // Zone 1 fails for three polls in a row, then reads again, then fails again: two problems, not four.
  const fail = (i: number) => writeFileSync(join(root, `intel-rapl:${i}`, 'energy_uj'), 'garbage\n');
  fail(1);
  for (let k = 0; k < 3; k++) assert.equal(src.poll().length, 24);
  assert.equal(src.problems().length, 1);
  setEnergy(root, 'intel-rapl:1', 2_000_000);
  assert.equal(src.poll().length, 25);
  fail(1);
  src.poll();
  assert.deepEqual(
    src.problems().map((p) => p.slice(0, 'rapl: intel-rapl:1: '.length)),
    ['rapl: intel-rapl:1: ', 'rapl: intel-rapl:1: '],
  );
  // Zone 0 (range unknown) goes down: treated as a reset, said once per reset.
  setEnergy(root, 'intel-rapl:0', 10);
  src.poll();
  assert.equal(src.problems().length, 3);
  assert.equal(src.problems()[2], 'rapl: intel-rapl:0 went down without a known range; treated as a reset to 0');
  // Every zone fails: the list stops at 20.
  for (let i = 0; i < 25; i++) fail(i);
  src.poll();
  assert.equal(src.problems().length, 20);
  // Resets after the cap add nothing either.
  for (let k = 0; k < 3; k++) {
    setEnergy(root, 'intel-rapl:0', 1000 - k);
    src.poll();
  }
  assert.equal(src.problems().length, 20);
});

test('CPU estimate of this process: counted from its start (not its CPU time so far), device cpu', async () => {
  // Burn 300 ms of CPU first, so that the CPU time at the start is far from 0.
  const t0 = process.cpuUsage();
  while (process.cpuUsage(t0).user < 300_000) {
    /* busy */
  }
  const src = new ProcessCpuEstimate({ wattsPerCore: 10, wattsPerCoreSource: 'test', cpuModel: 'x' });
  await src.start();
  const [r] = src.poll();
  assert.equal(r.device, 'cpu');
  // Between start and poll this process uses a few ms of CPU at most (10 ms ticks): under 0.5 J at 10 W.
  assert.ok(r.energyJ! >= 0 && r.energyJ! < 0.5, `${r.energyJ} J`);
});

/** A process that is not our child (its parent, a shell, exits at once), sleeping `s` seconds. */
function orphan(s: number): number {
  return Number(execFileSync('/bin/sh', ['-c', `sleep ${s} >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' }).trim());
}

test('CPU estimate of a process that ends: no readings after it, and one problem that says why', async () => {
  const pid = orphan(30);
  const src = new ProcessCpuEstimate({ pid, wattsPerCore: 10, wattsPerCoreSource: 'test', cpuModel: 'x' });
  await src.start();
  const [r] = src.poll();
  assert.equal(r.device, 'cpu');
  assert.ok(r.energyJ! >= 0 && r.energyJ! < 0.2, `${r.energyJ} J`);
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && src.poll().length > 0; i++) await sleep(50);
  assert.deepEqual(src.poll(), []);
  assert.deepEqual(src.poll(), []);
  assert.deepEqual(src.problems(), [
    `process-cpu-estimate: /proc/${pid}/stat unreadable (the process ended); CPU time after that is not counted`,
  ]);
});

test('DRAM estimate of this process: device dram, resident bytes / 1e9 x W per GB', async () => {
  const src = new ProcessDramEstimate({ wattsPerGB: 0.5, wattsPerGBSource: 'test' });
  await src.start();
  const [r] = src.poll();
  assert.equal(r.device, 'dram');
  const expected = (process.memoryUsage().rss / 1e9) * 0.5;
  assert.ok(Math.abs(r.powerW! - expected) < 0.25 * expected, `${r.powerW} W, expected about ${expected} W`);
});

let scripts = 0;
/** A fake nvidia-smi printing these lines once ({ago:MS}: the local-time stamp MS ms ago), then idling. */
function scriptedSmi(lines: string[]): string {
  const dir = join(tmp, `smi-${++scripts}`);
  mkdirSync(dir);
  const script = join(dir, 'scripted-smi.mjs');
  writeFileSync(
    script,
    `const pad = (n, w = 2) => String(n).padStart(w, '0');
const stamp = (d) => \`\${d.getFullYear()}/\${pad(d.getMonth() + 1)}/\${pad(d.getDate())} \${pad(d.getHours())}:\${pad(d.getMinutes())}:\${pad(d.getSeconds())}.\${pad(d.getMilliseconds(), 3)}\`;
const now = Date.now();
const lines = ${JSON.stringify(lines)}.map((l) => l.replace(/\\{ago:(-?\\d+)\\}/, (_, ms) => stamp(new Date(now - Number(ms)))));
process.stdout.write(lines.join('\\n') + '\\n');
setInterval(() => {}, 1000);
`,
  );
  const bin = join(dir, 'nvidia-smi');
  writeFileSync(bin, `#!/bin/sh\nexec '${process.execPath}' '${script}' "$@"\n`);
  chmodSync(bin, 0o755);
  return bin;
}

/** A meter clock that started `s` seconds ago (a run well under way), so that clock times are far from 0. */
function clockStartedAgo(s: number): Clock {
  return new Clock({ hr0: (process.hrtime.bigint() - BigInt(s * 1e9)).toString(), wallMs0: Date.now() - s * 1000 });
}

async function readingsOf(binary: string, clock: Clock, intervalMs: number, gpus: number[]) {
  const src = createSource(
    {
      kind: 'nvidia-smi',
      binary,
      intervalMs,
      probed: gpus.map((index) => ({ index, name: `Fake GPU ${index}`, uuid: `GPU-${index}`, powerField: 'power.draw' as const })),
    },
    clock,
  );
  await src.start();
  await sleep(400);
  const readings = src.poll(clock.now());
  src.stop();
  return { readings, problems: src.problems() };
}

test('nvidia-smi stamps of a run under way are used as they are, up to 3 intervals old for slow sampling', async () => {
  const clock = clockStartedAgo(100);
  const { readings, problems } = await readingsOf(
    scriptedSmi(['{ago:400}, 0, 100.00', '{ago:300}, 0, 110.00', '{ago:7000}, 1, 50.00']),
    clock,
    3000,
    [0, 1],
  );
  const tNow = clock.now();
  const gpu0 = readings.filter((r) => r.device === 'gpu:0');
  const gpu1 = readings.filter((r) => r.device === 'gpu:1');
  assert.deepEqual(
    gpu0.map((r) => r.powerW),
    [100, 110],
  );
  assert.ok(Math.abs(gpu0[1].t! - gpu0[0].t! - 0.1) < 0.0015, `${gpu0[1].t! - gpu0[0].t!} s between stamps 100 ms apart`);
  assert.ok(gpu0[0].t! > 99 && gpu0[0].t! < tNow - 0.35, `t ${gpu0[0].t} for a stamp 400 ms old at ${tNow}`);
  // 7 s old with 3 s sampling (3 intervals = 9 s): still nvidia-smi's own time.
  assert.equal(gpu1.length, 1);
  assert.ok(gpu1[0].t! < tNow - 6.5 && gpu1[0].t! > tNow - 8, `t ${gpu1[0].t} for a stamp 7 s old at ${tNow}`);
  assert.deepEqual(
    problems.filter((p) => /timestamps differ/.test(p)),
    [],
  );
});

test('nvidia-smi stamps ahead of our clock are not used and are reported', async () => {
  const clock = clockStartedAgo(100);
  const before = clock.now();
  const { readings, problems } = await readingsOf(scriptedSmi(['{ago:-5000}, 0, 60.00']), clock, 100, [0]);
  assert.equal(readings.length, 1);
  assert.ok(readings[0].t! >= before && readings[0].t! <= clock.now(), `arrival time, not the stamp: ${readings[0].t}`);
  assert.equal(
    problems.filter((p) => /^nvidia-smi timestamps differ from this process's clock by -5\.\d s/.test(p)).length,
    1,
    problems.join('\n'),
  );
});

test('nvidia-smi [N/A] before the first reading: reported once with the values, no gap marked on the first reading', async () => {
  const clock = Clock.start();
  const { readings, problems } = await readingsOf(
    scriptedSmi(['{ago:300}, 2, [N/A]', '{ago:200}, 2, [N/A]', '{ago:100}, 2, 90.00', '{ago:50}, 2, [N/A]', '{ago:0}, 2, 95.00']),
    clock,
    100,
    [2],
  );
  assert.deepEqual(
    readings.map((r) => [r.powerW, r.afterGap ?? false]),
    [
      [90, false],
      [95, true],
    ],
  );
  assert.deepEqual(problems, [
    'nvidia-smi reported no power for GPU 2 ("[N/A]"); such readings are skipped and the gaps counted into the uncertainty',
  ]);
});
