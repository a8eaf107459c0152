/**
 * An estimate must be labelled where a reader takes the number from: the models table's energy
 * header and the warnings at the top of the report, in report.md and report.html alike.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { handRun, writeRunDir } from '../fixtures/runs/hand-run.js';
import { writeReports } from '../../src/report/index.js';
import type { Method, RunJson } from '../../src/core/contract.js';
import { energyHeaders, htmlTableHeader, htmlTopWarnings, mdTableHeader, mdTopWarnings } from '../support/report-parse.js';

let tmp = '';
const reports = new Map<string, { md: string; html: string }>();

/** The hand-written run with every meter domain's method set by `method(device)`. */
function withMethods(method: (device: string) => Method): RunJson {
  const run = handRun();
  for (const d of run.meter.domains) d.method = method(d.device);
  for (const p of [...run.phases, ...(run.totals ? [run.totals] : [])]) for (const d of p.domains) d.method = method(d.device);
  return run;
}

const RUNS: Record<string, RunJson> = {
  partly: handRun(), // dram estimated, cpu counter, gpu sampled
  none: withMethods((d) => (d === 'gpu:0' ? 'sampled' : 'counter')),
  all: withMethods(() => 'estimated'),
};

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'kdbench-estimated-'));
  for (const [name, run] of Object.entries(RUNS)) {
    const dir = writeRunDir(join(tmp, name), run);
    await writeReports(dir);
    reports.set(name, { md: readFileSync(join(dir, 'report.md'), 'utf8'), html: readFileSync(join(dir, 'report.html'), 'utf8') });
  }
});
after(() => rmSync(tmp, { recursive: true, force: true }));

for (const format of ['md', 'html'] as const) {
  const header = (name: string) => {
    const r = reports.get(name)!;
    const h = format === 'md' ? mdTableHeader(r.md, 'Models') : htmlTableHeader(r.html, 'Models');
    assert.ok(h, `no models table in report.${format}`);
    const energy = energyHeaders(h);
    assert.ok(energy.length >= 1, `no energy column in ${JSON.stringify(h)}`);
    return energy;
  };
  const top = (name: string) => (format === 'md' ? mdTopWarnings(reports.get(name)!.md) : htmlTopWarnings(reports.get(name)!.html));

  test(`report.${format}: the models table's energy header says the energy is partly ESTIMATED, naming the device`, () => {
    for (const h of header('partly')) assert.match(h, /partly ESTIMATED \(dram\)/, h);
    for (const h of header('all')) assert.match(h, /ESTIMATED/, h);
    for (const h of header('all')) assert.doesNotMatch(h, /partly/, h);
    for (const h of header('none')) assert.doesNotMatch(h, /ESTIMATED/i, h);
  });

  test(`report.${format}: a warning at the top names the estimated devices; none without estimates`, () => {
    const partly = top('partly').filter((w) => /ESTIMATED/.test(w));
    assert.equal(partly.length, 1, top('partly').join('\n'));
    assert.match(partly[0], /dram energy is ESTIMATED/);
    assert.doesNotMatch(partly[0], /\bcpu\b|gpu/);
    const all = top('all').filter((w) => /ESTIMATED/.test(w));
    assert.equal(all.length, 1);
    for (const d of ['cpu', 'gpu:0', 'dram']) assert.ok(all[0].includes(d), `${d} not named: ${all[0]}`);
    assert.deepEqual(
      top('none').filter((w) => /ESTIMATED/i.test(w)),
      [],
    );
  });
}
