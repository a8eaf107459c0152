/** Paired comparisons with 95 % intervals (student vs teacher, distilled vs control), where the run has repeats. */
import type { RunJson } from '../../core/contract.js';
import { h, p, table, type Block } from '../doc.js';
import { ci, sig } from '../format.js';
import { comparisonsOf, estimateSuffix } from '../metrics.js';

export function comparisonBlocks(run: RunJson): Block[] {
  const list = comparisonsOf(run);
  if (list.length === 0) return [];
  const est = estimateSuffix(run);
  return [
    h(2, 'Comparisons with confidence intervals'),
    table(
      ['metric', 'a', 'b', 'batch', 'estimate', '95 % interval', 'n', 'warning'],
      list.map((c) => [
        c.metric === 'energyJPer1000' && est ? `${c.metric}${est}` : c.metric,
        c.a,
        c.b,
        c.batchSize === undefined ? '' : String(c.batchSize),
        c.kind === 'ratio' ? `${sig(c.estimate)}x (a / b)` : `${sig(c.estimate)} (a - b)`,
        ci(c.ci95).trim() || 'n/a',
        String(c.n),
        c.warning ?? '',
      ]),
    ),
    p(
      'Ratios are medians over repeated rounds (the model bound of an estimate cancels in them; the interval is the run-to-run spread); accuracy differences are paired over the test examples, resampled by source text where one text gave several examples (Brown passages). An interval that includes 1 (ratio) or 0 (difference) does not support a claim of a difference.',
    ),
  ];
}
