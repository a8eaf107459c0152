/** RAPL through powercap (src/measurement/sources/rapl/): zone discovery and the counter source, on fake powercap trees. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverRapl } from '../../../src/measurement/sources/rapl/powercap.js';
import { RaplSource } from '../../../src/measurement/sources/rapl/source.js';
import { makePowercap, setEnergy } from '../../support/meters-fakes.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-rapl-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test('RAPL discovery: packages and DRAM counted, mirrored die once, core and psys not added', () => {
  const root = join(tmp, 'pc1');
  makePowercap(root, [
    { zone: 'intel-rapl:0', name: 'package-0', energyUj: 5_000_000 },
    { zone: 'intel-rapl:0:0', name: 'core', energyUj: 3_000_000 },
    { zone: 'intel-rapl:0:1', name: 'dram', energyUj: 700_000 },
    { zone: 'intel-rapl:1', name: 'package-0', energyUj: 5_000_000 }, // mirror of intel-rapl:0
    { zone: 'intel-rapl:2', name: 'package-1', energyUj: 9_123_456 },
    { zone: 'intel-rapl:3', name: 'psys', energyUj: 20_000_000 },
  ]);
  const d = discoverRapl(root);
  assert.deepEqual(
    d.chosen.map((c) => `${c.zone}=${c.device}`),
    ['intel-rapl:0=cpu:package-0', 'intel-rapl:2=cpu:package-1', 'intel-rapl:0:1=dram:0'],
  );
  assert.ok(
    d.notes.some((n) => n.includes('intel-rapl:1') && n.includes('mirrors intel-rapl:0')),
    d.notes.join('\n'),
  );
  assert.ok(d.notes.some((n) => n.includes('psys') && n.includes('not added')));
  assert.ok(d.notes.some((n) => n.includes('intel-rapl:0:0') && n.includes('not added')));
  assert.equal(d.accessFix, undefined);
});

test('RAPL discovery: psys alone stands for the CPU; missing root says so', () => {
  const root = join(tmp, 'pc2');
  makePowercap(root, [{ zone: 'intel-rapl:0', name: 'psys', energyUj: 1 }]);
  assert.deepEqual(
    discoverRapl(root).chosen.map((c) => c.device),
    ['cpu:psys'],
  );
  const none = discoverRapl(join(tmp, 'nope'));
  assert.equal(none.chosen.length, 0);
  assert.match(none.notes[0], /no powercap folder/);
});

test('RAPL discovery: unreadable counters come with the exact fix (udev rule, chmod o+r, CVE-2020-8694)', () => {
  const root = join(tmp, 'pc3');
  makePowercap(root, [{ zone: 'intel-rapl:0', name: 'package-0', energyUj: 1 }]);
  const denied = (p: string): string => {
    if (p.endsWith('energy_uj')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    return `${p.endsWith('name') ? 'package-0' : '262143328850'}\n`;
  };
  const d = discoverRapl(root, denied);
  assert.equal(d.chosen.length, 0);
  assert.ok(d.accessFix);
  assert.match(d.accessFix!, /chmod o\+r .*intel-rapl:\*\/energy_uj/);
  assert.match(d.accessFix!, /udev/);
  assert.match(d.accessFix!, /CVE-2020-8694/);
  assert.ok(d.notes.some((n) => n.includes('EACCES')));
});

test('RAPL source: a wrapping counter is unwrapped through max_energy_range_uj', async () => {
  const root = join(tmp, 'pc4');
  makePowercap(root, [{ zone: 'intel-rapl:0', name: 'package-0', energyUj: 900_000, maxRangeUj: 1_000_000 }]);
  const src = new RaplSource({ root, zones: [{ zone: 'intel-rapl:0', device: 'cpu:package-0', maxRangeUj: 1_000_000 }] });
  const [domain] = await src.start();
  assert.equal(domain.method, 'counter');
  const read = (): number => src.poll()[0].energyJ!;
  const e0 = read();
  setEnergy(root, 'intel-rapl:0', 950_000);
  assert.ok(Math.abs(read() - e0 - 0.05) < 1e-9);
  setEnergy(root, 'intel-rapl:0', 100_000); // wrapped: +50 000 to the top, +100 000 after
  assert.ok(Math.abs(read() - e0 - 0.2) < 1e-9);
  setEnergy(root, 'intel-rapl:0', 999_999);
  assert.ok(Math.abs(read() - e0 - 1.099999) < 1e-9);
});
