import { test } from 'node:test';
import assert from 'node:assert/strict';
import { breakEvenPoint, breakEvens, breakEvenSentence, inferencesInWords, nStarSpread } from '../../src/report/breakeven.js';
import { paretoFront } from '../../src/report/charts/pareto.js';
import { niceCeil } from '../../src/report/charts/breakeven.js';
import { modelFigures } from '../../src/report/metrics.js';
import { differenceBounds, inferenceSplit, ratioBounds } from '../../src/report/uncertainty.js';
import { handRun } from '../fixtures/runs/hand-run.js';

const close = (a: number | null | undefined, b: number, tol = 1e-9) =>
  assert.ok(typeof a === 'number' && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

test('break-even point: C / (t - s), null when the student is not cheaper', () => {
  close(breakEvenPoint(50, 0.008, 0.003), 10_000);
  assert.equal(breakEvenPoint(50, 0.008, 0.008), null);
  assert.equal(breakEvenPoint(50, 0.008, 0.009), null);
  close(breakEvenPoint(0, 0.008, 0.003), 0);
});

test('break-even of the hand-written run equals the hand-computed numbers', () => {
  const list = breakEvens(handRun());
  assert.deepEqual(
    list.map((b) => b.student),
    ['student-a', 'student-b'],
  );
  const [a, b] = list;
  // C = teacher-logits (10 + 9 + 1 = 20 J) + distillation:student-a (15 + 14 + 1 = 30 J).
  assert.deepEqual(a.distillationPhases, ['teacher-logits', 'distillation:student-a']);
  close(a.distillationJ, 50);
  close(a.teacherJPerInference, 0.008);
  close(a.studentJPerInference, 0.003);
  close(a.nStar, 10_000);
  // With the teacher's training (60 + 38 + 2 = 100 J): 150 / 0.005.
  close(a.teacherTrainingJ, 100);
  close(a.nStarWithTeacherTraining, 30_000);
  // Error bounds: each device's relative bound (cpu counter 5 %, gpu sampled 10 %, dram estimate 50 %) is one factor
  // in C, t and s alike. C by device = (25, 23, 2) J; t - s by device = (4 - 1.5, 3.5 - 1, 0.5 - 0.5) mJ = (2.5, 2.5, 0) mJ.
  // N*(k) = (25 kc + 23 kg + 2 kd) / ((kc + kg) x 0.0025): earliest with kc 0.95, kg 1.1, kd 0.5; latest with kc 0.95,
  // kg 0.9, kd 1.5 (the bounds have no window part here). Taken independently, as before, they gave 7,451 to 13,988.
  close(a.nStarRange[0], (25 * 0.95 + 23 * 1.1 + 2 * 0.5) / ((0.95 + 1.1) * 0.0025));
  close(a.nStarRange[1], (25 * 0.95 + 23 * 0.9 + 2 * 1.5) / ((0.95 + 0.9) * 0.0025));
  assert.equal(a.rounds, 1);
  assert.equal(a.nStarPerRound, undefined);
  assert.equal(b.nStar, null);
  assert.equal(b.nStarWithTeacherTraining, null);
  assert.match(breakEvenSentence(a), /after 10,000 inferences/);
  assert.match(breakEvenSentence(a), /30,000 inferences/);
  assert.match(breakEvenSentence(b), /never/);
});

test('no break-even without a distillation phase or at different batch sizes', () => {
  const run = handRun();
  run.phases = run.phases.filter((p) => !p.name.startsWith('distillation:student-a'));
  assert.deepEqual(
    breakEvens(run).map((b) => b.student),
    ['student-b'],
  );
  // student-a benchmarked only at batch 1, the teacher only at 8: its energy per inference is not comparable.
  const other = handRun();
  other.inference[1] = { ...other.inference[1], batchSize: 1 };
  assert.deepEqual(
    breakEvens(other).map((b) => b.student),
    ['student-b'],
  );
  assert.equal(modelFigures(other).find((f) => f.model.name === 'student-a')?.energyVsTeacher, undefined);
});

test('ratios to the teacher use the same batch size', () => {
  const figs = modelFigures(handRun());
  const a = figs.find((f) => f.model.name === 'student-a')!;
  close(a.energyVsTeacher, 3 / 8);
  close(a.accuracyVsTeacher, 0.855 / 0.9);
  close(a.gCO2eVsTeacher, 3 / 8);
});

test('Pareto front keeps the models nothing beats on both energy and accuracy', () => {
  const pts = [
    { name: 't', energy: 8, accuracy: 0.9 },
    { name: 'a', energy: 3, accuracy: 0.855 },
    { name: 'b', energy: 9, accuracy: 0.8 },
    { name: 'c', energy: 3, accuracy: 0.7 },
  ];
  assert.deepEqual(
    paretoFront(pts).map((p) => p.name),
    ['a', 't'],
  );
});

test('inferences in words and round axis ends', () => {
  assert.equal(inferencesInWords(10_000), '10,000');
  assert.equal(inferencesInWords(9999.2), '10,000');
  assert.equal(inferencesInWords(2_500_000), '2.5 million');
  assert.equal(niceCeil(657.07), 1000);
  assert.equal(niceCeil(20_000), 20_000);
  assert.equal(niceCeil(20_001), 50_000);
});

/** The hand run with every device replaced by one estimated CPU (the same energies): one model, one factor. */
function oneModelRun() {
  const run = handRun();
  const one = (d: { energyJ: number }[]) => {
    const e = d.reduce((a, x) => a + x.energyJ, 0);
    return [
      {
        device: 'cpu',
        energyJ: e,
        method: 'estimated' as const,
        source: 'CPU time x 4 W per busy core',
        uncertaintyJ: e * 0.5,
        coverage: 1,
      },
    ];
  };
  for (const p of run.phases) {
    p.domains = one(p.domains);
    p.uncertaintyJ = p.energyJ * 0.5;
  }
  for (const r of run.inference) r.uncertaintyJ = r.energyJ * 0.5;
  run.meter.domains = [
    {
      device: 'cpu',
      method: 'estimated',
      source: 'CPU time x 4 W per busy core',
      scope: 'process',
      uncertainty: { relative: 0.5, absoluteW: 0, basis: 'model' },
    },
  ];
  return run;
}

test('one model for all the energy: its bound cancels in the break-even and in the ratios, not in the savings', () => {
  const run = oneModelRun();
  const [a] = breakEvens(run);
  close(a.nStar, 10_000);
  close(a.nStarRange[0], 10_000);
  close(a.nStarRange[1], 10_000);
  const t = inferenceSplit(run, run.inference[0])!;
  const s = inferenceSplit(run, run.inference[1])!;
  const r = ratioBounds(run, s, t);
  close(r[0], 3 / 8);
  close(r[1], 3 / 8);
  // The saving per inference (5 mJ) keeps the whole +/-50 %.
  const d = differenceBounds(run, t, s);
  close(d[0], 0.0025);
  close(d[1], 0.0075);
  // A window part (0.1 J over the teacher's 1,000 inferences: 0.1 mJ each) does not scale with the model: a worst case on top.
  run.phases.find((p) => p.name === 'inference:teacher:b8')!.domains[0].uncertaintyJ += 0.1;
  run.inference[0].uncertaintyJ += 0.1;
  const t2 = inferenceSplit(run, run.inference[0])!;
  close(t2.windowJ, 0.0001);
  const r2 = ratioBounds(run, s, t2);
  // Worst at the model's low end (k = 0.5: t 4 mJ, s 1.5 mJ), where the fixed 0.1 mJ weighs most: 1.5 / 4.1 and 1.5 / 3.9.
  close(r2[0], 1.5 / 4.1);
  close(r2[1], 1.5 / 3.9);
});

test('repeats: N* of each round (the run-to-run spread) beside the bounds', () => {
  const run = handRun();
  // Three rounds: per-1,000 energies of the teacher and student-a; the records hold the medians.
  Object.assign(run.inference[0], {
    repeats: 3,
    energyJPer1000: 8,
    perRepeat: {
      energyJPer1000: [8, 7, 9],
      gCO2ePer1000: [0, 0, 0],
      latencyMsP50: [1, 1, 1],
      latencyMsMean: [1, 1, 1],
      throughputPerS: [1, 1, 1],
    },
  });
  Object.assign(run.inference[1], {
    repeats: 3,
    energyJPer1000: 3,
    perRepeat: {
      energyJPer1000: [3, 3, 4],
      gCO2ePer1000: [0, 0, 0],
      latencyMsP50: [1, 1, 1],
      latencyMsMean: [1, 1, 1],
      throughputPerS: [1, 1, 1],
    },
  });
  const [a] = breakEvens(run);
  assert.equal(a.rounds, 3);
  // C = 50 J; rounds: 50 / 0.005, 50 / 0.004, 50 / 0.005.
  assert.deepEqual(
    a.nStarPerRound!.map((x) => Math.round(x!)),
    [10_000, 12_500, 10_000],
  );
  assert.equal(nStarSpread(a), 'from 10,000 to 12,500');
  // A round where the student was not cheaper: "to never".
  run.inference[1].perRepeat!.energyJPer1000[1] = 7.5;
  run.inference[0].perRepeat!.energyJPer1000[1] = 7;
  assert.equal(nStarSpread(breakEvens(run)[0]), 'from 10,000 to never');
});
