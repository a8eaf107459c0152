/**
 * The estimates that stand in where nothing can be measured must at least have the right size:
 * DRAM = resident GB x 0.3725 W/GB, CPU = busy CPU seconds x W per core, checked against /proc.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { selectSources } from '../../src/measurement/select.js';
import { createSource } from '../../src/measurement/sources/index.js';
import { Clock } from '../../src/measurement/clock.js';
import type { SourceSpec } from '../../src/measurement/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const env = { KDBENCH_NVML_LIB: join(tmpdir(), 'no-such-nvml.so'), KDBENCH_POWERCAP_ROOT: join(tmpdir(), 'no-such-powercap'), PATH: '' };

/** The estimate specs selectSources gives for `pid` on a machine with nothing to measure. */
function estimates(pid: number): { cpu: SourceSpec; dram: SourceSpec } {
  const { sources } = selectSources({ intervalMs: 100, pid, env });
  const cpu = sources.find((s) => s.kind === 'process-cpu-estimate')!;
  const dram = sources.find((s) => s.kind === 'process-dram-estimate')!;
  assert.ok(cpu && dram, JSON.stringify(sources));
  return { cpu, dram };
}

/** A child that holds `mb` MB resident, says "ready", then (on a line on stdin) burns `burnMs` ms of CPU time. */
async function child(mb: number, burnMs = 0): Promise<ChildProcess> {
  const code = `const b = Buffer.alloc(${mb} * 1e6, 1); process.stdout.write('ready\\n');
process.stdin.once('data', () => { const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const t = cpu(); while (cpu() - t < ${burnMs}) {} process.stdout.write('done\\n'); });
setInterval(() => b[0]++, 1000);`;
  const c = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'ignore'] });
  await once(c.stdout!, 'data');
  return c;
}

const rssBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

test('DRAM estimate of a process holding ~200 MB: resident bytes / 1e9 x 0.3725 W (tenths of a watt, not watts)', async () => {
  const c = await child(200);
  try {
    const spec = estimates(c.pid!).dram;
    assert.equal(spec.kind === 'process-dram-estimate' && spec.wattsPerGB, 0.3725);
    const src = createSource(spec, Clock.start());
    const [domain] = await src.start();
    assert.equal(domain.method, 'estimated');
    const [r] = src.poll(0);
    const expected = (rssBytes(c.pid!) / 1e9) * 0.3725;
    assert.ok(r.powerW! > 0.07 && r.powerW! < 0.2, `${r.powerW} W for ${(rssBytes(c.pid!) / 1e6).toFixed(0)} MB resident`);
    assert.ok(Math.abs(r.powerW! - expected) < 0.1 * expected, `${r.powerW} W, expected ${expected} W from VmRSS`);
    src.stop();
  } finally {
    c.kill();
  }
});

test('CPU estimate of a process that used 0.6 s of CPU: its CPU seconds x W per core', async () => {
  const c = await child(1, 600);
  try {
    const spec = estimates(c.pid!).cpu;
    assert.ok(spec.kind === 'process-cpu-estimate');
    const src = createSource(spec, Clock.start());
    const [domain] = await src.start();
    assert.equal(domain.method, 'estimated');
    const e0 = src.poll(0)[0].energyJ!;
    const stat0 = readFileSync(`/proc/${c.pid}/stat`, 'utf8');
    c.stdin!.write('go\n');
    await once(c.stdout!, 'data');
    await sleep(50);
    const stat1 = readFileSync(`/proc/${c.pid}/stat`, 'utf8');
    const e1 = src.poll(0)[0].energyJ!;
    const busy = (s: string) => {
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks (CLK_TCK 100)
    };
    const cpuS = busy(stat1) - busy(stat0);
    assert.ok(cpuS > 0.2, `the child was busy for only ${cpuS} s`);
    const expected = cpuS * spec.wattsPerCore;
    assert.ok(spec.wattsPerCore >= 1 && spec.wattsPerCore <= 50, `${spec.wattsPerCore} W per core`);
    assert.ok(Math.abs(e1 - e0 - expected) <= 0.05 * spec.wattsPerCore + 0.05 * expected, `${e1 - e0} J, expected ${expected} J`);
    src.stop();
  } finally {
    c.kill();
  }
});
