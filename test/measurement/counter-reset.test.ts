/**
 * A RAPL counter that goes down although its range is unknown (max_energy_range_uj unreadable):
 * the energy must stay finite and never go backwards, from discovery through the sampler to the windows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverRapl } from '../../src/measurement/sources/rapl/powercap.js';
import { createSource } from '../../src/measurement/sources/index.js';
import { Clock } from '../../src/measurement/clock.js';
import { Meter } from '../../src/measurement/meter.js';
import { energyByWindow } from '../../src/measurement/windows.js';
import { makePowercap, setEnergy } from '../support/meters-fakes.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-reset-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** As the kernel's sysfs does: a reader sees the old value or the new one, never a half-written file. */
function setEnergyAtomic(root: string, zone: string, uj: number): void {
  const file = join(root, zone, 'energy_uj');
  writeFileSync(`${file}.tmp`, `${uj}\n`);
  renameSync(`${file}.tmp`, file);
}

/** A package zone whose max_energy_range_uj says nothing usable. */
function unknownRange(name: string, range: string): string {
  const root = join(tmp, name);
  makePowercap(root, [{ zone: 'intel-rapl:0', name: 'package-0', energyUj: 5_000_000 }]);
  writeFileSync(join(root, 'intel-rapl:0', 'max_energy_range_uj'), range);
  return root;
}

for (const [label, range] of [
  ['unreadable (not a number)', 'garbage\n'],
  ['empty', ''],
  ['zero', '0\n'],
] as const) {
  test(`range ${label}: a reset counter adds what it counted since, and the energy stays finite and monotonic`, async () => {
    const root = unknownRange(`pc-${label.split(' ')[0]}`, range);
    const d = discoverRapl(root);
    assert.equal(d.chosen.length, 1);
    assert.ok(!(d.chosen[0].maxRangeUj > 0));
    assert.ok(
      d.notes.some((n) => /max_energy_range_uj unreadable/.test(n)),
      d.notes.join('\n'),
    );
    const src = createSource({ kind: 'rapl', root, zones: d.chosen }, Clock.start());
    await src.start();
    const read = () => src.poll(0)[0].energyJ!;
    const e0 = read(); // 5 J
    setEnergy(root, 'intel-rapl:0', 6_000_000);
    const e1 = read();
    setEnergy(root, 'intel-rapl:0', 250_000); // reset: went down, range unknown
    const e2 = read();
    setEnergy(root, 'intel-rapl:0', 750_000);
    const e3 = read();
    for (const e of [e0, e1, e2, e3]) assert.ok(Number.isFinite(e), `energy ${e}`);
    assert.ok(Math.abs(e1 - e0 - 1) < 1e-9);
    // Treated as a reset to 0: the 0.25 J counted since the reset are added, nothing is subtracted.
    assert.ok(Math.abs(e2 - e1 - 0.25) < 1e-9, `after the reset: +${e2 - e1} J`);
    assert.ok(Math.abs(e3 - e2 - 0.5) < 1e-9);
    assert.ok(
      src.problems().some((p) => /went down without a known range/.test(p)),
      src.problems().join('\n'),
    );
  });
}

test('through the sampler thread: a reset with unknown range gives finite, non-negative window energies', async () => {
  const root = unknownRange('pc-meter', 'garbage\n');
  const d = discoverRapl(root);
  const m = await Meter.start({ intervalMs: 20, csvPath: join(tmp, 'samples.csv'), sources: [{ kind: 'rapl', root, zones: d.chosen }] });
  const t0 = m.mark('a');
  for (const uj of [5_400_000, 5_800_000, 100_000, 500_000]) {
    await sleep(80);
    setEnergyAtomic(root, 'intel-rapl:0', uj);
  }
  await sleep(80);
  const t1 = m.mark('');
  const trace = await m.stop();
  for (const s of trace.samples) assert.ok(Number.isFinite(s.energyJ) && Number.isFinite(s.powerW), JSON.stringify(s));
  const [w] = energyByWindow(trace, [{ name: 'a', t0, t1 }]);
  assert.ok(Number.isFinite(w.energyJ) && Number.isFinite(w.uncertaintyJ), `window ${w.energyJ} J +/- ${w.uncertaintyJ}`);
  // 0.8 J before the reset, 0.1 J up to the first read after it, 0.4 J after that; a loaded machine may miss
  // the read of 5.8 J (then the 0.4 J before the reset are lost, never added twice).
  assert.ok(w.energyJ > 0.8 && w.energyJ <= 1.3 + 1e-9, `window energy ${w.energyJ} J`);
  assert.ok(trace.problems.some((p) => /went down without a known range/.test(p)));
});

test('an empty read of energy_uj is a failed read, not a counter at 0 (which would add a whole phantom wrap)', async () => {
  const root = join(tmp, 'pc-empty-read');
  makePowercap(root, [{ zone: 'intel-rapl:0', name: 'package-0', energyUj: 900_000, maxRangeUj: 1_000_000 }]);
  const src = createSource(
    { kind: 'rapl', root, zones: [{ zone: 'intel-rapl:0', device: 'cpu:package-0', maxRangeUj: 1_000_000 }] },
    Clock.start(),
  );
  await src.start();
  const e0 = src.poll(0)[0].energyJ!;
  setEnergy(root, 'intel-rapl:0', 950_000);
  assert.ok(Math.abs(src.poll(0)[0].energyJ! - e0 - 0.05) < 1e-9);
  writeFileSync(join(root, 'intel-rapl:0', 'energy_uj'), '');
  assert.deepEqual(src.poll(0), [], 'an empty read gave a reading');
  setEnergy(root, 'intel-rapl:0', 960_000);
  const [r] = src.poll(0);
  assert.ok(Math.abs(r.energyJ! - e0 - 0.06) < 1e-9, `${r.energyJ! - e0} J after an empty read`);
  assert.ok(
    src.problems().some((p) => /not a number/.test(p)),
    src.problems().join('\n'),
  );
});
