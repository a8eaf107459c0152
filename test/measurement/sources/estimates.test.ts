/** The labelled estimates (src/measurement/sources/estimates/): CPU from process-tree CPU time, DRAM from resident memory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { ProcessCpuEstimate } from '../../../src/measurement/sources/estimates/process-cpu.js';
import { ProcessDramEstimate } from '../../../src/measurement/sources/estimates/process-dram.js';
import { readStat } from '../../../src/measurement/proc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const W_PER_CORE = 10;

/** A child that burns `ms` of CPU time (however long a shared machine makes that take), then exits. */
function burner(ms: number): ChildProcess {
  return spawn(process.execPath, ['-e', `while(process.cpuUsage().user<${ms * 1000}){}`], { stdio: 'ignore' });
}

test('CPU estimate of an attached command: nothing before attach, all its CPU time after, kept when it is reaped', async () => {
  const src = new ProcessCpuEstimate({ attach: true, wattsPerCore: W_PER_CORE, wattsPerCoreSource: 'test', cpuModel: 'test CPU' });
  const [domain] = await src.start();
  assert.equal(domain.method, 'estimated');
  assert.match(domain.source, /10 W per busy core \(test; CPU "test CPU"\)/);
  assert.match(domain.scope, /the measured command/);
  assert.deepEqual(src.poll(), [{ device: 'cpu', energyJ: 0 }]);

  const children0 = readStat('/proc/self/stat')!.childrenS;
  const child = burner(400);
  src.attach(child.pid!, children0);
  const exited = once(child, 'exit');
  await sleep(200);
  const during = src.poll()[0].energyJ!;
  assert.ok(during > 0, `a running command counts: ${during} J`);
  await exited;
  // Reaped: its whole time is in our cutime/cstime (10 ms ticks), and that is what the estimate reads now.
  const childS = readStat('/proc/self/stat')!.childrenS - children0;
  assert.ok(childS >= 0.38, `the child burnt ${childS} s`);
  const after = src.poll()[0].energyJ!;
  assert.ok(Math.abs(after - childS * W_PER_CORE) < 1e-9, `${after} J for ${childS} s x ${W_PER_CORE} W`);
  assert.ok(after >= during, 'the total never goes down');
  src.stop();
  assert.deepEqual(src.problems(), []);
});

test('CPU estimate of a given process: counts from start, and a process that cannot be read fails the start', async () => {
  // Busy for 5 s (this machine may be shared: it may get only part of a core).
  const child = spawn(process.execPath, ['-e', 'const t=Date.now();while(Date.now()-t<5000){}'], { stdio: 'ignore' });
  try {
    const src = new ProcessCpuEstimate({ pid: child.pid, wattsPerCore: W_PER_CORE, wattsPerCoreSource: 'test', cpuModel: 'x' });
    const [domain] = await src.start();
    assert.equal(domain.scope, `process ${child.pid} and all its descendants`);
    const e0 = src.poll()[0].energyJ!;
    assert.ok(e0 < 0.1 * W_PER_CORE, `counted from start: ${e0} J`);
    let e1 = e0;
    for (let i = 0; i < 40 && e1 - e0 < 0.2 * W_PER_CORE; i++) {
      await sleep(100);
      e1 = src.poll()[0].energyJ!;
    }
    assert.ok(e1 - e0 >= 0.2 * W_PER_CORE, `${e1 - e0} J: 0.2 s of CPU time x ${W_PER_CORE} W within 4 s`);
  } finally {
    child.kill();
  }
  await once(child, 'exit');
  const gone = new ProcessCpuEstimate({ pid: child.pid, wattsPerCore: 1, wattsPerCoreSource: 'test', cpuModel: 'x' });
  await assert.rejects(gone.start(), new RegExp(`cannot read /proc/${child.pid}/stat`));
});

test('DRAM estimate: resident memory x W/GB while the process lives, one 0 W reading when it ends, then nothing', async () => {
  // Holds ~200 MB resident (filled, so the pages are really there) for 5 s.
  const child = spawn(process.execPath, ['-e', 'const b=Buffer.alloc(200e6,1);setTimeout(()=>b.length,5000)'], { stdio: 'ignore' });
  const src = new ProcessDramEstimate({ pid: child.pid, wattsPerGB: 0.5, wattsPerGBSource: 'test' });
  try {
    const [domain] = await src.start();
    assert.equal(domain.method, 'estimated');
    assert.match(domain.source, /0\.5 W\/GB \(test\)/);
    let w = 0;
    for (let i = 0; i < 40 && w < 0.1; i++) {
      await sleep(100);
      w = src.poll()[0].powerW!;
    }
    // 200 MB x 0.5 W/GB = 0.1 W, plus Node's own ~40-80 MB.
    assert.ok(w >= 0.1 && w < 0.2, `${w} W`);
  } finally {
    child.kill();
  }
  await once(child, 'exit');
  assert.deepEqual(src.poll(), [{ device: 'dram', powerW: 0 }]);
  assert.deepEqual(src.poll(), []);
  src.stop();
});

test('DRAM estimate of an attached command: 0 W until attach', async () => {
  const src = new ProcessDramEstimate({ attach: true, wattsPerGB: 0.5, wattsPerGBSource: 'test' });
  const [domain] = await src.start();
  assert.match(domain.scope, /the measured command/);
  assert.deepEqual(src.poll(), [{ device: 'dram', powerW: 0 }]);
  src.attach(process.pid);
  assert.ok(src.poll()[0].powerW! > 0);
});
