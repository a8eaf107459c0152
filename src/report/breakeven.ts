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
 * t and s are gross joules per inference at the same batch size (the median over rounds where there are repeats).
 */
import type { InferenceRecord, RunJson } from '../core/contract.js';
import { referenceInference, teacherOf } from './metrics.js';
import { breakEvenBounds, inferenceSplit, joulesPerInference, splitOfPhases } from './uncertainty.js';

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
  /**
   * N* at the ends of the error bounds: [earliest, latest]; latest null = possibly never. The scale part
   * of the bounds (meter or model) is one factor per device and method in C, t and s alike, so it cancels
   * where one device and method holds the energy (see uncertainty.ts); the window parts are added as a worst case.
   */
  nStarRange: [number | null, number | null];
  /** Rounds of the inference benchmark behind t and s (1 without repeats). */
  rounds: number;
  /** N* from each round's t and s (same C), in round order; null = never in that round. Absent with one round. */
  nStarPerRound?: (number | null)[];
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
export const SHARED_DISTILLATION_PHASES = ['teacher-logits', 'transfer-set', 'transfer-labelling'];

/** Phases that distilled this student: its training phase, any other "distillation..." phase of it, and the shared ones. */
export function distillationPhases(run: RunJson, student: string): RunJson['phases'] {
  const record = run.models.find((m) => m.name === student);
  // A model with a compression record: every phase along its chain that made it (distillation, compression and their sub-phases).
  const made = record?.compression?.productionPhases;
  if (Array.isArray(made) && made.length > 0) {
    const shared = record!.compression!.steps.some((s) => s.startsWith('distillation'))
      ? run.phases.filter((p) => SHARED_DISTILLATION_PHASES.some((s) => p.name === s || p.name.startsWith(`${s}:`)))
      : [];
    return [...shared, ...run.phases.filter((p) => made.includes(p.name))];
  }
  const trainingPhase = record?.training?.phase;
  const own = run.phases.filter((p) => p.model === student && (p.name === trainingPhase || p.name.startsWith('distillation')));
  if (own.length === 0) return [];
  return [...run.phases.filter((p) => SHARED_DISTILLATION_PHASES.some((s) => p.name === s || p.name.startsWith(`${s}:`))), ...own];
}

/** Per-round J per inference of a benchmark, from its per-round J per 1,000 (undefined without repeats). */
function perRound(r: InferenceRecord): number[] | undefined {
  const xs = r.perRepeat?.energyJPer1000;
  return Array.isArray(xs) && xs.length > 1 && xs.every(known) ? xs.map((x) => x / 1000) : undefined;
}

/**
 * One entry per student that has a distillation phase and inference figures at the same batch size as
 * the teacher: at `batchSize`, or at the reference batch (the largest batch every model ran) when not given.
 */
export function breakEvens(run: RunJson, batchSize?: number): BreakEven[] {
  const teacher = teacherOf(run);
  if (!teacher) return [];
  const at = (model: string) =>
    batchSize === undefined
      ? referenceInference(run, model)
      : run.inference.find((r) => r.model === model && r.batchSize === batchSize && r.inferences > 0);
  const tInf = at(teacher.name);
  if (!tInf || !(tInf.inferences > 0)) return [];
  const teacherPhases = run.phases.filter(
    (p) =>
      p.model === teacher.name &&
      (p.name === teacher.training?.phase || p.name === teacher.training?.pretraining?.phase || p.name.startsWith('teacher-training')),
  );
  const teacherTrainingJ =
    teacherPhases.length > 0 && teacherPhases.every((p) => known(p.energyJ)) ? sum(teacherPhases.map((p) => p.energyJ)) : undefined;
  const out: BreakEven[] = [];
  // Only students distilled from this teacher in this run: a loaded one (saved, hf-onnx, a command without "distil") has no distillation to pay back.
  // A compressed model counts when its chain starts from this teacher (quantized teacher, quantized distilled student ...).
  for (const s of run.models.filter(
    (m) => m.role === 'student' && (m.pairedWith === teacher.name || m.compression?.root === teacher.name),
  )) {
    const phases = distillationPhases(run, s.name);
    const sInf = at(s.name);
    if (phases.length === 0 || !sInf || sInf.batchSize !== tInf.batchSize || !(sInf.inferences > 0)) continue;
    const c = sum(phases.map((p) => p.energyJ));
    const uc = sum(phases.map((p) => p.uncertaintyJ));
    const per = (x: unknown, n: number) => (known(x) ? x / n : NaN);
    // J per inference as the Models table shows it (the median over rounds); its bound in the same proportion.
    const t = joulesPerInference(tInf);
    const st = joulesPerInference(sInf);
    const ut = per(tInf.uncertaintyJ, tInf.energyJ) * t;
    const us = per(sInf.uncertaintyJ, sInf.energyJ) * st;
    // Unknown (null in run.json) is n/a, never "never" nor 0.
    if (![c, uc, t, st, ut, us].every(Number.isFinite)) continue;
    const cSplit = splitOfPhases(run, phases);
    const tSplit = inferenceSplit(run, tInf);
    const sSplit = inferenceSplit(run, sInf);
    const nStarRange: [number | null, number | null] =
      cSplit && tSplit && sSplit
        ? breakEvenBounds(run, cSplit, tSplit, sSplit)
        : [breakEvenPoint(Math.max(0, c - uc), t + ut, Math.max(0, st - us)), breakEvenPoint(c + uc, t - ut, st + us)];
    const tr = perRound(tInf);
    const sr = perRound(sInf);
    const rounds = Math.min(tr?.length ?? 1, sr?.length ?? 1);
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
      nStarRange,
      rounds,
      ...(tr && sr && rounds > 1 ? { nStarPerRound: tr.slice(0, rounds).map((x, i) => breakEvenPoint(c, x, sr[i])) } : {}),
    });
  }
  return out;
}

/** Batch sizes at which both the teacher and this model were benchmarked, ascending. */
export function sharedBatches(run: RunJson, model: string): number[] {
  const teacher = teacherOf(run);
  if (!teacher) return [];
  const of = (m: string) => new Set(run.inference.filter((r) => r.model === m && r.inferences > 0).map((r) => r.batchSize));
  const t = of(teacher.name);
  return [...of(model)].filter((b) => t.has(b)).sort((a, b) => a - b);
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
    lo !== null ? ` (within the error bounds: from ${inferencesInWords(lo)} to ${hi === null ? 'never' : inferencesInWords(hi)})` : '';
  let s = `${b.student} pays back its distillation after ${inferencesInWords(b.nStar)} inferences${range}: distilling it cost ${b.distillationJ.toPrecision(3)} J, and each inference at batch ${b.batchSize} then saves ${(b.teacherJPerInference - b.studentJPerInference).toPrecision(3)} J (${b.studentJPerInference.toPrecision(3)} J instead of ${b.teacherJPerInference.toPrecision(3)} J).`;
  const spread = nStarSpread(b);
  if (spread) s += ` From one inference round to the next (${b.rounds} rounds) N* ranged ${spread}.`;
  if (b.nStarWithTeacherTraining !== undefined && b.nStarWithTeacherTraining !== null) {
    s += ` If the teacher was trained only to be distilled, its training (${b.teacherTrainingJ?.toPrecision(3)} J) counts too, and break-even moves to ${inferencesInWords(b.nStarWithTeacherTraining)} inferences.`;
  }
  return s;
}

/** "from 9,000 to 11,000" over the rounds ("to never" where a round saved nothing), or undefined with one round. */
export function nStarSpread(b: BreakEven): string | undefined {
  const xs = b.nStarPerRound;
  if (!xs || xs.length < 2) return undefined;
  const ok = xs.filter((x): x is number => x !== null);
  if (ok.length === 0) return 'never in every round';
  return `from ${inferencesInWords(Math.min(...ok))} to ${ok.length < xs.length ? 'never' : inferencesInWords(Math.max(...ok))}`;
}
