/** The CPU and DRAM estimates' readings: device names, CPU time counted from the start, a followed process that ends. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ProcessCpuEstimate } from '../../src/measurement/sources/estimates/process-cpu.js';
import { ProcessDramEstimate } from '../../src/measurement/sources/estimates/process-dram.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
