/** The method comparison table (distillation, quantization, pruning, chains) and the decision box's best option under an accuracy budget. */
import type { RunJson } from '../../core/contract.js';
import { h, p, table, type Block, type Inline } from '../doc.js';
import { bytes, grams, pct, sig, wh } from '../format.js';
import { co2Labels, estimateSuffix } from '../metrics.js';
import { inferencesInWords } from '../breakeven.js';
import { bestOptions, methodBreakEven, methodRows, type AccuracyBudget, type MethodRow } from '../compression.js';
import { points, pointsWithCi, ratioWords } from '../decision.js';

const arithmetic = (v: boolean | null) => (v === true ? 'yes' : v === false ? 'NO' : 'unknown');

function changeCell(r: MethodRow): string {
  const a = r.c.accuracyChange;
  return a ? pointsWithCi({ estimate: a.estimate, ...(a.ci95 ? { ci95: a.ci95 } : {}), how: '' }) : 'n/a';
}

function sizeCell(r: MethodRow): string {
  const s = r.model.sizeBytes;
  const b = r.base?.sizeBytes;
  if (s === undefined) return 'n/a';
  return b ? `${bytes(s)} (${sig((s / b) * 100)} % of ${r.base!.name})` : bytes(s);
}

/** One sentence per method row that does not change the arithmetic, so no table implies a speed-up. */
function honestyNotes(rows: MethodRow[]): Inline[][] {
  return rows.map((r) => [
    { b: r.model.name },
    ` (${r.c.steps.join(' → ')}, ${r.c.runtime}): changes the arithmetic: ${arithmetic(r.c.honestCompute.changesArithmetic)}; ${r.c.honestCompute.note}.`,
  ]);
}

export function methodComparisonBlocks(run: RunJson): Block[] {
  const rows = methodRows(run);
  if (rows.length === 0) return [];
  const est = estimateSuffix(run);
  const co2 = co2Labels(run);
  const out: Block[] = [h(2, 'Compression methods side by side')];
  out.push(
    table(
      [
        'model',
        'method (steps from the teacher)',
        'made from',
        'runtime',
        'accuracy',
        'change vs teacher, points [95 %]',
        'batch',
        `energy per 1,000 inferences${est} [95 %]`,
        'vs teacher',
        `gCO2e per 1,000${co2}`,
        'size on disk',
        `production energy${est}`,
        'break-even, inferences',
        'changes the arithmetic',
      ],
      rows.flatMap((r) => {
        const head = [r.model.name, r.c.steps.join(' → '), r.c.from, r.c.runtime, pct(r.model.accuracy), changeCell(r)];
        const tail = (b: MethodRow['batches'][number] | undefined) => {
          const be = b ? methodBreakEven(r, b.batchSize) : undefined;
          return [
            b ? String(b.batchSize) : 'n/a',
            b ? `${wh(b.energyJPer1000)}${b.ci95 ? ` [${wh(b.ci95[0])}, ${wh(b.ci95[1])}]` : ''}` : 'n/a',
            b && b.rootJPer1000 ? ratioWords(b.energyJPer1000 / b.rootJPer1000) : 'n/a',
            b ? grams(b.gCO2ePer1000) : 'n/a',
            sizeCell(r),
            r.productionJ === undefined ? 'n/a (made before this run)' : `${wh(r.productionJ)} ± ${wh(r.productionUncertaintyJ)}`,
            be === undefined ? 'n/a' : be === null ? 'never' : inferencesInWords(be),
            arithmetic(r.c.honestCompute.changesArithmetic),
          ];
        };
        return r.batches.length === 0 ? [[...head, ...tail(undefined)]] : r.batches.map((b) => [...head, ...tail(b)]);
      }),
    ),
  );
  out.push(
    p(
      'Accuracy change: against the teacher (the root of every chain), paired bootstrap over the test examples. Energy: gross, per 1,000 inferences, the median over the inference rounds with its 95 % interval where there are 2 or more rounds. ',
      "Production energy: every phase that made the model in this run, along its whole chain (distillation with the teacher's logits where computed once for all students, compression and their sub-phases: calibration, pruning, fine-tuning), ± its error bound; the teacher's training is not counted (every option starts from it). ",
      'Break-even: production energy divided by the energy saved per inference against the teacher. Size on disk: the saved model files. ',
      '"Changes the arithmetic" says whether the runtime that ran the model executes less or cheaper arithmetic: smaller files are not cheaper inferences.',
    ),
  );
  out.push({ kind: 'list', items: honestyNotes(rows) });
  return out;
}

/** The decision box's lines on compression: the best option under the accuracy budget at each batch size. */
export function compressionDecisionBlocks(run: RunJson, budget: AccuracyBudget): Block[] {
  const options = bestOptions(run, budget);
  if (options.length === 0) return [];
  const est = estimateSuffix(run);
  const words = options.map((o) => {
    const within = `${o.within.length} of ${o.within.length + o.over.length} options within the budget`;
    if (!o.best)
      return `At batch ${o.batchSize}: no option within the budget is cheaper per inference than the teacher (${within}); keep the teacher.`;
    const r = o.best;
    const b = r.batches.find((x) => x.batchSize === o.batchSize)!;
    const a = r.c.accuracyChange!;
    const honest =
      r.c.honestCompute.changesArithmetic === false
        ? ` Caution: ${r.c.runtime} runs the same arithmetic for this method (${r.c.honestCompute.note}), so the measured difference is not from the method itself.`
        : '';
    const risky = a.ci95 && a.ci95[0] < -budget.maxDrop ? ` Its interval reaches ${points(a.ci95[0])} points, beyond the budget.` : '';
    return `At batch ${o.batchSize}: ${r.model.name} (${r.c.steps.join(' → ')}), ${ratioWords(b.rootJPer1000 ? b.energyJPer1000 / b.rootJPer1000 : NaN)} energy per inference than the teacher${est} (${wh(b.energyJPer1000)} per 1,000), accuracy ${pointsWithCi({ estimate: a.estimate, ...(a.ci95 ? { ci95: a.ci95 } : {}), how: '' })} against it; ${within}.${risky}${honest}`;
  });
  return [
    h(3, `Best compression option within ${sig(budget.maxDrop * 100)} point${budget.maxDrop === 0.01 ? '' : 's'} of accuracy`),
    { kind: 'list', items: words.map((w) => [w]) },
    p(
      `Budget: an option qualifies when its accuracy change against the teacher (point estimate) is no worse than -${sig(budget.maxDrop * 100)} points (${budget.source}); the cheapest qualifying option per inference is named. See "Compression methods side by side".`,
    ),
  ];
}
