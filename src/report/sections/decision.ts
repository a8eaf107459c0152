/** The decision box at the top of the report: accuracy, savings, break-even and payback per student, and a verdict in words. */
import type { RunJson } from '../../core/contract.js';
import { box, h, list, p, table, type Block } from '../doc.js';
import { grams, pct, wh } from '../format.js';
import { co2Suffix, estimateLabel, estimateSuffix } from '../metrics.js';
import { inferencesInWords } from '../breakeven.js';
import type { AccuracyBudget } from '../compression.js';
import { compressionDecisionBlocks } from './compression.js';
import {
  decisions,
  nStarRangeWords,
  payback,
  pointsWithCi,
  ratioWords,
  side,
  verdict,
  type AccuracyDelta,
  type BatchSaving,
  type Traffic,
} from '../decision.js';

/** A range of ratios in the words of ratioWords: "14x to 15x less", "1.1x to 1.3x MORE", "2x less to 1.2x MORE". */
export function ratioRange(r: [number, number] | undefined): string {
  if (!r || !(r[0] > 0)) return 'n/a';
  const [lo, hi] = r;
  if (!Number.isFinite(hi)) return `${ratioWords(lo)} to unbounded`;
  if (hi < 1) return `${ratioWords(hi).replace(/ less$/, '')} to ${ratioWords(lo)}`;
  if (lo > 1) return `${ratioWords(lo).replace(/ MORE$/, '')} to ${ratioWords(hi)}`;
  return `${ratioWords(lo)} to ${ratioWords(hi)}`;
}

const whRange = (r: [number, number] | undefined, scale: number) => (r ? `${wh(r[0] * scale)} to ${wh(r[1] * scale)}` : 'n/a');

function accuracyCell(a: AccuracyDelta | undefined): string {
  if (!a) return 'n/a';
  const s = side(a.ci95);
  const words = s === 'includes' ? ': no difference shown' : s === 'above' ? ': higher' : s === 'below' ? ': lower' : '';
  return `${pointsWithCi(a)}${words}`;
}

function savedCell(b: BatchSaving, scale: number, withRanges: boolean): string {
  const co2 = b.savedG === undefined ? 'gCO2e n/a' : `${grams(b.savedG * scale)} CO2e`;
  if (!withRanges) return `${wh(b.savedJ * scale)}; ${co2}`;
  const bits = [`bounds ${whRange(b.savedBounds, scale)}`];
  if (b.savedSpread) bits.push(`${b.rounds} rounds ${whRange(b.savedSpread, scale)}`);
  return `${wh(b.savedJ * scale)} (${bits.join('; ')}); ${co2}`;
}

function ratioCell(b: BatchSaving): string {
  const bits = [`bounds ${ratioRange(b.ratioBounds)}`];
  if (b.ratioSpread) bits.push(`${b.rounds} rounds ${ratioRange(b.ratioSpread)}`);
  return `${ratioWords(b.ratio)} (${bits.join('; ')})`;
}

function breakEvenCell(b: BatchSaving): string {
  const be = b.breakEven;
  if (!be) return 'n/a';
  if (be.nStar === null) return 'never';
  const bits = [`bounds ${nStarRangeWords(be.nStarRange)}`];
  const rounds = be.nStarPerRound;
  if (rounds && rounds.length > 1) {
    const ok = rounds.filter((x): x is number => x !== null);
    bits.push(
      ok.length === 0
        ? `${rounds.length} rounds: never`
        : `${rounds.length} rounds ${inferencesInWords(Math.min(...ok))} to ${ok.length < rounds.length ? 'never' : inferencesInWords(Math.max(...ok))}`,
    );
  }
  return `${inferencesInWords(be.nStar)} (${bits.join('; ')})`;
}

export function decisionBlocks(run: RunJson, traffic: Traffic, budget?: AccuracyBudget): Block[] {
  const list_ = decisions(run);
  if (list_.length === 0) return [];
  const compression = budget ? compressionDecisionBlocks(run, budget) : [];
  const est = estimateSuffix(run);
  const flag = co2Suffix(run);
  const teacher = list_[0].teacher;
  const rounds = Math.max(1, ...list_.flatMap((d) => d.batches.map((b) => b.rounds)));
  const inner: Block[] = [h(2, 'Decision')];
  inner.push(list(list_.map((d) => [{ b: d.student.name }, `: ${verdict(run, d, traffic)}`])));
  inner.push(...compression);
  const anyInit = list_.some((d) => d.initControl);
  inner.push(
    table(
      [
        'student',
        'accuracy',
        `vs the teacher (${teacher.name}, ${pct(teacher.accuracy)}), points [95 % interval]`,
        'vs the control (the same student trained without the teacher), points [95 % interval]',
        ...(anyInit
          ? ['vs the teacher-initialised control (same teacher layers, labels only: what the soft targets add), points [95 % interval]']
          : []),
      ],
      list_.map((d) => [
        d.student.name,
        pct(d.student.accuracy),
        accuracyCell(d.vsTeacher),
        d.control ? accuracyCell(d.vsControl) : 'no control trained',
        ...(anyInit ? [d.initControl ? accuracyCell(d.vsInitControl) : 'none trained'] : []),
      ]),
    ),
  );
  inner.push(
    table(
      [
        'student',
        'batch',
        `energy per inference vs teacher${est}`,
        `saved per 1,000 inferences: energy${est}; CO2e${flag}`,
        `saved per 1,000,000 inferences: energy${est}; CO2e${flag}`,
        'break-even, inferences',
        `payback at ${traffic.requestsPerDay.toLocaleString('en-US')} requests/day`,
      ],
      list_.flatMap((d) =>
        d.batches.length === 0
          ? [[d.student.name, 'n/a', 'n/a (no batch size shared with the teacher)', 'n/a', 'n/a', 'n/a', 'n/a']]
          : d.batches.map((b) => [
              d.student.name,
              String(b.batchSize),
              ratioCell(b),
              savedCell(b, 1000, true),
              savedCell(b, 1e6, false),
              breakEvenCell(b),
              payback(b.breakEven ? b.breakEven.nStar : undefined, traffic),
            ]),
      ),
    ),
  );
  const howOf = (xs: (AccuracyDelta | undefined)[]) => [...new Set(xs.map((x) => x?.how).filter((x): x is string => !!x))].join('; ');
  const vsTeacherHow = howOf(list_.map((d) => d.vsTeacher));
  const vsControlHow = howOf(list_.flatMap((d) => [d.vsControl, d.vsInitControl]));
  inner.push(
    p(
      `Energy is ${estimateLabel(run) || 'measured'}: gross (idle power included), per inference the median over the inference rounds, as in the Models table. `,
      '"bounds": the error bounds of the energy. The model or meter bound is one factor for every phase of a device, so it cancels in the ratios and the break-even (narrow ranges) but stays whole in the Wh and gCO2e saved (wide ranges). ',
      rounds > 1
        ? `"rounds": lowest to highest over the ${rounds} interleaved inference rounds (run-to-run spread). `
        : 'Run-to-run spread: n/a, the run has one inference round (kdbench run --repeats 3 or more). ',
      `Per 1,000,000 inferences the ranges scale by 1,000. Break-even counts the distillation phases only (see Break-even). Payback in days at ${traffic.requestsPerDay.toLocaleString('en-US')} requests a day: ${traffic.source}. `,
      vsTeacherHow ? `Accuracy against the teacher: ${vsTeacherHow}. ` : '',
      vsControlHow ? `Against the control: ${vsControlHow}.` : '',
    ),
  );
  return [box(inner)];
}
