/** What the nvidia-smi source makes of each kind of line: values, [N/A] gaps, junk, and timestamps it cannot trust. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSource } from '../../src/measurement/sources/index.js';
import { parseSmiNumber, parseSmiTimestamp } from '../../src/measurement/sources/nvidia-smi/csv.js';
import { Clock } from '../../src/measurement/clock.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-smi-lines-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake nvidia-smi printing these lines once ({ago:MS} is replaced by the local-time stamp MS ms ago), then idling. */
function scriptedSmi(lines: string[]): string {
  const script = join(tmp, 'scripted-smi.mjs');
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
  const bin = join(tmp, 'nvidia-smi');
  writeFileSync(bin, `#!/bin/sh\nexec '${process.execPath}' '${script}' "$@"\n`);
  chmodSync(bin, 0o755);
  return bin;
}

test('values, [N/A] gaps, junk lines, and timestamps far from our clock', async () => {
  const clock = Clock.start();
  const src = createSource(
    {
      kind: 'nvidia-smi',
      binary: scriptedSmi([
        '{ago:300}, 0, 100.00',
        '{ago:200}, 0, [N/A]',
        '{ago:100}, 0, [Not Supported], 120.50',
        'a line that is not CSV',
        '{ago:100}, x, 5.00',
        '{ago:10800000}, 1, 50.00',
        '{ago:-5000}, 1, 60.00',
        'no timestamp, 1, 70.00',
        '{ago:0}, 0, 130.00',
      ]),
      intervalMs: 100,
      probed: [
        { index: 0, name: 'Fake GPU 0', uuid: 'GPU-0', powerField: 'power.draw.instant' },
        { index: 1, name: 'Fake GPU 1', uuid: 'GPU-1', powerField: 'power.draw' },
      ],
    },
    clock,
  );
  await src.start();
  await sleep(300);
  const readings = src.poll(clock.now());
  const tPoll = clock.now();
  src.stop();
  const gpu0 = readings.filter((r) => r.device === 'gpu:0');
  const gpu1 = readings.filter((r) => r.device === 'gpu:1');
  assert.equal(readings.length, 6, JSON.stringify(readings));
  // GPU 0: 100 W, then (after a [N/A]) the first number of the line, marked as following a gap, then 130 W.
  assert.deepEqual(
    gpu0.map((r) => [r.powerW, r.afterGap ?? false]),
    [
      [100, false],
      [120.5, true],
      [130, false],
    ],
  );
  assert.ok(Math.abs(gpu0[1].t! - gpu0[0].t! - 0.2) < 0.0015, `${gpu0[1].t! - gpu0[0].t!} s between stamps 200 ms apart`);
  assert.ok(Math.abs(gpu0[2].t! - gpu0[1].t! - 0.1) < 0.0015);
  // GPU 1: stamps 3 h old, 5 s ahead, or missing: placed at arrival, inside [0, now], in arrival order.
  assert.deepEqual(
    gpu1.map((r) => r.powerW),
    [50, 60, 70],
  );
  for (const r of gpu1) assert.ok(r.t! >= 0 && r.t! <= tPoll, `t ${r.t} outside [0, ${tPoll}]`);
  assert.ok(gpu1[0].t! > gpu0[2].t! - 0.5, 'a 3-hour-old stamp was used as it is');
  const problems = src.problems();
  assert.equal(problems.filter((p) => /reported no power for GPU 0/.test(p)).length, 1, problems.join('\n'));
  assert.equal(problems.filter((p) => /timestamps differ from this process's clock/.test(p)).length, 1, problems.join('\n'));
});

test('CSV numbers and local-time stamps', () => {
  assert.equal(parseSmiNumber(' 75.5 W '), 75.5);
  assert.equal(parseSmiNumber('0'), 0);
  assert.equal(parseSmiNumber(''), undefined);
  assert.equal(parseSmiNumber('   '), undefined);
  assert.equal(parseSmiNumber(undefined), undefined);
  assert.equal(parseSmiNumber('[N/A]'), undefined);
  assert.equal(parseSmiNumber('n/a'), undefined);
  assert.equal(parseSmiNumber('12,5'), undefined);
  assert.equal(parseSmiTimestamp('2026/01/31 23:59:59'), new Date(2026, 0, 31, 23, 59, 59, 0).getTime());
  assert.equal(parseSmiTimestamp(' 2026/01/31 23:59:59.5 '), new Date(2026, 0, 31, 23, 59, 59, 500).getTime());
  assert.equal(parseSmiTimestamp('2026/01/31 23:59:59.05'), new Date(2026, 0, 31, 23, 59, 59, 50).getTime());
  assert.equal(parseSmiTimestamp('2026-01-31 23:59:59.500'), undefined);
  assert.equal(parseSmiTimestamp('2026/01/31 23:59'), undefined);
  assert.equal(parseSmiTimestamp('x2026/01/31 23:59:59.500'), undefined);
  assert.equal(parseSmiTimestamp('2026/01/31 23:59:59.5000'), undefined);
});
