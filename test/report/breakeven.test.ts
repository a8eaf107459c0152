import { test } from 'node:test';
import assert from 'node:assert/strict';
import { breakEvenPoint, breakEvens, breakEvenSentence, inferencesInWords } from '../../src/report/breakeven.js';
import { paretoFront } from '../../src/report/charts/pareto.js';
import { niceCeil } from '../../src/report/charts/breakeven.js';
import { modelFigures } from '../../src/report/metrics.js';
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
  // Uncertainty range: C 50 +/- (20: 0.5+0.9+0.5, 30: 0.75+1.4+0.5) = 4.55 J; t, s +/- 10 %.
  close(a.nStarRange[0], (50 - 4.55) / (0.0088 - 0.0027));
  close(a.nStarRange[1], (50 + 4.55) / (0.0072 - 0.0033));
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

test('headline sentences state the ratios in the right direction', async () => {
  const { headlineSentences } = await import('../../src/report/sections/headline.js');
  const [a, b] = headlineSentences(handRun());
  assert.match(
    a,
    /into student-a \(10,000, 10x fewer\) kept 95\.0 % of the teacher's accuracy \(85\.50 % against 90\.00 %\) and uses 2\.67x less energy per 1,000 inferences at batch 8 \(3 J against 8 J, partly ESTIMATED \(dram\)\)/,
  );
  assert.match(b, /into student-b .* uses 1\.13x MORE energy per 1,000 inferences/);
});
