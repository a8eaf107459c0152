/**
 * nvidia-smi CSV values and rows exactly as parsed, and RAPL counters where a mistake would change a published figure
 * or hide why one is missing: a read that is only a newline, and the problems a failing or resetting counter reports
 * (once per stretch, at most 20). The estimates and the streaming nvidia-smi source: estimates-bite, smi-source-bite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSmiLine, parseSmiNumber } from '../../src/measurement/sources/nvidia-smi/csv.js';
import { RaplSource } from '../../src/measurement/sources/rapl/source.js';
import { makePowercap, setEnergy } from '../support/meters-fakes.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-sources-bite-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

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
