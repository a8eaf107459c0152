/**
 * Break-even of distillation: after how many inferences does "distil, then serve the student"
 * use less energy than "serve the teacher alone"?
 *
 *   teacher alone:           E_T(N) = N x t
 *   distillation + student:  E_S(N) = C + N x s
 *   N* = C / (t - s), "never" when s >= t.
 *
 * C is the gross energy of the student's distillation phase(s): its own distillation training, plus
 * phases shared by all students (the teacher's logits on the training set), charged in full to each
 * student, since distilling that one student alone needs them too. The teacher's training is not in C:
 * both scenarios serve the same trained teacher's knowledge, so it cancels. Where the teacher was
 * trained only to be distilled, it belongs in C; that figure is given too (nStarWithTeacherTraining).
 * t and s are gross joules per inference at the same batch size.
 */
import type { RunJson } from '../core/contract.js';
import { referenceInference, teacherOf } from './metrics.js';

export interface BreakEven {
  student: string;
  teacher: string;
  batchSize: number;
  /** Names of the phases C is the energy of. */
  distillationPhases: string[];
  distillationJ: number;
  distillationUncertaintyJ: number;
  teacherTrainingJ?: number;
  teacherJPerInference: number;
  studentJPerInference: number;
  teacherUncertaintyJPerInference: number;
  studentUncertaintyJPerInference: number;
  /** Inferences at which the two lines cross; null: never (the student is not cheaper per inference). */
  nStar: number | null;
  /** N* with the teacher's training charged to the student as well. */
  nStarWithTeacherTraining: number | null | undefined;
  /** N* at the ends of the uncertainty bounds: [earliest, latest]; latest null = possibly never. */
  nStarRange: [number | null, number | null];
}

/** A number in run.json; null (unknown) is not 0. */
const known = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const sum = (xs: unknown[]): number => (xs.every(known) ? (xs as number[]).reduce((a, x) => a + x, 0) : NaN);

export function breakEvenPoint(costJ: number, teacherJ: number, studentJ: number): number | null {
  const saving = teacherJ - studentJ;
  if (!(saving > 0) || !Number.isFinite(costJ)) return null;
  return costJ / saving;
}

/** Phases every student's distillation needs, computed once (kdbench run: the teacher's logits on the training set). */
export const SHARED_DISTILLATION_PHASES = ['teacher-logits'];

/** Phases that distilled this student: its training phase, any other "distillation..." phase of it, and the shared ones. */
export function distillationPhases(run: RunJson, student: string): RunJson['phases'] {
  const trainingPhase = run.models.find((m) => m.name === student)?.training?.phase;
  const own = run.phases.filter((p) => p.model === student && (p.name === trainingPhase || p.name.startsWith('distillation')));
  if (own.length === 0) return [];
  return [...run.phases.filter((p) => SHARED_DISTILLATION_PHASES.some((s) => p.name === s || p.name.startsWith(`${s}:`))), ...own];
}

/** One entry per student that has a distillation phase and inference figures at the teacher's batch size. */
export function breakEvens(run: RunJson): BreakEven[] {
  const teacher = teacherOf(run);
  if (!teacher) return [];
  const tInf = referenceInference(run, teacher.name);
  if (!tInf || !(tInf.inferences > 0)) return [];
  const teacherPhases = run.phases.filter(
    (p) => p.model === teacher.name && (p.name === teacher.training?.phase || p.name.startsWith('teacher-training')),
  );
  const teacherTrainingJ =
    teacherPhases.length > 0 && teacherPhases.every((p) => known(p.energyJ)) ? sum(teacherPhases.map((p) => p.energyJ)) : undefined;
  const out: BreakEven[] = [];
  // Only students distilled from this teacher in this run: a loaded one (saved, hf-onnx, a command without "distil") has no distillation to pay back.
  for (const s of run.models.filter((m) => m.role === 'student' && m.pairedWith === teacher.name)) {
    const phases = distillationPhases(run, s.name);
    const sInf = referenceInference(run, s.name);
    if (phases.length === 0 || !sInf || sInf.batchSize !== tInf.batchSize || !(sInf.inferences > 0)) continue;
    const c = sum(phases.map((p) => p.energyJ));
    const uc = sum(phases.map((p) => p.uncertaintyJ));
    const per = (x: unknown, n: number) => (known(x) ? x / n : NaN);
    const t = per(tInf.energyJ, tInf.inferences);
    const st = per(sInf.energyJ, sInf.inferences);
    const ut = per(tInf.uncertaintyJ, tInf.inferences);
    const us = per(sInf.uncertaintyJ, sInf.inferences);
    // Unknown (null in run.json) is n/a, never "never" nor 0.
    if (![c, uc, t, st, ut, us].every(Number.isFinite)) continue;
    const early = breakEvenPoint(Math.max(0, c - uc), t + ut, Math.max(0, st - us));
    const late = breakEvenPoint(c + uc, t - ut, st + us);
    out.push({
      student: s.name,
      teacher: teacher.name,
      batchSize: tInf.batchSize,
      distillationPhases: phases.map((p) => p.name),
      distillationJ: c,
      distillationUncertaintyJ: uc,
      teacherTrainingJ,
      teacherJPerInference: t,
      studentJPerInference: st,
      teacherUncertaintyJPerInference: ut,
      studentUncertaintyJPerInference: us,
      nStar: breakEvenPoint(c, t, st),
      nStarWithTeacherTraining: teacherTrainingJ === undefined ? undefined : breakEvenPoint(c + teacherTrainingJ, t, st),
      nStarRange: [early, late],
    });
  }
  return out;
}

/** A count of inferences in words: "12,345", "1.2 million". */
export function inferencesInWords(n: number): string {
  if (n < 1e6) return Math.ceil(n).toLocaleString('en-US');
  if (n < 1e9) return `${Number((n / 1e6).toPrecision(3))} million`;
  if (n < 1e12) return `${Number((n / 1e9).toPrecision(3))} billion`;
  return n.toExponential(2);
}

export function breakEvenSentence(b: BreakEven): string {
  if (b.nStar === null) {
    return `${b.student} never pays back its distillation: at batch ${b.batchSize} it uses ${b.studentJPerInference.toPrecision(3)} J per inference, not less than the teacher's ${b.teacherJPerInference.toPrecision(3)} J, so distilling it (${b.distillationJ.toPrecision(3)} J) saves no energy at any volume.`;
  }
  const [lo, hi] = b.nStarRange;
  const range =
    lo !== null
      ? ` (within the measurement uncertainty: from ${inferencesInWords(lo)} to ${hi === null ? 'never' : inferencesInWords(hi)})`
      : '';
  let s = `${b.student} pays back its distillation after ${inferencesInWords(b.nStar)} inferences${range}: distilling it cost ${b.distillationJ.toPrecision(3)} J, and each inference at batch ${b.batchSize} then saves ${(b.teacherJPerInference - b.studentJPerInference).toPrecision(3)} J (${b.studentJPerInference.toPrecision(3)} J instead of ${b.teacherJPerInference.toPrecision(3)} J).`;
  if (b.nStarWithTeacherTraining !== undefined && b.nStarWithTeacherTraining !== null) {
    s += ` If the teacher was trained only to be distilled, its training (${b.teacherTrainingJ?.toPrecision(3)} J) counts too, and break-even moves to ${inferencesInWords(b.nStarWithTeacherTraining)} inferences.`;
  }
  return s;
}
