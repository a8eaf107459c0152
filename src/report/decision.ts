/**
 * What a reader deciding "distil, or not?" needs, per student: accuracy against the teacher and the
 * control with intervals; energy and CO2e saved per 1,000 and per 1,000,000 inferences at each batch
 * size; break-even in inferences and in days at a stated traffic; and a verdict in words that follows
 * from those numbers. Ratios and break-even use the bounds in which the model's scale factor cancels
 * (uncertainty.ts) and the spread over inference rounds; absolute savings keep the whole bound.
 */
import type { ComparisonRecord, InferenceRecord, ModelRecord, RunJson } from '../core/contract.js';
import { breakEvens, inferencesInWords, sharedBatches, type BreakEven } from './breakeven.js';
import { co2Flag, comparisonsOf, estimateLabel, teacherOf } from './metrics.js';
import { grams, sig, wh } from './format.js';
import { differenceBounds, inferenceSplit, joulesPerInference, ratioBounds, spread } from './uncertainty.js';

/** Requests a day assumed for payback in days when neither the run nor `kdbench report` gives one. */
export const DEFAULT_REQUESTS_PER_DAY = 10_000;

export interface Traffic {
  requestsPerDay: number;
  /** Where the figure comes from, in words. */
  source: string;
}

/** --requests-per-day given to `kdbench report` > the run's recorded setting > the default. */
export function trafficOf(run: RunJson, override?: number): Traffic {
  if (override !== undefined) return { requestsPerDay: override, source: 'given with kdbench report --requests-per-day' };
  const recorded = run.reportSettings?.requestsPerDay;
  if (typeof recorded === 'number' && Number.isFinite(recorded) && recorded > 0)
    return { requestsPerDay: recorded, source: 'recorded by kdbench run --requests-per-day' };
  return {
    requestsPerDay: DEFAULT_REQUESTS_PER_DAY,
    source: `kdbench's default (about one request every ${Math.round(86_400 / DEFAULT_REQUESTS_PER_DAY)} s); set your own with --requests-per-day N`,
  };
}

/** An accuracy difference a - b (a fraction), with its 95 % interval and how the interval was obtained. */
export interface AccuracyDelta {
  estimate: number;
  ci95?: [number, number];
  how: string;
}

export interface BatchSaving {
  batchSize: number;
  /** Gross J per inference (the median over rounds where there are repeats, as in the Models table). */
  teacherJ: number;
  studentJ: number;
  /** studentJ / teacherJ; its error bounds (scale part cancels); its range over the rounds. */
  ratio: number;
  ratioBounds?: [number, number];
  ratioSpread?: [number, number];
  /** teacherJ - studentJ per inference; bounds keep the whole scale part; range over the rounds. */
  savedJ: number;
  savedBounds?: [number, number];
  savedSpread?: [number, number];
  /** gCO2e saved per inference (each benchmark's own gCO2e per J), where the run has carbon figures. */
  savedG?: number;
  breakEven?: BreakEven;
  rounds: number;
}

export interface StudentDecision {
  student: ModelRecord;
  teacher: ModelRecord;
  control?: ModelRecord;
  vsTeacher?: AccuracyDelta;
  vsControl?: AccuracyDelta;
  /** The control with the student's teacher-layer initialisation and no soft targets (controlKind "teacher-init"). */
  initControl?: ModelRecord;
  vsInitControl?: AccuracyDelta;
  batches: BatchSaving[];
}

const known = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Wilson score interval of a proportion. */
function wilson(p: number, n: number, z = 1.959964): [number, number] {
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z / d) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [c - h, c + h];
}

/**
 * Newcombe's hybrid score interval for p1 - p2 from two independent proportions (method 10 of Newcombe 1998).
 * Used for two models on one test set when run.json has no paired comparison: it ignores the pairing, which
 * makes it wider than a paired interval.
 */
export function newcombeInterval(p1: number, p2: number, n: number): [number, number] {
  const [l1, u1] = wilson(p1, n);
  const [l2, u2] = wilson(p2, n);
  const d = p1 - p2;
  return [d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)];
}

/** a - b in accuracy: run.json's paired comparison where there is one, else an unpaired interval over the test set. */
export function accuracyDelta(run: RunJson, a: ModelRecord, b: ModelRecord): AccuracyDelta | undefined {
  if (!known(a.accuracy) || !known(b.accuracy)) return undefined;
  const c: ComparisonRecord | undefined = comparisonsOf(run).find(
    (x) => x.metric === 'accuracy' && x.kind === 'difference' && x.a === a.name && x.b === b.name,
  );
  const grouped = run.dataset?.groups !== undefined;
  if (c && known(c.estimate)) {
    return {
      estimate: c.estimate,
      ...(c.ci95 && c.ci95.every(known) ? { ci95: c.ci95 } : {}),
      how: c.seeds
        ? `mean over ${c.seeds} training seeds of each model; bootstrap over the seeds and the ${c.n.toLocaleString('en-US')} test examples${grouped ? ' (resampled by source text)' : ''}, so it includes training variance`
        : `paired bootstrap over the ${c.n.toLocaleString('en-US')} test examples${grouped ? ', resampled by source text' : ''}`,
    };
  }
  const n = run.dataset?.test?.n;
  const d = a.accuracy - b.accuracy;
  if (!known(n) || n < 1) return { estimate: d, how: 'no interval: the test-set size is not in run.json' };
  return {
    estimate: d,
    ci95: newcombeInterval(a.accuracy, b.accuracy, n),
    how: `unpaired (Newcombe) interval over the ${n.toLocaleString('en-US')} test examples: wider than a paired one${grouped ? '; it treats passages of one text as independent' : ''}`,
  };
}

/** Where an interval lies against 0: 'above', 'below' or 'includes' (no difference shown); 'none' without one. */
export function side(ci: [number, number] | undefined): 'above' | 'below' | 'includes' | 'none' {
  if (!ci) return 'none';
  if (ci[0] > 0) return 'above';
  if (ci[1] < 0) return 'below';
  return 'includes';
}

const perRound = (r: InferenceRecord) => {
  const xs = r.perRepeat?.energyJPer1000;
  return Array.isArray(xs) && xs.length > 1 && xs.every(known) ? xs.map((x) => x / 1000) : undefined;
};
const gPerJ = (r: InferenceRecord) =>
  known(r.gCO2ePer1000) && known(r.energyJPer1000) && r.energyJPer1000 > 0 ? r.gCO2ePer1000 / r.energyJPer1000 : undefined;

export function batchSaving(run: RunJson, teacher: ModelRecord, student: ModelRecord, batchSize: number): BatchSaving | undefined {
  const find = (m: string) => run.inference.find((r) => r.model === m && r.batchSize === batchSize && r.inferences > 0);
  const tInf = find(teacher.name);
  const sInf = find(student.name);
  if (!tInf || !sInf || !known(tInf.energyJ) || !known(sInf.energyJ)) return undefined;
  const teacherJ = joulesPerInference(tInf);
  const studentJ = joulesPerInference(sInf);
  if (!(teacherJ > 0)) return undefined;
  const tSplit = inferenceSplit(run, tInf);
  const sSplit = inferenceSplit(run, sInf);
  const tr = perRound(tInf);
  const sr = perRound(sInf);
  const rounds = Math.min(tr?.length ?? 1, sr?.length ?? 1);
  const pairs = tr && sr && rounds > 1 ? tr.slice(0, rounds).map((t, i) => [t, sr[i]] as const) : undefined;
  const gt = gPerJ(tInf);
  const gs = gPerJ(sInf);
  return {
    batchSize,
    teacherJ,
    studentJ,
    ratio: studentJ / teacherJ,
    ...(tSplit && sSplit ? { ratioBounds: ratioBounds(run, sSplit, tSplit), savedBounds: differenceBounds(run, tSplit, sSplit) } : {}),
    ...(pairs ? { ratioSpread: spread(pairs.map(([t, s]) => s / t)), savedSpread: spread(pairs.map(([t, s]) => t - s)) } : {}),
    savedJ: teacherJ - studentJ,
    ...(gt !== undefined && gs !== undefined ? { savedG: teacherJ * gt - studentJ * gs } : {}),
    breakEven: breakEvens(run, batchSize).find((b) => b.student === student.name),
    rounds,
  };
}

/** One decision per student of the run (none without a teacher). */
export function decisions(run: RunJson): StudentDecision[] {
  const teacher = teacherOf(run);
  if (!teacher) return [];
  return run.models
    .filter((m) => m.role === 'student')
    .map((student) => {
      const control = run.models.find((m) => m.role === 'control' && m.pairedWith === student.name && m.controlKind !== 'teacher-init');
      const initControl = run.models.find((m) => m.role === 'control' && m.pairedWith === student.name && m.controlKind === 'teacher-init');
      return {
        student,
        teacher,
        ...(control ? { control } : {}),
        vsTeacher: accuracyDelta(run, student, teacher),
        ...(control ? { vsControl: accuracyDelta(run, student, control) } : {}),
        ...(initControl ? { initControl, vsInitControl: accuracyDelta(run, student, initControl) } : {}),
        batches: sharedBatches(run, student.name)
          .map((b) => batchSaving(run, teacher, student, b))
          .filter((x): x is BatchSaving => x !== undefined),
      };
    });
}

/** A signed difference in percentage points: "+0.45", "-0.17", "0.00". */
export function points(d: number): string {
  const v = d * 100;
  const s = Math.abs(v) < 0.005 ? '0.00' : Math.abs(v).toFixed(2);
  return `${v > 0 && s !== '0.00' ? '+' : v < 0 && s !== '0.00' ? '-' : ''}${s}`;
}

/** "points [lo, hi]" of an accuracy difference. */
export function pointsWithCi(a: AccuracyDelta): string {
  return `${points(a.estimate)} points${a.ci95 ? ` [${points(a.ci95[0])}, ${points(a.ci95[1])}]` : ''}`;
}

/** "17x less", "1.2x MORE", "the same". */
export function ratioWords(r: number): string {
  if (!known(r) || r <= 0) return 'n/a';
  const f = (x: number) => Number(x.toPrecision(3)).toLocaleString('en-US');
  if (Math.abs(r - 1) < 0.0005) return 'the same';
  return r < 1 ? `${f(1 / r)}x less` : `${f(r)}x MORE`;
}

/** A period of days in the unit that reads best: minutes, hours, days or years. */
export function daysInWords(days: number): string {
  const f = (x: number) => Number(x.toPrecision(x >= 100 ? 3 : 2)).toLocaleString('en-US');
  if (days < 1 / 24) return `${f(days * 1440)} minutes`;
  if (days < 1) return `${f(days * 24)} ${f(days * 24) === '1' ? 'hour' : 'hours'}`;
  if (days < 730) return `${f(days)} ${f(days) === '1' ? 'day' : 'days'}`;
  return `${f(days / 365.25)} years`;
}

/** The payback of a break-even at the given traffic, in words: "3.4 days", "never", "n/a". */
export function payback(n: number | null | undefined, traffic: Traffic): string {
  if (n === undefined) return 'n/a';
  if (n === null) return 'never';
  return daysInWords(n / traffic.requestsPerDay);
}

/** Text of a pair [lo, hi] of inference counts from break-even bounds. */
export function nStarRangeWords(r: [number | null, number | null]): string {
  return `${r[0] === null ? 'n/a' : inferencesInWords(r[0])} to ${r[1] === null ? 'never' : inferencesInWords(r[1])}`;
}

/** "17x less energy per inference at batch 1 and 96x less at batch 32". */
function energyPhrase(batches: BatchSaving[]): string {
  return batches.map((b, i) => `${ratioWords(b.ratio)}${i === 0 ? ' energy per inference' : ''} at batch ${b.batchSize}`).join(' and ');
}

/** The break-even of each batch in words, and the payback at the traffic: "after 2,100 inferences at batch 1 (5 hours at ...)". */
function paybackPhrase(batches: BatchSaving[], traffic: Traffic): string | undefined {
  const bes = batches.map((b) => b.breakEven).filter((b): b is BreakEven => b !== undefined);
  if (bes.length === 0) return undefined;
  const rate = `${traffic.requestsPerDay.toLocaleString('en-US')} requests a day`;
  if (bes.every((b) => b.nStar === null)) return 'never pays back, as the student is not cheaper per inference';
  return `pays back after ${bes
    .map((b) =>
      b.nStar === null
        ? `never at batch ${b.batchSize}`
        : `${inferencesInWords(b.nStar)} inferences at batch ${b.batchSize} (${payback(b.nStar, traffic)})`,
    )
    .join(' or ')} at ${rate}`;
}

/**
 * The verdict in plain words, built only from the figures of the decision: whether to serve the student
 * (energy saved, accuracy kept or lost), and whether distillation was needed (the control) and pays back.
 */
export function verdict(run: RunJson, d: StudentDecision, traffic: Traffic): string {
  const S = d.student.name;
  const T = d.teacher.name;
  const est = estimateLabel(run);
  const flag = co2Flag(run);
  const parts: string[] = [];
  const vt = d.vsTeacher;
  const vtSide = side(vt?.ci95);
  const acc = !vt
    ? "its accuracy against the teacher's is n/a"
    : vtSide === 'below'
      ? `at a cost of ${points(Math.abs(vt.estimate)).replace('+', '')} points of accuracy (${pointsWithCi(vt)})`
      : vtSide === 'above'
        ? `with ${points(vt.estimate).replace('+', '')} points more accuracy than the teacher (${pointsWithCi(vt)})`
        : vtSide === 'includes'
          ? `at the teacher's accuracy (${pointsWithCi(vt)}: the interval includes 0)`
          : `at ${points(vt.estimate)} points of accuracy against the teacher (no interval: ${vt.how.replace(/^no interval: /, '')})`;
  const first = d.batches[0];
  const estNote = est ? ` (${est})` : '';
  if (!first) {
    parts.push(`${S} and ${T} were not benchmarked at a common batch size, so their energy cannot be compared; ${acc}.`);
  } else {
    const cheaper = d.batches.filter((b) => b.ratio < 1);
    const last = d.batches[d.batches.length - 1];
    const co2 = (b: BatchSaving) => (b.savedG === undefined ? '' : `, ${grams(b.savedG * 1e6)} CO2e${flag ? ` (${flag})` : ''}`);
    const save = `saving ${wh(first.savedJ * 1e6)}${co2(first)} per million inferences at batch ${first.batchSize}${last !== first ? ` and ${wh(last.savedJ * 1e6)} at batch ${last.batchSize}` : ''}`;
    // A loss of accuracy shown by the interval, or an unqualified drop where there is none, makes it a trade-off.
    const loses = vtSide === 'below' || (vtSide === 'none' && vt !== undefined && vt.estimate < 0);
    if (cheaper.length === d.batches.length) {
      parts.push(
        loses
          ? `Serving ${S} instead of ${T} uses ${energyPhrase(d.batches)}${estNote}, ${save}, ${acc}: a trade-off, not a free saving.`
          : `Serve ${S} instead of ${T}: ${acc}, it uses ${energyPhrase(d.batches)}${estNote}, ${save}.`,
      );
    } else if (cheaper.length === 0) {
      parts.push(
        `Keep ${T}: ${S} uses ${energyPhrase(d.batches)}${estNote}, so serving it saves no energy; its accuracy: ${vt ? pointsWithCi(vt) : 'n/a'} against the teacher.`,
      );
    } else {
      parts.push(
        `${S} saves energy only at some batch sizes: it uses ${energyPhrase(d.batches)}${estNote} (${acc}); serve it only where requests are batched like that.`,
      );
    }
  }
  const pay = paybackPhrase(d.batches, traffic);
  const vc = d.vsControl;
  const be = d.batches.map((b) => b.breakEven).find((b) => b !== undefined);
  if (d.control && vc) {
    const s = side(vc.ci95);
    if (s === 'includes')
      parts.push(
        `Distillation was not needed for this task: the same student trained without the teacher (${d.control.name}) is as accurate (${pointsWithCi(vc)}: the interval includes 0), so training it alone ${be ? `also saves the distillation's ${sig(be.distillationJ)} J${estNote}` : 'does as well'}.`,
      );
    else if (s === 'above')
      parts.push(
        `Distillation is what makes ${S} this accurate: it adds ${pointsWithCi(vc)} over the same student trained without the teacher${pay ? `, and its energy ${pay}` : ''}.`,
      );
    else if (s === 'below')
      parts.push(
        `Distillation made ${S} less accurate than the same student trained without the teacher (${pointsWithCi(vc)}): train the student without the teacher.`,
      );
    else
      parts.push(
        `Against the same student trained without the teacher: ${points(vc.estimate)} points (no interval)${pay ? `; distillation ${pay}` : ''}.`,
      );
  } else if (pay) {
    const c = d.student.compression;
    const made = c && !c.steps[c.steps.length - 1]?.startsWith('distillation') ? c.steps.join(' → ') : undefined;
    parts.push(
      made
        ? `Its production (${made}) ${pay}.`
        : `Its distillation ${pay}; no control was trained, so whether distillation was needed is not known.`,
    );
  }
  const vi = d.vsInitControl;
  if (d.initControl && vi) {
    const s = side(vi.ci95);
    const what = `the same student initialised from the teacher's layers but trained on the labels alone (${d.initControl.name})`;
    parts.push(
      s === 'above'
        ? `The teacher's soft targets add ${pointsWithCi(vi)} over ${what}: the gain is not only the initialisation.`
        : s === 'below'
          ? `With the teacher's soft targets it is less accurate than ${what} (${pointsWithCi(vi)}): the initialisation from the teacher is what helps, not the soft targets.`
          : s === 'includes'
            ? `Against ${what}: ${pointsWithCi(vi)}, the interval includes 0: the soft targets add nothing shown beyond the initialisation from the teacher.`
            : `Against ${what}: ${points(vi.estimate)} points (no interval).`,
    );
  }
  return parts.join(' ');
}
