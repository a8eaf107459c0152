/** The break-even section: when distillation pays back its own energy, with the assumption stated. */
import type { RunJson } from '../../core/contract.js';
import { breakEvenSentence, breakEvens, inferencesInWords, type BreakEven } from '../breakeven.js';
import { h, p, table, warning, type Block } from '../doc.js';
import { plusMinus, sig } from '../format.js';

const words = (n: number | null | undefined) => (n === undefined ? 'n/a' : n === null ? 'never' : inferencesInWords(n));

export function breakEvenBlocks(run: RunJson, list: BreakEven[] = breakEvens(run), charts: Block[] = []): Block[] {
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
      "t and s are gross joules per inference (all measured devices, idle included) at the same batch size: the benchmark's energy divided by its inferences, pooled over all rounds where there are repeats (the Models table shows medians). The range uses the measurement-error bounds of C, t and s.",
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
  out.push(
    table(
      [
        'student',
        'batch',
        'C: distillation (J)',
        'phases in C',
        't: teacher J / inference',
        's: student J / inference',
        'N* (break-even)',
        'N* range',
        'N* with teacher training',
      ],
      list.map((b) => [
        b.student,
        String(b.batchSize),
        plusMinus(b.distillationJ, b.distillationUncertaintyJ),
        b.distillationPhases.join(', '),
        plusMinus(b.teacherJPerInference, b.teacherUncertaintyJPerInference),
        plusMinus(b.studentJPerInference, b.studentUncertaintyJPerInference),
        words(b.nStar),
        b.nStar === null ? 'n/a' : `${words(b.nStarRange[0])} to ${words(b.nStarRange[1])}`,
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
