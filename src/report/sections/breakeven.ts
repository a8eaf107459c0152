/** The break-even section: when distillation pays back its own energy, with the assumption stated. */
import type { RunJson } from '../../core/contract.js';
import { breakEvenSentence, breakEvens, inferencesInWords, nStarSpread, type BreakEven } from '../breakeven.js';
import { h, p, table, warning, type Block } from '../doc.js';
import { plusMinus, sig } from '../format.js';
import { estimateSuffix } from '../metrics.js';
import { payback, trafficOf, type Traffic } from '../decision.js';

const words = (n: number | null | undefined) => (n === undefined ? 'n/a' : n === null ? 'never' : inferencesInWords(n));

export function breakEvenBlocks(
  run: RunJson,
  list: BreakEven[] = breakEvens(run),
  charts: Block[] = [],
  traffic: Traffic = trafficOf(run),
): Block[] {
  const students = run.models.filter((m) => m.role === 'student');
  if (students.length === 0) return [];
  const out: Block[] = [h(2, 'Break-even')];
  out.push(
    p(
      'Serving N inferences with the teacher alone costs N x t joules; distilling a student and serving with it costs C + N x s. ',
      'The two are equal at N* = C / (t - s); past N* the student has paid back its distillation. ',
      "C is the energy of the student's distillation phase(s): its own distillation training plus the phases all students share (the teacher's logits on the training set), charged in full to each student because distilling that one student alone needs them too. ",
      { b: "Assumption: the teacher's training is not in C" },
      ', because both choices need the trained teacher (you serve it, or you distil it), so it cancels out. ',
      'Where the teacher was trained only to be distilled, its training belongs in C; that figure is in the last column. ',
      "t and s are gross joules per inference (all devices, idle included) at the same batch size: the benchmark's energy divided by its inferences, the median over the rounds where there are repeats (as in the Models table). ",
      'The N* bounds take the scale part of the error (the meter or model factor of each device) as one factor in C, t and s alike, so it cancels where one device and method holds the energy; the remaining window errors are added as a worst case. N* over rounds is the run-to-run spread: N* from each inference round (C measured once).',
    ),
  );
  if (list.length === 0) {
    out.push(
      warning(
        'no break-even: the run lacks the distillation phase or the inference figures (at one batch size) of the teacher and its students.',
      ),
    );
    return out;
  }
  const batches = [...new Set(run.inference.map((r) => r.batchSize))].sort((a, b) => a - b);
  const all = batches.flatMap((b) => breakEvens(run, b));
  const est = estimateSuffix(run);
  out.push(
    table(
      [
        'student',
        'batch',
        `C: distillation, J${est}`,
        'phases in C',
        `t: teacher J / inference${est}`,
        `s: student J / inference${est}`,
        'N* (break-even)',
        'N* bounds',
        'N* over rounds',
        `payback at ${traffic.requestsPerDay.toLocaleString('en-US')} requests/day`,
        'N* with teacher training',
      ],
      (all.length > 0 ? all : list).map((b) => [
        b.student,
        String(b.batchSize),
        plusMinus(b.distillationJ, b.distillationUncertaintyJ),
        b.distillationPhases.join(', '),
        plusMinus(b.teacherJPerInference, b.teacherUncertaintyJPerInference),
        plusMinus(b.studentJPerInference, b.studentUncertaintyJPerInference),
        words(b.nStar),
        b.nStar === null ? 'n/a' : `${words(b.nStarRange[0])} to ${words(b.nStarRange[1])}`,
        nStarSpread(b) ?? 'n/a (one round)',
        payback(b.nStar, traffic),
        b.nStarWithTeacherTraining === undefined
          ? 'n/a'
          : `${words(b.nStarWithTeacherTraining)} (teacher training ${sig(b.teacherTrainingJ)} J)`,
      ]),
    ),
  );
  for (const b of list) out.push(p(breakEvenSentence(b)));
  out.push(...charts);
  return out;
}
