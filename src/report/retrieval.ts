/**
 * Retrieval runs (run.json `retrieval`): the energy of each part of a model's use, and the break-even of distillation.
 *
 * Serving Q queries against an index of D documents costs
 *   teacher:                  D x iT + Q x (qT + sT(D))
 *   distilled student:   C +  D x iS + Q x (qS + sS(D))
 * with i the energy of encoding one document (paid once per index), q of encoding one query, s(D) of scoring
 * one query against D documents, and C the student's distillation: its own distillation phase plus the
 * teacher's embeddings of the training set (shared by all students, charged in full to each). The teacher's
 * training is not in C (both choices need the trained teacher); the figure with it is given too.
 * Distillation pays once C <= D x (iT - iS) + Q x ((qT + sT) - (qS + sS)).
 * s(D) is measured at the run's index size; brute-force scoring is one dot product per document, so for
 * another D it is scaled linearly (s(D) = s x D / D_run), which the report states where it extrapolates.
 * All figures are gross joules (all devices, idle included), medians over the interleaved rounds.
 */
import type { RetrievalCostRecord, RunJson } from '../core/contract.js';
import { median } from '../benchmark/stats.js';

export type RetrievalPart = RetrievalCostRecord['part'];

export interface PartCost {
  /** Median J per 1,000 items over the rounds (NaN: unknown). */
  jPer1000: number;
  /** Lowest and highest J per 1,000 over the rounds. */
  range: [number, number];
  /** Error bound of the J per 1,000 (the meter's bound of each round's phase, per 1,000 items; median over rounds; NaN: unknown). */
  uncertaintyJPer1000: number;
  rounds: number;
  method: string;
}

export type ModelCosts = Record<RetrievalPart, PartCost>;

const PARTS: RetrievalPart[] = ['index', 'query', 'scoring'];
const known = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Per model and part: median J per 1,000 over the rounds. */
export function retrievalCosts(run: RunJson): Map<string, ModelCosts> {
  const out = new Map<string, ModelCosts>();
  const costs = run.retrieval?.costs ?? [];
  for (const model of [...new Set(costs.map((c) => c.model))]) {
    const entry = {} as ModelCosts;
    for (const part of PARTS) {
      const rows = costs.filter((c) => c.model === model && c.part === part);
      const xs = rows.map((c) => c.jPer1000).filter(known);
      const us = rows.map((c) => (c.items > 0 ? (c.uncertaintyJ / c.items) * 1000 : NaN)).filter(known);
      const jPer1000 = xs.length === rows.length && xs.length > 0 ? median(xs) : NaN;
      entry[part] = {
        jPer1000,
        range: xs.length ? [Math.min(...xs), Math.max(...xs)] : [NaN, NaN],
        // No bound is given for an unknown energy.
        uncertaintyJPer1000: known(jPer1000) && us.length === rows.length ? median(us) : NaN,
        rounds: rows.length,
        method: [...new Set(rows.map((c) => c.method))].join(', ') || 'unknown',
      };
    }
    out.set(model, entry);
  }
  return out;
}

export interface RetrievalBreakEven {
  student: string;
  teacher: string;
  /** C: joules of the student's distillation (its phase and the shared teacher-embeddings phase). */
  distillationJ: number;
  distillationPhases: string[];
  teacherTrainingJ?: number;
  /** J saved per query at the run's index size (query encoding + scoring), teacher minus student. */
  savedPerQueryJ: number;
  /**
   * Of which scoring: 0 where both embeddings have the same width (the same matrix product against the same
   * index; measured differences are run-to-run noise), else the measured difference.
   */
  savedScoringPerQueryJ: number;
  /** Whether the scoring saving was taken as 0 for equal embedding widths. */
  scoringEqual: boolean;
  /** J saved per indexed document (encoding it once), teacher minus student. */
  savedPerDocumentJ: number;
  /** The run's index size. */
  indexDocuments: number;
  /** Documents an index needs for its one-off encoding saving alone to pay for C (null: never). */
  documentsAlone: number | null;
  /** Queries at the run's index size (null: never; 0: the index alone pays). */
  queriesAtRunIndex: number | null;
}

/** Queries after which distillation pays, with an index of `documents` (scoring scaled linearly to that size); null: never. */
export function queriesToBreakEven(b: RetrievalBreakEven, documents: number, costJ = b.distillationJ): number | null {
  const scale = documents / b.indexDocuments;
  const perQuery = b.savedPerQueryJ - b.savedScoringPerQueryJ + b.savedScoringPerQueryJ * scale;
  const left = costJ - documents * b.savedPerDocumentJ;
  if (!Number.isFinite(left) || !Number.isFinite(perQuery)) return null;
  if (left <= 0) return 0;
  if (!(perQuery > 0)) return null;
  return left / perQuery;
}

const sumOf = (xs: number[]) => (xs.every(known) ? xs.reduce((a, x) => a + x, 0) : NaN);

/** One entry per distilled student with costs for itself and the teacher. */
export function retrievalBreakEvens(run: RunJson): RetrievalBreakEven[] {
  const costs = retrievalCosts(run);
  const teacher = run.models.find((m) => m.role === 'teacher');
  if (!teacher || !run.retrieval) return [];
  const t = costs.get(teacher.name);
  if (!t) return [];
  const per = (c: PartCost) => c.jPer1000 / 1000;
  const teacherTraining = run.phases.find((p) => p.name === teacher.training?.phase);
  const out: RetrievalBreakEven[] = [];
  for (const st of run.models.filter((m) => m.role === 'student')) {
    const s = costs.get(st.name);
    if (!s) continue;
    const phases = run.phases.filter((p) => p.name === 'teacher-embeddings' || (p.model === st.name && p.name === st.training?.phase));
    const C = phases.length === 2 ? sumOf(phases.map((p) => p.energyJ)) : NaN;
    const dimT = teacher.retrieval?.embeddingDim;
    const scoringEqual = dimT !== undefined && dimT === st.retrieval?.embeddingDim;
    const scoring = scoringEqual ? 0 : per(t.scoring) - per(s.scoring);
    const b: RetrievalBreakEven = {
      student: st.name,
      teacher: teacher.name,
      distillationJ: C,
      distillationPhases: phases.map((p) => p.name),
      ...(teacherTraining && known(teacherTraining.energyJ) ? { teacherTrainingJ: teacherTraining.energyJ } : {}),
      savedPerQueryJ: per(t.query) - per(s.query) + scoring,
      savedScoringPerQueryJ: scoring,
      scoringEqual,
      savedPerDocumentJ: per(t.index) - per(s.index),
      indexDocuments: run.retrieval.indexDocuments,
      documentsAlone: null,
      queriesAtRunIndex: null,
    };
    b.documentsAlone = b.savedPerDocumentJ > 0 && known(C) ? C / b.savedPerDocumentJ : null;
    b.queriesAtRunIndex = queriesToBreakEven(b, b.indexDocuments);
    out.push(b);
  }
  return out;
}
