/**
 * The streaming nvidia-smi source: stamps of a run under way used as they are (up to 3 intervals old), stamps ahead
 * of our clock refused and reported, [N/A] before the first reading reported once and not taken for a gap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSource } from '../../src/measurement/sources/index.js';
import { Clock } from '../../src/measurement/clock.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-smi-source-bite-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
