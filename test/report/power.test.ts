/** The power chart: band numbers never overlap, and start-up artefacts do not stretch the axis (the data is kept). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelLimitW, placeBandLabels, powerChart } from '../../src/report/charts/power.js';
import { parseCsv, type SampleRow } from '../../src/report/samples.js';
import { handRun, samplesFor } from '../fixtures/runs/hand-run.js';
import type { RunJson } from '../../src/core/contract.js';

/** 7 px per digit, like an 11 px font; the en dash of a range as wide as a digit. */
const measure = (t: string) => t.length * 7;

function overlapping(labels: ReturnType<typeof placeBandLabels>['labels']): string[] {
  const out: string[] = [];
  for (const a of labels)
    for (const b of labels)
      if (a !== b && a.row === b.row && a.x - a.width / 2 < b.x + b.width / 2 && b.x - b.width / 2 < a.x + a.width / 2)
        out.push(`${a.text} / ${b.text}`);
  return out;
}

test('band numbers: wide bands get their own, runs of narrow bands one range label, none overlap', () => {
  // Two wide phases, then 24 inference rounds of 3 px each, then one wide phase (as in a default run with repeats).
  const spans = [
    { x0: 50, x1: 300 },
    { x0: 300, x1: 700 },
    ...Array.from({ length: 24 }, (_, i) => ({ x0: 700 + i * 3, x1: 703 + i * 3 })),
    { x0: 772, x1: 950 },
  ];
  const { labels, unlabelled } = placeBandLabels(spans, measure);
  assert.deepEqual(overlapping(labels), []);
  assert.deepEqual(unlabelled, []);
  // Every band is named by exactly one label.
  const named = labels.flatMap((l) => Array.from({ length: l.last - l.first + 1 }, (_, k) => l.first + k));
  assert.deepEqual(
    named,
    spans.map((_, i) => i),
  );
  assert.deepEqual(labels.map((l) => l.text).slice(0, 2), ['1', '2']);
  assert.ok(
    labels.some((l) => l.text.includes('\u2013')),
    `a range label: ${labels.map((l) => l.text).join(' ')}`,
  );
  assert.equal(labels.at(-1)!.text, '27');
  // What the old drawing did (one number per band at its centre) overlaps: "10111213 14".
  const naive = spans.map((s, i) => ({
    text: String(i + 1),
    first: i,
    last: i,
    x: (s.x0 + s.x1) / 2,
    width: measure(String(i + 1)),
    row: 0,
  }));
  assert.ok(overlapping(naive).length > 0);
});

test('band numbers: narrow bands between wide ones take a second row instead of covering a neighbour', () => {
  const spans = [
    { x0: 0, x1: 14 },
    { x0: 14, x1: 16 },
    { x0: 16, x1: 30 },
    { x0: 30, x1: 32 },
    { x0: 32, x1: 46 },
  ];
  const { labels, unlabelled } = placeBandLabels(spans, measure);
  assert.deepEqual(overlapping(labels), []);
  assert.deepEqual(unlabelled, []);
  assert.ok(labels.some((l) => l.row > 0));
});

function rowsOf(run: RunJson, extra: string[] = []): SampleRow[] {
  const [head, ...body] = parseCsv(samplesFor(run) + extra.join('\n'));
  const col = (n: string) => head.indexOf(n);
  return body
    .filter((r) => r.length === head.length)
    .map((r) => ({
      t: Number(r[col('t_s')]),
      timeMs: Date.parse(r[col('timestamp')]),
      device: r[col('device')],
      method: r[col('method')],
      powerW: Number(r[col('power_w')]),
      energyJ: Number(r[col('energy_j')]),
      phase: r[col('phase')],
    }));
}

/** The hand run on a 2-core machine whose CPU is estimated at 4 W per busy core: at most 8 W. */
function estimatedCpuRun(): RunJson {
  const run = handRun();
  run.meter.domains[0] = { ...run.meter.domains[0], method: 'estimated', source: 'process-tree CPU time x 4 W per busy core (default)' };
  for (const p of run.phases) p.domains[0] = { ...p.domains[0], method: 'estimated' };
  (run.environment as { cpu: { logicalCores: number } }).cpu.logicalCores = 2;
  return run;
}

test("the power axis leaves out start-up artefacts above the model's limit and before the first window, and says so", () => {
  const run = estimatedCpuRun();
  assert.equal(modelLimitW(run, 'cpu'), 8);
  assert.equal(modelLimitW(run, 'gpu:0'), undefined, 'a measured device has no model limit');
  const t0 = Date.parse(run.startedAt);
  const at = (t: number) => new Date(t0 + t * 1000).toISOString();
  // The meter starts before the idle baseline (as in a real run); a 14 W CPU sample inside teacher-training (the model
  // allows 8 W), and a 30 W GPU sample before the first window.
  run.baseline!.startedAt = at(0.5);
  const rows = rowsOf(run, [
    `5.2500,${at(5.25)},cpu,estimated,14.000,40.0000,teacher-training`,
    `0.0500,${at(0.05)},gpu:0,sampled,30.000,0.0000,`,
  ]);
  const highest = Math.max(...rows.map((r) => r.powerW));
  assert.equal(highest, 30);
  const chart = powerChart(run, rows)!;
  const yMax = (chart.config.options!.scales!.y as { max: number }).max;
  // The largest sample the axis keeps: teacher-training's 6 W CPU (60 J over 10 s).
  assert.ok(yMax >= 6 && yMax < 14, `y max ${yMax}`);
  assert.match(
    chart.note!,
    /^2 sample\(s\) above the axis \(highest 30 W, gpu:0 at 0\.05 s, before the first measured window: start-up artefacts\)/,
  );
  // The data itself is untouched: every sample is still drawn (the chart clips it), and the energy figures do not come from samples.
  const drawn = chart.config.data.datasets.reduce((a, d) => a + d.data.length, 0);
  assert.equal(drawn, rows.length);
  // Without artefacts there is nothing to say.
  assert.equal(powerChart(run, rowsOf(run))!.note, undefined);
});
