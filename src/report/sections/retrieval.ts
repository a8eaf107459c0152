/**
 * The report of a retrieval suite (run.json `retrieval`), in place of the classification decision box and
 * break-even: a decision per distilled student, ranking quality with intervals, the energy of index
 * encoding, query encoding and scoring, and when distillation pays for itself.
 */
import type { ModelRecord, RetrievalComparisonRecord, RunJson } from '../../core/contract.js';
import { box, h, list, p, table, warning, type Block, type Inline } from '../doc.js';
import { ci, int, ratio, sig, wh } from '../format.js';
import { inferencesInWords } from '../breakeven.js';
import { estimateSuffix } from '../metrics.js';
import type { Traffic } from '../decision.js';
import { queriesToBreakEven, retrievalBreakEvens, retrievalCosts, type RetrievalBreakEven } from '../retrieval.js';

const METRIC_NAMES: Record<string, string> = { 'recall@1': 'recall@1', 'recall@10': 'recall@10', 'mrr@10': 'MRR@10', 'ndcg@10': 'nDCG@10' };
const label = (m: string) => METRIC_NAMES[m] ?? m;
const fmtMetric = (x: number | undefined) => (x === undefined || x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(3));
const words = (n: number | null) => (n === null ? 'never' : n === 0 ? 'at once (the index alone pays)' : inferencesInWords(n));

/** Index sizes the break-even table shows besides the run's own. */
export const INDEX_SIZES = [10_000, 1_000_000];

function diff(c: RetrievalComparisonRecord | undefined): string {
  if (!c) return 'n/a';
  const sign = c.estimate >= 0 ? '+' : '';
  return `${sign}${c.estimate.toFixed(3)}${ci(c.ci95)}${c.warning ? ' (no difference shown)' : ''}`;
}

function verdict(run: RunJson, st: ModelRecord, primary: string, b: RetrievalBreakEven | undefined, traffic: Traffic): Inline[] {
  const cmp = run.retrieval?.comparisons ?? [];
  const teacher = run.models.find((m) => m.role === 'teacher');
  const control = run.models.find((m) => m.role === 'control' && st.name.startsWith(`${m.name.replace(/-control$/, '')}-`));
  const vsT = cmp.find((c) => c.metric === primary && c.a === st.name && c.b === teacher?.name);
  const vsC = control ? cmp.find((c) => c.metric === primary && c.a === st.name && c.b === control.name) : undefined;
  const method = run.retrieval?.distillation?.[st.name];
  const parts: Inline[] = [
    { b: st.name },
    `${method ? ` (${method === 'mse' ? 'embedding MSE' : 'KL over in-batch scores'})` : ''}: ${label(primary)} ${fmtMetric(st.retrieval?.metrics[primary])} against the teacher's ${fmtMetric(teacher?.retrieval?.metrics[primary])} (${diff(vsT)})`,
  ];
  if (vsC) {
    const helped = !vsC.warning && vsC.estimate > 0;
    const hurt = !vsC.warning && vsC.estimate < 0;
    parts.push(
      `; against its control ${control!.name} ${diff(vsC)}: ${helped ? 'distillation helped' : hurt ? 'distillation did worse than training without the teacher' : 'distillation was not shown to help (the control is as good)'}`,
    );
  }
  if (b && !Number.isFinite(b.distillationJ)) {
    // No distillation cost: a loaded student (hf-onnx, saved) was not distilled here; otherwise a phase's energy is unknown.
    const distilledHere = b.distillationPhases.some((p) => p !== 'teacher-embeddings');
    parts.push(
      `. Energy${estimateSuffix(run)}: ${sig(b.savedPerQueryJ * 1000)} J saved per 1,000 queries and ${sig(b.savedPerDocumentJ * 1000)} J per 1,000 indexed documents; ${
        distilledHere
          ? 'the energy of its distillation is unknown (n/a), so no break-even is given'
          : 'it was not distilled in this run (loaded), so there is no distillation energy to pay back'
      }.`,
    );
  } else if (b) {
    const perDay = traffic.requestsPerDay;
    const q = b.queriesAtRunIndex;
    parts.push(
      `. Energy${estimateSuffix(run)}: ${sig(b.savedPerQueryJ * 1000)} J saved per 1,000 queries and ${sig(b.savedPerDocumentJ * 1000)} J per 1,000 indexed documents; distillation (${wh(b.distillationJ)}) ${
        q === null
          ? `never pays back through queries with the run's index of ${int(b.indexDocuments)} documents (the student saves no energy per query)`
          : q === 0
            ? `is paid back by encoding the run's index of ${int(b.indexDocuments)} documents alone`
            : `pays back after ${inferencesInWords(q)} queries with the run's index of ${int(b.indexDocuments)} documents (${sig(q / perDay)} days at ${int(perDay)} queries a day)`
      }${b.documentsAlone === null ? '; the student saves nothing per indexed document.' : `, or with an index of ${inferencesInWords(b.documentsAlone)} documents without any query.`}`,
    );
  }
  return parts;
}

export function retrievalBlocks(run: RunJson, traffic: Traffic): Block[] {
  const r = run.retrieval;
  if (!r) return [];
  const primary = r.metrics[0] ?? 'recall@10';
  const students = run.models.filter((m) => m.role === 'student');
  const bes = retrievalBreakEvens(run);
  const out: Block[] = [];
  out.push(
    box([
      h(2, 'Decision (retrieval)'),
      students.length
        ? list(
            students.map((st) =>
              verdict(
                run,
                st,
                primary,
                bes.find((b) => b.student === st.name),
                traffic,
              ),
            ),
          )
        : p('No distilled student in this run.'),
      p(
        `${int(r.queries)} test queries, each with one relevant document, against an index of ${int(r.indexDocuments)} documents (the test split's). Differences are paired over the queries with bootstrap 95 % intervals${run.dataset?.groups ? ' (whole texts resampled)' : ''}. `,
        `In this retrieval run the Models table's "accuracy" is recall@1, and macro-F1 does not apply. Traffic: ${int(traffic.requestsPerDay)} queries a day (${traffic.source}).`,
      ),
    ]),
  );
  out.push(h(2, 'Retrieval quality'));
  const metrics = [...new Set([...r.metrics, 'recall@1', 'recall@10', 'mrr@10', 'ndcg@10'])];
  out.push(
    table(
      ['model', 'role', 'parameters', ...metrics.map((m) => `${label(m)} [95 % interval]`)],
      run.models.map((m) => [
        m.name,
        m.role,
        int(m.params),
        ...metrics.map((k) => `${fmtMetric(m.retrieval?.metrics[k])}${ci(m.retrieval?.ci95?.[k])}`),
      ]),
    ),
  );
  if (r.comparisons.length)
    out.push(
      table(
        ['metric', 'a', 'b', 'a - b [95 % interval]', 'queries'],
        r.comparisons.filter((c) => r.metrics.includes(c.metric)).map((c) => [label(c.metric), c.a, c.b, diff(c), int(c.n)]),
      ),
    );
  out.push(h(2, 'Energy of search'));
  const costs = retrievalCosts(run);
  const rounds = Math.max(0, ...[...costs.values()].map((c) => c.query.rounds));
  out.push(
    p(
      `Each part was measured in its own phases (retrieval-index, retrieval-query, retrieval-score), ${rounds} interleaved round${rounds === 1 ? '' : 's'}; figures are gross joules (all devices, idle included), the median over the rounds with the lowest and highest in brackets. `,
      `Queries are encoded ${int(r.queryBatchSize)} at a time; scoring: ${r.scoring}.`,
    ),
  );
  const fmtCost = (c: { jPer1000: number; range: [number, number]; rounds: number }) =>
    `${sig(c.jPer1000)}${c.rounds > 1 && c.range.every(Number.isFinite) ? ` [${sig(c.range[0])}, ${sig(c.range[1])}]` : ''}`;
  const teacher = run.models.find((m) => m.role === 'teacher');
  const tc = teacher ? costs.get(teacher.name) : undefined;
  out.push(
    table(
      [
        'model',
        `index: J / 1,000 documents${estimateSuffix(run)}`,
        `query encoding: J / 1,000 queries${estimateSuffix(run)}`,
        `scoring: J / 1,000 queries${estimateSuffix(run)}`,
        'J per query vs teacher',
        'method',
      ],
      [...costs].map(([name, c]) => [
        name,
        fmtCost(c.index),
        fmtCost(c.query),
        fmtCost(c.scoring),
        tc ? ratio((c.query.jPer1000 + c.scoring.jPer1000) / (tc.query.jPer1000 + tc.scoring.jPer1000)) : 'n/a',
        c.query.method,
      ]),
    ),
  );
  out.push(h(2, 'Break-even of distillation (retrieval)'));
  out.push(
    p(
      "Serving Q queries against an index of D documents costs D x i + Q x (q + s) with the teacher, and C + the same with the student's figures; i is the energy of encoding a document (once per index), q of encoding a query, s of scoring it against the index, C the energy of distilling the student (its distillation phase and the teacher's embeddings of the training set). ",
      { b: "The teacher's training is not in C" },
      " (both choices need the trained teacher); the last column charges it too. Brute-force scoring grows linearly with the index: for other index sizes s is scaled from the run's index (an extrapolation, not a measurement). ",
      bes.some((b) => b.scoringEqual)
        ? 'Where a student embeds in the same width as the teacher, scoring is the same matrix product against an index of the same size, so its saving is taken as 0 (the measured scoring figures differ only by run-to-run noise).'
        : '',
    ),
  );
  if (bes.length === 0)
    out.push(warning('no break-even: the run lacks the distillation phases or the energy figures of the teacher and its students.'));
  else
    out.push(
      table(
        [
          'student',
          `C${estimateSuffix(run)}`,
          'saved per 1,000 queries, J',
          'saved per 1,000 documents, J',
          'index that alone pays, documents',
          ...[r.indexDocuments, ...INDEX_SIZES].map((d) => `queries to pay back, index of ${int(d)}`),
          `queries, index of ${int(r.indexDocuments)}, teacher's training in C`,
        ],
        bes.map((b) => [
          b.student,
          wh(b.distillationJ),
          sig(b.savedPerQueryJ * 1000),
          sig(b.savedPerDocumentJ * 1000),
          words(b.documentsAlone),
          ...[r.indexDocuments, ...INDEX_SIZES].map((d) => words(queriesToBreakEven(b, d))),
          b.teacherTrainingJ !== undefined ? words(queriesToBreakEven(b, r.indexDocuments, b.distillationJ + b.teacherTrainingJ)) : 'n/a',
        ]),
      ),
    );
  return out;
}
