/**
 * The GPU boundary rule, with a fake device whose work completes late: like a GPU, `dispatch` queues
 * work and returns at once, and the device (a worker thread keeping a core busy, so that the CPU
 * estimate of this process sees its energy) finishes it afterwards. With the suite's wiring
 * (beforeBoundaryFor: the backend's sync before every boundary) the work's energy lands in the phase
 * that queued it, the last phase included; without it, in the next phase.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PhaseRecord } from '../../src/core/contract.js';
import { prepareCarbon } from '../../src/carbon/index.js';
import { selectSources } from '../../src/measurement/select.js';
import { executeRun, type RunOptions } from '../../src/run/lifecycle.js';
import { beforeBoundaryFor } from '../../src/run/suite/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-gpu-boundary-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A device that runs queued work in order, after dispatch has returned. */
class LateDevice {
  private readonly worker = new Worker(
    // Work measured in CPU time, not wall time: on a loaded machine it still costs the same energy.
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', (ms) => {
       const t0 = process.cpuUsage();
       for (;;) { const u = process.cpuUsage(t0); if (u.user + u.system >= ms * 1000) break; }
       parentPort.postMessage('done');
     });`,
    { eval: true },
  );
  private pending = 0;
  private waiters: (() => void)[] = [];

  constructor() {
    this.worker.on('message', () => {
      if (--this.pending === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Queues `ms` of CPU time of work and returns at once, as a GPU op does. */
  dispatch(ms: number): void {
    this.pending++;
    this.worker.postMessage(ms);
  }

  /** Resolves once everything queued so far has finished (the backend's sync). */
  readonly sync = (): Promise<void> => (this.pending === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r)));

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

let n = 0;
function options(beforeBoundary: (() => Promise<void>) | undefined): RunOptions {
  return {
    out: join(tmp, `run-${++n}`),
    label: 'gpu-boundary',
    kind: 'measure',
    argv: ['test'],
    environment: {},
    intervalMs: 20,
    // No NVML, nvidia-smi or powercap: CPU energy is the estimate of this process (all its threads).
    selection: selectSources({
      intervalMs: 20,
      env: { KDBENCH_NVML_LIB: join(tmp, 'none.so'), KDBENCH_NVIDIA_SMI: '', KDBENCH_POWERCAP_ROOT: join(tmp, 'none'), PATH: '' },
    }),
    carbon: prepareCarbon({}),
    progress: { begin: () => {}, update: () => {}, end: () => {}, log: () => {} },
    reports: false,
    ...(beforeBoundary ? { beforeBoundary } : {}),
  };
}

const cpuJ = (p: PhaseRecord) => p.domains.find((d) => d.device === 'cpu')!.energyJ;

/** gpu-work queues 600 ms (CPU time) of device work and moves on; next idles 600 ms; tail queues 400 ms and ends the run. */
async function run(withSync: boolean): Promise<Record<string, PhaseRecord>> {
  const device = new LateDevice();
  try {
    const hook = beforeBoundaryFor(withSync ? { sync: device.sync } : {});
    assert.equal(hook, withSync ? device.sync : undefined);
    const outcome = await executeRun(options(hook), async (ctx) => {
      await ctx.phase('gpu-work');
      device.dispatch(600);
      await ctx.phase('next');
      await sleep(600);
      await ctx.phase('tail');
      device.dispatch(400);
    });
    assert.equal(outcome.status, 'completed');
    return Object.fromEntries(outcome.run.phases.map((p) => [p.name, p]));
  } finally {
    await device.close();
  }
}

test("with the backend's sync before every boundary, late device work is counted in the phase that queued it", async () => {
  const p = await run(true);
  assert.ok(p['gpu-work'].durationS >= 0.55, `gpu-work lasts until the device is done: ${p['gpu-work'].durationS} s`);
  assert.ok(
    cpuJ(p['gpu-work']) > 3 * cpuJ(p.next),
    `the work's energy is in gpu-work (${cpuJ(p['gpu-work']).toFixed(3)} J), not in next (${cpuJ(p.next).toFixed(3)} J)`,
  );
  assert.ok(p.tail.durationS >= 0.35, `the end of the run waits too: tail lasts ${p.tail.durationS} s`);
  assert.ok(cpuJ(p.tail) > 3 * cpuJ(p.next), `tail holds its own work (${cpuJ(p.tail).toFixed(3)} J)`);
});

test('without it (a CPU backend has no sync), the boundary is marked while the device works: its energy lands in the next phase', async () => {
  const p = await run(false);
  assert.ok(p['gpu-work'].durationS < 0.3, `gpu-work ends at once: ${p['gpu-work'].durationS} s`);
  assert.ok(
    cpuJ(p.next) > 3 * cpuJ(p['gpu-work']),
    `next (${cpuJ(p.next).toFixed(3)} J) carries gpu-work's energy (${cpuJ(p['gpu-work']).toFixed(3)} J)`,
  );
});
