/** The decision box: figures checked by hand on the hand-written run, and verdicts that follow from them. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { gOf, handRun, writeRunDir } from '../fixtures/runs/hand-run.js';
import { writeReports } from '../../src/report/index.js';
import {
  DEFAULT_REQUESTS_PER_DAY,
  accuracyDelta,
  daysInWords,
  decisions,
  newcombeInterval,
  points,
  ratioWords,
  trafficOf,
  verdict,
} from '../../src/report/decision.js';
import type { ComparisonRecord, RunJson } from '../../src/core/contract.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-decision-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const close = (a: number | undefined, b: number, tol = 1e-9) =>
  assert.ok(typeof a === 'number' && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

/** The hand run with a 1,000-example test set and a control for student-a, compared with it (paired) as given. */
function withControl(diff: number, ci: [number, number]): RunJson {
  const run = handRun();
  run.dataset = { test: { n: 1000, byClass: {} } } as unknown as RunJson['dataset'];
  run.models.push({
    ...run.models[1],
    name: 'student-a-control',
    role: 'control',
    pairedWith: 'student-a',
    training: { ...run.models[1].training, phase: 'control-training:student-a-control' },
  });
  const cmp: ComparisonRecord = {
    metric: 'accuracy',
    kind: 'difference',
    a: 'student-a',
    b: 'student-a-control',
    estimate: diff,
    ci95: ci,
    n: 1000,
  };
  run.comparisons = [cmp];
  return run;
}

test('Newcombe interval and the small words of the box', () => {
  // Wilson for 50 % of 100: 0.5 +/- 0.096169; the difference of two such: +/- sqrt(2) x 0.096169.
  const [lo, hi] = newcombeInterval(0.5, 0.5, 100);
  close(hi, Math.SQRT2 * 0.0961687, 1e-5);
  close(lo, -Math.SQRT2 * 0.0961687, 1e-5);
  assert.equal(points(-0.0017), '-0.17');
  assert.equal(points(0.045), '+4.50');
  assert.equal(points(0.00001), '0.00');
  assert.equal(ratioWords(3 / 8), '2.67x less');
  assert.equal(ratioWords(9 / 8), '1.13x MORE');
  assert.equal(ratioWords(1 / 96.2), '96.2x less');
  assert.equal(daysInWords(1), '1 day');
  assert.equal(daysInWords(0.25), '6 hours');
  assert.equal(daysInWords(0.01), '14 minutes');
  assert.equal(daysInWords(1000), '2.7 years');
});

test('per student: savings per 1,000 and 1,000,000 inferences, break-even and payback, by hand', () => {
  const [a, b] = decisions(handRun());
  assert.equal(a.student.name, 'student-a');
  assert.equal(a.batches.length, 1);
  const s = a.batches[0];
  // t = 8 J / 1,000, s = 3 J / 1,000: 5 mJ saved per inference; C = 50 J -> N* = 10,000.
  close(s.savedJ, 0.005);
  close(s.ratio, 3 / 8);
  close(s.savedG, gOf(8) / 1000 - gOf(3) / 1000);
  close(s.breakEven?.nStar ?? undefined, 10_000);
  // The saving keeps every device's whole bound (cpu 5 %, gpu 10 %, dram 50 %): (2.5 x 0.95 + 2.5 x 0.9) to (2.5 x 1.05 + 2.5 x 1.1) mJ.
  close(s.savedBounds![0], 0.0025 * 0.95 + 0.0025 * 0.9);
  close(s.savedBounds![1], 0.0025 * 1.05 + 0.0025 * 1.1);
  assert.equal(s.ratioSpread, undefined, 'one round: no spread');
  // No dataset size in the hand run: no accuracy interval, said so.
  assert.match(a.vsTeacher!.how, /no interval/);
  assert.equal(b.batches[0].breakEven?.nStar, null);
  const traffic = trafficOf(handRun());
  assert.equal(traffic.requestsPerDay, DEFAULT_REQUESTS_PER_DAY);
  assert.match(verdict(handRun(), b, traffic), /^Keep teacher: student-b uses 1\.13x MORE energy per inference at batch 8/);
});

test('verdicts follow the numbers: trade-off, same accuracy, distillation not needed, distillation needed', () => {
  // student-a loses 4.5 points on 1,000 examples: the unpaired interval is below 0 -> a trade-off.
  const lost = withControl(0, [-0.01, 0.01]);
  const dLost = decisions(lost)[0];
  assert.ok(dLost.vsTeacher!.ci95![1] < 0, `${dLost.vsTeacher!.ci95}`);
  assert.match(dLost.vsTeacher!.how, /unpaired \(Newcombe\) interval over the 1,000 test examples/);
  const t = trafficOf(lost);
  assert.match(
    verdict(lost, dLost, t),
    /^Serving student-a instead of teacher uses 2\.67x less energy per inference at batch 8 \(partly ESTIMATED \(dram\)\), saving 1\.39 Wh, .* per million inferences at batch 8, at a cost of 4\.50 points of accuracy .*: a trade-off, not a free saving\./,
  );
  assert.match(
    verdict(lost, dLost, t),
    /Distillation was not needed for this task: the same student trained without the teacher \(student-a-control\) is as accurate \(0\.00 points \[-1\.00, \+1\.00\]: the interval includes 0\), so training it alone also saves the distillation's 50 J/,
  );
  // The same accuracy as the teacher: serve it.
  const same = withControl(0.03, [0.01, 0.05]);
  same.models[1].accuracy = 0.9;
  const dSame = decisions(same)[0];
  const v = verdict(same, dSame, trafficOf(same));
  assert.match(
    v,
    /^Serve student-a instead of teacher: at the teacher's accuracy \(0\.00 points \[.*\]: the interval includes 0\), it uses 2\.67x less energy/,
  );
  // The control is worse: distillation is needed, and pays back after 10,000 inferences: 1 day at 10,000 a day, 10 days at 1,000.
  assert.match(
    v,
    /Distillation is what makes student-a this accurate: it adds \+3\.00 points \[\+1\.00, \+5\.00\] over the same student trained without the teacher, and its energy pays back after 10,000 inferences at batch 8 \(1 day\) at 10,000 requests a day\./,
  );
  assert.match(verdict(same, dSame, trafficOf(same, 1000)), /10,000 inferences at batch 8 \(10 days\) at 1,000 requests a day/);
  // The control is better: train without the teacher.
  const worse = withControl(-0.03, [-0.05, -0.01]);
  assert.match(
    verdict(worse, decisions(worse)[0], t),
    /Distillation made student-a less accurate than the same student trained without the teacher \(-3\.00 points/,
  );
  // A paired comparison against the teacher in run.json wins over the unpaired interval.
  same.comparisons!.push({
    metric: 'accuracy',
    kind: 'difference',
    a: 'student-a',
    b: 'teacher',
    estimate: 0,
    ci95: [-0.002, 0.002],
    n: 1000,
  });
  assert.match(accuracyDelta(same, same.models[1], same.models[0])!.how, /^paired bootstrap/);
});

test('the decision box opens report.html and report.md; --requests-per-day and the run setting change the payback', async () => {
  const dir = writeRunDir(join(tmp, 'box'), handRun());
  await writeReports(dir);
  const mdText = readFileSync(join(dir, 'report.md'), 'utf8');
  const h2 = mdText.match(/^## .*/gm) ?? [];
  assert.equal(h2[0], '## Decision', `first section: ${h2[0]}`);
  assert.ok(mdText.indexOf('## Decision') < mdText.indexOf('## Models'));
  // Ratio bounds by hand: s / t = (1.5 kc + 1 kg + 0.5 kd) / (4 kc + 3.5 kg + 0.5 kd) mJ, lowest at kc 0.95, kg 1.1, kd 0.5
  // (0.35127: 2.85x less), highest at kc 0.95, kg 0.9, kd 1.5 (0.39935: 2.5x less).
  close(decisions(handRun())[0].batches[0].ratioBounds![0], (1.5 * 0.95 + 1.1 + 0.25) / (4 * 0.95 + 3.5 * 1.1 + 0.25));
  close(decisions(handRun())[0].batches[0].ratioBounds![1], (1.5 * 0.95 + 0.9 + 0.75) / (4 * 0.95 + 3.5 * 0.9 + 0.75));
  assert.match(
    mdText,
    /\| student-a \| 8 \| 2\.67x less \(bounds 2\.5x to 2\.85x less\) \| 1\.39 mWh \(bounds 1\.28 mWh to 1\.49 mWh\); 1\.04 mg CO2e \| 1\.39 Wh; 1\.04 g CO2e \| 10,000 \(bounds 9,766 to 10,260\) \| 1 day \|/,
  );
  assert.match(mdText, /Payback in days at 10,000 requests a day: kdbench's default/);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.ok(html.indexOf('<section class="box">') < html.indexOf('>Models</h2>'));
  assert.match(html, /<section class="box">\n<h2 id="[^"]+">Decision<\/h2>/);

  const r = spawnSync(process.execPath, [MAIN, 'report', dir, '--requests-per-day', '500'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const again = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.match(again, /\| 10,000 \(bounds 9,766 to 10,260\) \| 20 days \|/);
  assert.match(again, /at 500 requests a day: given with kdbench report --requests-per-day/);
  const bad = spawnSync(process.execPath, [MAIN, 'report', dir, '--requests-per-day', 'lots'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--requests-per-day: expected a number >= .*, got "lots"/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);

  const recorded = handRun();
  recorded.reportSettings = { requestsPerDay: 2500 };
  const dir2 = writeRunDir(join(tmp, 'recorded'), recorded);
  await writeReports(dir2);
  assert.match(
    readFileSync(join(dir2, 'report.md'), 'utf8'),
    /\| 4 days \|[\s\S]*at 2,500 requests a day: recorded by kdbench run --requests-per-day/,
  );
});
