/**
 * nvidia-smi readings are placed at nvidia-smi's own timestamps, not at the time their line reaches
 * us: a child whose output arrives in bursts (a pipe buffer, a loaded machine) must not bunch them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSource } from '../../src/measurement/sources/index.js';
import { Clock } from '../../src/measurement/clock.js';
import { Integrator } from '../../src/measurement/integrator.js';
import type { RawReading } from '../../src/measurement/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-smi-ts-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A fake nvidia-smi (real CSV, local-time timestamps) that probes every 100 ms but writes its lines
 * in bursts of 5, every 500 ms. Probe k is stamped base + k x 100 ms and reports 100 + k W.
 */
function burstySmi(): string {
  const script = join(tmp, 'bursty-smi.mjs');
  writeFileSync(
    script,
    `const pad = (n, w = 2) => String(n).padStart(w, '0');
const stamp = (d) => \`\${d.getFullYear()}/\${pad(d.getMonth() + 1)}/\${pad(d.getDate())} \${pad(d.getHours())}:\${pad(d.getMinutes())}:\${pad(d.getSeconds())}.\${pad(d.getMilliseconds(), 3)}\`;
const base = Date.now() - 500;
let k = 0;
const burst = () => {
  const lines = [];
  for (let i = 0; i < 5; i++, k++) lines.push(\`\${stamp(new Date(base + k * 100))}, 0, \${(100 + k).toFixed(2)}\`);
  process.stdout.write(lines.join('\\n') + '\\n');
};
burst();
setInterval(burst, 500);
`,
  );
  const bin = join(tmp, 'nvidia-smi');
  writeFileSync(bin, `#!/bin/sh\nexec '${process.execPath}' '${script}' "$@"\n`);
  chmodSync(bin, 0o755);
  return bin;
}

test('bursts of lines keep their own timestamps: 100 ms apart, in order, energy integrated over the real spacing', async () => {
  const clock = Clock.start();
  const src = createSource(
    {
      kind: 'nvidia-smi',
      binary: burstySmi(),
      intervalMs: 100,
      probed: [{ index: 0, name: 'Fake GPU 0', uuid: 'GPU-fake-0', powerField: 'power.draw' }],
    },
    clock,
  );
  const domains = await src.start();
  assert.deepEqual(
    domains.map((d) => [d.device, d.method]),
    [['gpu:0', 'sampled']],
  );
  await sleep(1300);
  const readings: RawReading[] = src.poll(0);
  src.stop();
  assert.ok(readings.length >= 10, `${readings.length} readings`);
  // Probe k reports 100 + k W and was stamped k x 100 ms after probe 0.
  const k0 = readings[0].powerW! - 100;
  for (const r of readings) {
    const k = r.powerW! - 100 - k0;
    const dt = r.t! - readings[0].t!;
    assert.ok(Math.abs(dt - k * 0.1) < 0.0015, `probe ${k}: ${dt.toFixed(4)} s after the first, expected ${(k * 0.1).toFixed(1)} s`);
  }
  // Integrated, the energy is the trapezoid over the stamped times (not over bunched arrival times).
  const it = new Integrator();
  let last;
  for (const r of readings) last = it.add(r, clock.now(), 'p') ?? last;
  const n = readings.length - 1;
  const expected = readings.slice(1).reduce((a, r, i) => a + ((readings[i].powerW! + r.powerW!) / 2) * 0.1, 0);
  assert.ok(Math.abs(last!.energyJ - expected) < 0.02 * expected, `${last!.energyJ} J over ${n} steps, expected ${expected} J`);
});
