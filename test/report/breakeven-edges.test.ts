/**
 * Break-even on runs that are not the happy path: unknown figures (null in run.json) are n/a, never 0 or
 * "never"; phases are found by the names run.json gives them; large counts are written in words.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { breakEvens, breakEvenSentence, distillationPhases, inferencesInWords } from '../../src/report/breakeven.js';
import { handRun } from '../fixtures/runs/hand-run.js';
import type { RunJson } from '../../src/core/contract.js';

const close = (a: number | null | undefined, b: number) =>
  assert.ok(typeof a === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${a} != ${b}`);
const students = (run: RunJson) => breakEvens(run).map((b) => b.student);
const phase = (run: RunJson, name: string) => run.phases.find((p) => p.name === name)!;

test('an unknown (null) energy or uncertainty of a distillation phase leaves that break-even out, not computed with 0', () => {
  for (const field of ['energyJ', 'uncertaintyJ'] as const) {
    const run = handRun();
    (phase(run, 'distillation:student-a') as unknown as Record<string, unknown>)[field] = null;
    assert.deepEqual(students(run), ['student-b'], field);
    const shared = handRun();
    (phase(shared, 'teacher-logits') as unknown as Record<string, unknown>)[field] = null;
    assert.deepEqual(students(shared), [], `teacher-logits ${field}`);
  }
  // A number written as text is not a number either.
  const text = handRun();
  (phase(text, 'distillation:student-a') as unknown as Record<string, unknown>).energyJ = '30';
  assert.deepEqual(students(text), ['student-b']);
});

test("an unknown teacher training energy gives no 'with the teacher's training' figure, but the break-even stands", () => {
  const run = handRun();
  (phase(run, 'teacher-training') as unknown as Record<string, unknown>).energyJ = null;
  const [a] = breakEvens(run);
  close(a.nStar, 10_000);
  assert.equal(a.teacherTrainingJ, undefined);
  assert.equal(a.nStarWithTeacherTraining, undefined);
  assert.doesNotMatch(breakEvenSentence(a), /trained only to be distilled/);
  // One of two teacher training phases unknown: the teacher's training is unknown, not the known part alone.
  const half = handRun();
  half.phases.push({ ...phase(half, 'teacher-training'), name: 'teacher-training:2', energyJ: null as unknown as number });
  assert.equal(breakEvens(half)[0].teacherTrainingJ, undefined);
  assert.equal(breakEvens(half)[0].nStarWithTeacherTraining, undefined);
  // Without any teacher-training phase: the same.
  const none = handRun();
  none.phases = none.phases.filter((p) => p.name !== 'teacher-training');
  assert.equal(breakEvens(none)[0].nStarWithTeacherTraining, undefined);
});

test('unknown inference figures (null energy or uncertainty of either model) leave the break-even out', () => {
  for (const [i, field] of [
    [0, 'energyJ'],
    [0, 'uncertaintyJ'],
    [1, 'energyJ'],
    [1, 'uncertaintyJ'],
  ] as const) {
    const run = handRun();
    (run.inference[i] as unknown as Record<string, unknown>)[field] = null;
    assert.deepEqual(students(run), i === 0 ? [] : ['student-b'], `inference[${i}].${field}`);
  }
});

test('phases are found by the names run.json gives: the training phase named in the model, extra distillation phases, split shared phases', () => {
  const run = handRun();
  const a = run.models.find((m) => m.name === 'student-a')!;
  a.training.phase = 'kd:student-a';
  phase(run, 'distillation:student-a').name = 'kd:student-a';
  // An extra phase of the student whose name starts with "distillation", and the shared logits computed in two parts.
  run.phases.push({ ...phase(run, 'kd:student-a'), name: 'distillation-warmup:student-a', energyJ: 5, uncertaintyJ: 0.5 });
  const logits = phase(run, 'teacher-logits');
  run.phases.push({ ...logits, name: 'teacher-logits:2', model: 'teacher', energyJ: 4, uncertaintyJ: 0.2 });
  assert.deepEqual(
    distillationPhases(run, 'student-a').map((p) => p.name),
    ['teacher-logits', 'teacher-logits:2', 'kd:student-a', 'distillation-warmup:student-a'],
  );
  const [be] = breakEvens(run);
  close(be.distillationJ, 20 + 4 + 30 + 5);
  close(be.nStar, 59 / 0.005);
  // Another student's phases and the student's own inference phase are never in its cost.
  assert.ok(!distillationPhases(run, 'student-a').some((p) => p.model === 'student-b' || p.name.startsWith('inference')));
  // A model without a distillation phase has none (the shared phases alone are not its cost).
  run.phases = run.phases.filter((p) => p.name !== 'distillation:student-b');
  assert.deepEqual(distillationPhases(run, 'student-b'), []);
  assert.deepEqual(distillationPhases(run, 'no-such-model'), []);
});

test("the teacher's training is found by the phase its model names, and only its training phases count", () => {
  const run = handRun();
  const t = run.models.find((m) => m.role === 'teacher')!;
  t.training.phase = 'pretrain';
  phase(run, 'teacher-training').name = 'pretrain';
  run.phases.push({ ...phase(run, 'pretrain'), name: 'teacher-training:resume', energyJ: 7, uncertaintyJ: 0 });
  // Another model's phase with a teacher-like name is not this teacher's training.
  run.phases.push({ ...phase(run, 'pretrain'), name: 'teacher-training', model: 'student-b', energyJ: 1000, uncertaintyJ: 0 });
  const [a] = breakEvens(run);
  close(a.teacherTrainingJ, 107);
  close(a.nStarWithTeacherTraining, (50 + 107) / 0.005);
});

test('no teacher, or a teacher without inferences: no break-even at all', () => {
  const noTeacher = handRun();
  noTeacher.models = noTeacher.models.filter((m) => m.role !== 'teacher');
  assert.deepEqual(breakEvens(noTeacher), []);
  const idle = handRun();
  idle.inference[0] = { ...idle.inference[0], inferences: 0 };
  assert.deepEqual(breakEvens(idle), []);
  const idleStudent = handRun();
  idleStudent.inference[1] = { ...idleStudent.inference[1], inferences: 0 };
  assert.deepEqual(students(idleStudent), ['student-b']);
});

test('counts in words at every scale', () => {
  assert.equal(inferencesInWords(999_999.4), '1,000,000');
  assert.equal(inferencesInWords(1_000_000), '1 million');
  assert.equal(inferencesInWords(999_000_000), '999 million');
  assert.equal(inferencesInWords(1_000_000_000), '1 billion');
  assert.equal(inferencesInWords(2.5e11), '250 billion');
  assert.equal(inferencesInWords(1e12), '1.00e+12');
});

test('the sentence gives the range within the uncertainty, "never" at its far end when the saving may vanish', () => {
  const [a, b] = breakEvens(handRun());
  assert.match(breakEvenSentence(a), /\(within the error bounds: from 9,766 to 10,260\)/);
  assert.match(breakEvenSentence({ ...a, nStarRange: [7451.5, null] }), /from 7,452 to never\)/);
  assert.match(
    breakEvenSentence({ ...a, nStarRange: [null, null] }),
    /^student-a pays back its distillation after 10,000 inferences: distilling it cost 50\.0 J/,
  );
  assert.match(breakEvenSentence(a), /each inference at batch 8 then saves 0\.00500 J \(0\.00300 J instead of 0\.00800 J\)/);
  assert.match(
    breakEvenSentence(b),
    /^student-b never pays back its distillation: at batch 8 it uses 0\.00900 J per inference, not less than the teacher's 0\.00800 J/,
  );
  assert.doesNotMatch(breakEvenSentence(b), /pays back its distillation after/);
});

test('a pretrained teacher: its pretraining phase counts in its training, found by the name its record gives', () => {
  const run = handRun();
  const t = run.models.find((m) => m.role === 'teacher')!;
  const pretraining = {
    method: 'next-span',
    phase: 'teacher-pretraining',
    texts: 1,
    nextSpanPairs: 1,
    selfCopyPairs: 0,
    epochs: 1,
    steps: 1,
    batchSize: 2,
    learningRate: 0.01,
    maskProb: 0.15,
    scale: 20,
    embeddingDim: 8,
    finalLoss: 1,
    variablesCopied: 4,
  } as const;
  t.training.pretraining = { ...pretraining };
  run.phases.unshift({ ...phase(run, 'teacher-training'), name: 'teacher-pretraining', energyJ: 40, uncertaintyJ: 0 });
  const [a] = breakEvens(run);
  close(a.teacherTrainingJ, 140);
  close(a.nStarWithTeacherTraining, (50 + 140) / 0.005);
  // The distillation cost C is unchanged: pretraining is the teacher's, not the student's.
  close(a.nStar, 10_000);
  // Without the record naming it, a phase of that name is not counted.
  delete t.training.pretraining;
  close(breakEvens(run)[0].teacherTrainingJ, 100);
});
