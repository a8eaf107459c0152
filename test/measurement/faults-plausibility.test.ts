/**
 * Fault injection on readings (issue 12, defect 9): a RAPL counter that rises 1e12 uJ every 0.5 s
 * (2 MW) is not a measurement. The device's readings are checked against a ceiling with its basis
 * (twice the GPU's power limit where known, else a stated ceiling per source, the estimate's own
 * maximum for estimates); the run is marked in run.json (meter.implausible, meter.problems) and the report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainInfo, RunJson } from '../../src/core/contract.js';
import type { Sample } from '../../src/measurement/types.js';
import { STATED_CEILINGS_W, checkPlausibility, powerCeilings } from '../../src/measurement/plausibility.js';
import { REPO, makePowercap } from '../support/meters-fakes.js';

const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-faults-plausibility-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const domain = (device: string, method: DomainInfo['method'] = 'counter'): DomainInfo => ({
  device,
  method,
  source: 'test',
  scope: 'test',
  uncertainty: { relative: 0, absoluteW: 0, basis: 'test' },
});
const samples = (device: string, watts: number[]): Sample[] =>
  watts.map((powerW, i) => ({ t: i * 0.1, device, powerW, energyJ: 0, phase: 'p' }));

test('ceilings: twice the GPU power limit where known, else stated per source; estimates from their own model', () => {
  const c = powerCeilings(
    [
      domain('gpu:0'),
      domain('gpu:1'),
      domain('cpu:package-0'),
      domain('dram:0'),
      domain('psys'),
      domain('cpu', 'estimated'),
      domain('dram', 'estimated'),
    ],
    {
      gpus: [{ index: 0, powerLimitW: 300 }],
      logicalCores: 8,
      memoryBytes: 16e9,
      sources: [
        { kind: 'process-cpu-estimate', wattsPerCore: 4, wattsPerCoreSource: 's', cpuModel: 'm' },
        { kind: 'process-dram-estimate', wattsPerGB: 0.3725, wattsPerGBSource: 's' },
      ],
    },
  );
  const by = Object.fromEntries(c.map((x) => [x.device, x]));
  assert.equal(by['gpu:0'].maxW, 600);
  assert.match(by['gpu:0'].basis, /twice the enforced power limit of 300 W/);
  assert.equal(by['gpu:1'].maxW, STATED_CEILINGS_W.gpu.w);
  assert.equal(by['cpu:package-0'].maxW, STATED_CEILINGS_W.cpuPackage.w);
  assert.equal(by['dram:0'].maxW, STATED_CEILINGS_W.dram.w);
  assert.equal(by.psys.maxW, STATED_CEILINGS_W.platform.w);
  assert.equal(by.cpu.maxW, 64, '4 W x 8 logical CPUs, twice');
  assert.ok(Math.abs(by.dram.maxW - 2 * 0.3725 * 16) < 1e-9);
});

test('readings above the ceiling, below 0 or not a number are counted per device with their extremes; plausible ones are not', () => {
  const ceilings = powerCeilings([domain('cpu:package-0'), domain('gpu:0')], {});
  const r = checkPlausibility([...samples('cpu:package-0', [50, 2e6, 60, 3e6, -20, NaN]), ...samples('gpu:0', [100, 1400, 0])], ceilings);
  assert.equal(r.implausible.length, 1);
  const [x] = r.implausible;
  assert.equal(x.device, 'cpu:package-0');
  assert.equal(x.count, 4);
  assert.equal(x.maxW, 3e6);
  assert.equal(x.minW, -20);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0], /^IMPLAUSIBLE readings: cpu:package-0 read up to 3\.00e\+6 W in 4 reading\(s\).*outside 0 to 1000\.0 W/);
});

test('kdbench measure with a RAPL counter rising 1e12 uJ per 0.5 s: marked in run.json and the report', async () => {
  const root = join(tmp, 'powercap');
  makePowercap(root, [{ zone: 'intel-rapl:0', name: 'package-0', energyUj: 0, maxRangeUj: 2 ** 62 }]);
  // 1e12 uJ (1 MJ) every 0.5 s: 2 MW on one CPU package.
  const writer = spawn(process.execPath, [
    '-e',
    `const fs=require('fs');let v=0;setInterval(()=>{v+=1e12;fs.writeFileSync(${JSON.stringify(join(root, 'intel-rapl:0', 'energy_uj'))},v+'\\n')},500)`,
  ]);
  try {
    const out = join(tmp, 'run');
    const r = spawnSync(process.execPath, [CLI, 'measure', '--quiet', '--out', out, '--', 'sleep', '2'], {
      encoding: 'utf8',
      env: { ...process.env, KDBENCH_POWERCAP_ROOT: root, KDBENCH_NVML_LIB: join(tmp, 'none'), KDBENCH_NVIDIA_SMI: '' },
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
    assert.equal(run.meter.domains[0].device, 'cpu:package-0');
    const bad = run.meter.implausible ?? [];
    assert.equal(bad.length, 1, JSON.stringify(run.meter));
    assert.equal(bad[0].device, 'cpu:package-0');
    assert.ok(bad[0].maxW > 1e6, `max ${bad[0].maxW} W`);
    assert.equal(bad[0].ceilingW, STATED_CEILINGS_W.cpuPackage.w);
    assert.ok(run.meter.problems.some((p) => p.startsWith('IMPLAUSIBLE readings: cpu:package-0')));
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /IMPLAUSIBLE READINGS on cpu:package-0/);
  } finally {
    writer.kill();
  }
});
