/**
 * A `task: retrieval` suite whose models are all of kind "command" (retrieval-steps.ts hands over to
 * commandRetrievalSteps). Each step of each model is one measured child process in its own phase, as
 * in classification command suites (command-model.ts):
 *
 *   data-preparation                the suite's pairs as JSONL (KDBENCH_DATA: {"split","i","id","query","doc"}; test
 *                                   document i is the relevant one of test query i, the index is every test document)
 *   teacher-training                the teacher's "train"      distillation:NAME   a student's "distil"
 *   control-training:NAME-control   a student's "control"      evaluation:NAME     "evaluate": ranks or ranking metrics
 *   retrieval-setup:NAME:rK         "infer", until its first marker; then its markers start the measured parts:
 *     `::kdbench phase encode-index::`    -> retrieval-index:NAME:rK
 *     `::kdbench phase encode-queries::`  -> retrieval-query:NAME:rK
 *     `::kdbench phase scoring::`         -> retrieval-score:NAME:rK
 *   and its result line (encodedDocuments, encodedQueries, scoredQueries) starts retrieval-exit:NAME:rK (the
 *   command's teardown, which is no part of use). The parts become the same cost records as the in-process
 *   bench's (retrieval-bench.ts): J per 1,000 documents and per 1,000 queries.
 *
 * Other markers in train/distil/control/evaluate start sub-phases `<step phase>:SUB`; in infer, a marker
 * of another name or one given twice is refused (UserError) after the step.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelRecord, ModelRole } from '../../core/contract.js';
import { UserError } from '../../core/errors.js';
import { deriveSeed } from '../../core/random.js';
import type { PreparedRetrieval } from '../../distillation/data/retrieval.js';
import { writeRetrievalJsonl as writeRetrievalPairs } from '../../distillation/data/export.js';
import { perQuery, RETRIEVAL_METRICS, type RetrievalMetric } from '../../distillation/retrieval/metrics.js';
import { checkStep, type StepName, type StepResult } from '../../ownmodels/protocol.js';
import type { CommandModelSpec } from '../../suites/types.js';
import type { RunContext } from '../lifecycle.js';
import { dirSize, runCommandStep } from './command-model.js';
import { commandRetrieval } from './retrieval-command.js';
import type { PendingCost } from './retrieval-bench.js';
import type { SuiteStepContext } from './types.js';

/** The marker names of a retrieval infer step and the cost part each measures. */
export const RETRIEVAL_INFER_MARKERS = { 'encode-index': 'index', 'encode-queries': 'query', scoring: 'scoring' } as const;
const PART_PHASE = { index: 'retrieval-index', query: 'retrieval-query', scoring: 'retrieval-score' } as const;

/** One command model of a retrieval run (a teacher, a student or a student's control "NAME-control"). */
export interface RetrievalCommand {
  spec: CommandModelSpec;
  name: string;
  role: ModelRole;
  /** "teacher", "students[0]" */
  path: string;
  pairedWith?: string;
  facts: StepResult;
  training: ModelRecord['training'];
}

/** What every step's environment shares. */
export interface RetrievalCommandShared {
  dataFile: string;
  teacher?: { name: string; dir: string };
}

/** The pairs as JSONL (distillation/data/export.ts): one line a pair, in split order; test document i is query i's relevant document. */
export function writeRetrievalJsonl(data: PreparedRetrieval, file: string): void {
  writeRetrievalPairs(data, file);
}

const modelDir = (run: RunContext, name: string) => join(run.dir, 'models', name);
const where = (m: RetrievalCommand, step: string) => `${m.path} "${m.name}", step "${step}"`;

function env(s: SuiteStepContext, m: RetrievalCommand, shared: RetrievalCommandShared, step: StepName): Record<string, string> {
  const { suite } = s;
  const spec = suite.retrieval!;
  const seedKey = m.role === 'control' && m.pairedWith ? m.pairedWith : m.name;
  const t = shared.teacher;
  return {
    PYTHONUNBUFFERED: '1',
    ...m.spec.env,
    ...m.spec[step]?.env,
    KDBENCH_RUN_DIR: s.run.dir,
    KDBENCH_TASK: 'retrieval',
    KDBENCH_STEP: step,
    KDBENCH_MODEL: m.name,
    KDBENCH_ROLE: m.role,
    KDBENCH_MODEL_DIR: modelDir(s.run, m.name),
    KDBENCH_DATA: shared.dataFile,
    KDBENCH_EMBEDDING_DIM: String(spec.embeddingDim),
    KDBENCH_QUERY_SEQ_LEN: String(spec.querySeqLen),
    KDBENCH_DOC_SEQ_LEN: String(suite.dataset.seqLen),
    KDBENCH_SEED: String(deriveSeed(suite.seed, `model:${seedKey}`)),
    KDBENCH_QUICK: s.quick ? '1' : '0',
    KDBENCH_TEMPERATURE: String(suite.distillation.temperature),
    KDBENCH_SOFT_WEIGHT: String(suite.distillation.softWeight),
    KDBENCH_HARD_WEIGHT: String(suite.distillation.hardWeight),
    ...(t && m.role !== 'teacher' ? { KDBENCH_TEACHER: t.name, KDBENCH_TEACHER_DIR: t.dir } : {}),
  };
}

/**
 * Runs one step in `phase`. `marker` maps a marker name to the phase it starts (undefined: refused);
 * `afterResult` is the phase the first result line starts. Returns the merged result, checked as `check`.
 */
export async function runRetrievalStep(
  s: SuiteStepContext,
  m: RetrievalCommand,
  shared: RetrievalCommandShared,
  step: StepName,
  phase: string,
  opts: {
    check?: StepName | 'retrieval-infer';
    /** Known before the step (a trained model's params), under what it reports. */
    base?: StepResult;
    marker?: (name: string) => string | undefined;
    afterResult?: string;
    extraEnv?: Record<string, string>;
  } = {},
): Promise<StepResult> {
  const { run } = s;
  const w = where(m, step);
  const st = m.spec[step];
  if (!st) throw new Error(`${w}: no such step`);
  let ended = false;
  const seen = new Set<string>();
  const refused: string[] = [];
  const merged = await runCommandStep(run, {
    model: m.name,
    step,
    where: w,
    spec: m.spec,
    st,
    suiteDir: s.suiteDir,
    modelDir: modelDir(run, m.name),
    phase,
    env: { ...env(s, m, shared, step), ...opts.extraEnv },
    marker: (run, name) => {
      const target = opts.marker ? opts.marker(name) : `${phase}:${name}`;
      if (target === undefined || seen.has(name) || ended) {
        refused.push(name);
        return Promise.resolve();
      }
      seen.add(name);
      return run.phase(target, m.name);
    },
    afterResult: () => {
      if (opts.afterResult === undefined || ended) return undefined;
      ended = true;
      return opts.afterResult;
    },
  });
  if (refused.length > 0)
    throw new UserError(
      `${w}: phase marker(s) ${refused.map((n) => `"${n}"`).join(', ')} refused: ${
        opts.marker
          ? `an infer step of a retrieval suite marks ${Object.keys(RETRIEVAL_INFER_MARKERS).join(', ')}, each once, before its result line`
          : 'given twice'
      }`,
    );
  return checkStep(opts.check ?? step, merged && { ...opts.base, ...merged }, w);
}

/** train (teacher), distil (student) or control, in `phase`. */
export async function trainRetrievalCommand(
  s: SuiteStepContext,
  m: RetrievalCommand,
  shared: RetrievalCommandShared,
  step: 'train' | 'distil' | 'control',
  phase: string,
): Promise<void> {
  s.run.progress.log(`${m.name}: ${step} (command)`);
  const r = await runRetrievalStep(s, m, shared, step, phase);
  m.facts = { ...m.facts, ...r };
  m.training = { epochs: r.epochs ?? NaN, steps: r.steps ?? NaN, phase, finalLoss: r.finalLoss ?? NaN };
}

/** evaluate (phase evaluation:NAME): the model's record and, where it reported ranks, its per-query metrics. */
export async function evaluateRetrievalCommand(
  s: SuiteStepContext,
  m: RetrievalCommand,
  shared: RetrievalCommandShared,
  testQueries: number,
): Promise<{ record: ModelRecord; per?: Record<RetrievalMetric, number[]> }> {
  const w = where(m, 'evaluate');
  const r = await runRetrievalStep(s, m, shared, 'evaluate', `evaluation:${m.name}`, {
    base: m.facts.params !== undefined ? { params: m.facts.params } : {},
  });
  const found = commandRetrieval(r, w, deriveSeed(s.suite.seed, `retrieval-ci:${m.name}`));
  if (!found)
    throw new UserError(
      `${w}: a retrieval model reports "ranks" (the rank of every test query's relevant document) or "recall@10" and "mrr@10", not a classifier's accuracy`,
    );
  const n = r.ranks?.length ?? r.queries;
  if (n !== undefined && n !== testQueries)
    throw new UserError(
      `${w}: field "${r.ranks ? 'ranks' : 'queries'}" covers ${n} queries; the test split has ${testQueries} (KDBENCH_DATA, split "test")`,
    );
  if (r.indexDocuments !== undefined && r.indexDocuments !== testQueries)
    throw new UserError(`${w}: field "indexDocuments" is ${r.indexDocuments}; the index is the ${testQueries} test documents`);
  const retrieval = { ...found.record, queries: testQueries, indexDocuments: testQueries };
  const all = { ...m.facts, ...r };
  const dir = modelDir(s.run, m.name);
  const size = r.sizeBytes ?? m.facts.sizeBytes ?? dirSize(dir);
  const commands: Record<string, string[]> = {};
  for (const step of ['train', 'distil', 'control', 'evaluate', 'infer'] as const) if (m.spec[step]) commands[step] = m.spec[step]!.argv;
  const record: ModelRecord = {
    name: m.name,
    role: m.role,
    kind: 'command',
    params: r.params!,
    // As in every retrieval suite: accuracy is recall@1, macro-F1 has no meaning.
    accuracy: retrieval.metrics['recall@1'] ?? NaN,
    macroF1: NaN,
    ...(m.pairedWith ? { pairedWith: m.pairedWith } : {}),
    architecture: { ...all.architecture, ...(all.info ? { info: all.info } : {}) },
    training: m.training,
    ...(size !== undefined ? { sizeBytes: size } : {}),
    ...(existsSync(dir) && readdirSync(dir).length > 0 ? { savedTo: `models/${m.name}` } : {}),
    runtime: { ...(all.framework ? { framework: all.framework } : {}), ...(all.device ? { device: all.device } : {}), command: commands },
    retrieval,
  };
  const per = r.ranks
    ? (Object.fromEntries(RETRIEVAL_METRICS.map((k) => [k, Array.from(perQuery(k, r.ranks!))])) as Record<RetrievalMetric, number[]>)
    : undefined;
  return { record, ...(per ? { per } : {}) };
}

/** One round of the infer step: the three measured parts and their counts as pending cost records. */
export async function inferRetrievalCommand(
  s: SuiteStepContext,
  m: RetrievalCommand,
  shared: RetrievalCommandShared,
  round: number,
  pending: PendingCost[],
): Promise<void> {
  const spec = s.suite.retrieval!;
  const phaseOf = (part: keyof typeof PART_PHASE) => `${PART_PHASE[part]}:${m.name}:r${round}`;
  const marked = new Set<string>();
  const r = await runRetrievalStep(s, m, shared, 'infer', `retrieval-setup:${m.name}:r${round}`, {
    check: 'retrieval-infer',
    marker: (name) => {
      if (!Object.hasOwn(RETRIEVAL_INFER_MARKERS, name)) return undefined;
      const phase = phaseOf(RETRIEVAL_INFER_MARKERS[name as keyof typeof RETRIEVAL_INFER_MARKERS]);
      marked.add(phase);
      return phase;
    },
    afterResult: `retrieval-exit:${m.name}:r${round}`,
    extraEnv: {
      KDBENCH_TIME_MS: String(s.suite.inference.timeMs),
      KDBENCH_ROUND: String(round),
      KDBENCH_QUERY_BATCH_SIZE: String(spec.queryBatchSize ?? 32),
      KDBENCH_INDEX_BATCH_SIZE: String(spec.indexBatchSize ?? 128),
    },
  });
  const items = { index: r.encodedDocuments!, query: r.encodedQueries!, scoring: r.scoredQueries ?? r.encodedQueries! };
  for (const part of ['index', 'query', 'scoring'] as const) {
    const phase = phaseOf(part);
    if (!marked.has(phase))
      throw new UserError(
        `${where(m, 'infer')}: printed no "::kdbench phase ${Object.keys(RETRIEVAL_INFER_MARKERS).find((k) => RETRIEVAL_INFER_MARKERS[k as keyof typeof RETRIEVAL_INFER_MARKERS] === part)}::" line; each part of use is measured in its own phase`,
      );
    pending.push({ model: m.name, part, phase, round, items: items[part] });
  }
}
