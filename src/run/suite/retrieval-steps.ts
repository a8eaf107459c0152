/**
 * A `task: retrieval` suite as steps of the one suite run (index.ts calls retrievalSteps after the idle baseline):
 *   data-preparation -> teacher-training (in-batch negatives) -> teacher-embeddings (the teacher's embeddings
 *   of the training queries and documents, shared by every student) -> distillation:STUDENT-mse / -kl ->
 *   control-training:STUDENT-control (in-batch negatives, no teacher) -> evaluation (ranks of every test
 *   query over the index, metrics with bootstrap intervals over queries) -> the energy of use
 *   (retrieval-bench.ts: index encoding, query encoding, scoring, in interleaved rounds).
 * Every model is a bi-encoder: a kdbench text model whose output of width retrieval.embeddingDim is the embedding,
 * or an hf-onnx sentence encoder (hf-onnx-encoder.ts) of its own width and tokenizer, loaded (phase loading:NAME)
 * instead of trained: as the teacher it replaces teacher-training, and its embeddings are the students' targets.
 * A suite of command models (suites/retrieval.ts: all or none) goes through retrieval-commands.ts after data-preparation.
 */
import type { ModelRecord, RetrievalComparisonRecord, RetrievalMetricsRecord, RunJson } from '../../core/contract.js';
import { deriveSeed } from '../../core/random.js';
import { prepareRetrieval, type PreparedRetrieval } from '../../distillation/data/retrieval.js';
import { buildModel } from '../../distillation/models/build.js';
import { trainRetrieval } from '../../distillation/retrieval/train.js';
import type { RetrievalDistillation, RetrievalLossConfig } from '../../distillation/retrieval/loss.js';
import { perQuery, ranksOf, retrievalScores, RETRIEVAL_METRICS, type RetrievalMetric } from '../../distillation/retrieval/metrics.js';
import { bootstrapPairedMeanDiffCI, intervalWarning } from '../../benchmark/stats.js';
import type { Correctness } from '../../benchmark/aggregate.js';
import { isTrainable, type TrainableSpec } from '../../suites/types.js';
import { DEFAULT_RETRIEVAL_METRICS } from '../../suites/retrieval.js';
import { retrievalBench, retrievalCosts, type PendingCost } from './retrieval-bench.js';
import type { SuiteStepContext } from './types.js';
import { join } from 'node:path';
import type { CommandModelSpec } from '../../suites/types.js';
import {
  evaluateRetrievalCommand,
  inferRetrievalCommand,
  trainRetrievalCommand,
  writeRetrievalJsonl,
  type RetrievalCommand,
  type RetrievalCommandShared,
} from './retrieval-commands.js';
import { tfjsRetrievalModel, type RetrievalData, type RetrievalModel } from './retrieval-types.js';
import { checkTeacherWidth, HfOnnxEncoderModel } from './hf-onnx-encoder.js';

export type { RetrievalData, RetrievalModel } from './retrieval-types.js';

/** Runs every step; what run.json gets beyond models and phases is added at finalisation (amend), so a run stopped half-way keeps it. */
export async function retrievalSteps(
  s: SuiteStepContext,
  repeats: number,
  correct: Correctness,
  found: { testGroups?: string[] } = {},
): Promise<void> {
  const { run, suite } = s;
  const spec = suite.retrieval!;
  const methods = spec.distillation ?? ['mse', 'kl'];
  const pending: PendingCost[] = [];
  const perQueryByModel = new Map<string, Record<RetrievalMetric, number[]>>();
  const prepared: { data?: PreparedRetrieval } = {};
  const commands = suite.teacher.kind === 'command';
  run.amend((r) =>
    amendRetrieval(r, s, commands ? [] : methods, pending, perQueryByModel, prepared.data, commands ? COMMAND_SCORING : undefined),
  );

  await run.phase('data-preparation');
  const data = prepareRetrieval(suite.dataset, suite.seed, spec.querySeqLen);
  prepared.data = data;
  found.testGroups = data.testGroups;
  run.records.dataset = data.record;
  if (commands) return commandSteps(s, data, repeats, correct, pending, perQueryByModel);
  run.progress.log(
    `data: ${data.train.n} training pairs, ${data.test.n} test queries against an index of ${data.test.n} documents; vocabulary ${data.vocab.tokens.length}; ${spec.querySeqLen} tokens a query, ${suite.dataset.seqLen} a document (${Object.entries(
      data.record.excluded,
    )
      .map(([k, v]) => `${v} left out: ${k}`)
      .join(', ')})`,
  );
  const d: RetrievalData = {
    data,
    shape: { vocabSize: data.vocab.tokens.length, seqLen: suite.dataset.seqLen, classes: spec.embeddingDim },
    embeddingDim: spec.embeddingDim,
  };
  const loss: RetrievalLossConfig = {
    scale: spec.scale ?? 20,
    temperature: suite.distillation.temperature,
    softWeight: suite.distillation.softWeight,
    hardWeight: suite.distillation.hardWeight,
  };

  const hf: HfOnnxEncoderModel[] = [];
  try {
    await encoderSteps(s, d, loss, methods, repeats, correct, pending, perQueryByModel, hf);
  } finally {
    for (const m of hf) await m.dispose().catch(() => undefined);
  }
}

/**
 * The bi-encoder steps: the teacher (trained in TensorFlow.js, or an hf-onnx encoder loaded), its embeddings
 * of the training pairs, the TensorFlow.js students distilled from them, the hf-onnx students loaded, the
 * controls, the evaluation and the energy of use. Loaded hf-onnx encoders go into `hf` (disposed by the caller).
 */
async function encoderSteps(
  s: SuiteStepContext,
  d: RetrievalData,
  loss: RetrievalLossConfig,
  methods: RetrievalDistillation[],
  repeats: number,
  correct: Correctness,
  pending: PendingCost[],
  perQueryByModel: Map<string, Record<RetrievalMetric, number[]>>,
  hf: HfOnnxEncoderModel[],
): Promise<void> {
  const { run, suite } = s;
  const spec = suite.retrieval!;
  const { data } = d;
  const trainable = suite.students.filter(isTrainable);
  let teacher: RetrievalModel;
  if (suite.teacher.kind === 'hf-onnx') {
    const t = await HfOnnxEncoderModel.load(s, data, suite.teacher, 'teacher', 'teacher');
    hf.push(t);
    checkTeacherWidth(t.dim, spec, methods, t.name, trainable.length);
    teacher = t;
  } else {
    const teacherSpec = suite.teacher as TrainableSpec;
    teacher = await trainOne(s, d, loss, { spec: teacherSpec, name: teacherSpec.name, role: 'teacher', phase: 'teacher-training' });
  }
  run.check();

  const students: RetrievalModel[] = [];
  const controls: RetrievalModel[] = [];
  if (trainable.length > 0) {
    await run.phase('teacher-embeddings', teacher.name);
    const tq = await teacher.encode('train', 'queries', 0, data.train.n, 128);
    const td = await teacher.encode('train', 'docs', 0, data.train.n, 128);
    run.check();
    for (const st of trainable) {
      for (const method of methods) {
        const name = `${st.name}-${method}`;
        const m = await trainOne(s, d, loss, {
          spec: st,
          name,
          role: 'student',
          phase: `distillation:${name}`,
          teacher: { queries: tq, docs: td, dim: teacher.dim, method },
          pairedWith: teacher.name,
          method,
        });
        students.push(m);
      }
    }
  }
  for (const [i, st] of suite.students.entries()) {
    if (st.kind !== 'hf-onnx') continue;
    const m = await HfOnnxEncoderModel.load(s, data, st, 'student', `students[${i}]`);
    hf.push(m);
    students.push(m);
    run.check();
  }
  for (const st of trainable) {
    const name = `${st.name}-control`;
    const c = await trainOne(s, d, loss, {
      spec: st,
      name,
      role: 'control',
      phase: `control-training:${name}`,
      pairedWith: students.find((x) => x.name.startsWith(`${st.name}-`))?.name ?? st.name,
    });
    controls.push(c);
  }

  const models = [teacher, ...students, ...controls];
  await run.phase('evaluation');
  const queryEmb = new Map<string, Float32Array>();
  for (const m of models) {
    const { rec, per, queries } = await evaluateOne(s, d, m);
    perQueryByModel.set(m.name, per);
    queryEmb.set(m.name, queries);
    correct.set(m.name, Uint8Array.from(per['recall@1']));
    run.records.models.push(rec);
    const r = rec.retrieval!.metrics;
    run.progress.log(
      `${rec.name} (${rec.role}${rec.kind === 'hf-onnx' ? ', hf-onnx, not trained in this run' : ''}): recall@1 ${pct(r['recall@1'])}, recall@10 ${pct(r['recall@10'])}, MRR@10 ${r['mrr@10'].toFixed(4)}, nDCG@10 ${r['ndcg@10'].toFixed(4)}, ${rec.params.toLocaleString('en-US')} params`,
    );
    run.check();
  }
  await retrievalBench(s, d, models, queryEmb, repeats, pending);
}

const COMMAND_SCORING = "the command's own (its infer step's scoring phase); see each model's runtime.command";

/**
 * A suite of command models (retrieval-commands.ts): the data as JSONL, then teacher, students and their
 * controls trained by their commands, each evaluated, then the infer step of each in interleaved rounds.
 */
async function commandSteps(
  s: SuiteStepContext,
  data: PreparedRetrieval,
  repeats: number,
  correct: Correctness,
  pending: PendingCost[],
  perQueryByModel: Map<string, Record<RetrievalMetric, number[]>>,
): Promise<void> {
  const { run, suite } = s;
  const shared: RetrievalCommandShared = { dataFile: join(run.dir, 'data', `${data.dataset.name}.jsonl`) };
  writeRetrievalJsonl(data, shared.dataFile);
  run.progress.log(`data for commands: ${shared.dataFile} (${data.train.n} training pairs, ${data.test.n} test pairs)`);
  const spec = suite.teacher as CommandModelSpec;
  const blank = (): ModelRecord['training'] => ({ epochs: NaN, steps: NaN, phase: '', finalLoss: NaN });
  const teacher: RetrievalCommand = { spec, name: spec.name, role: 'teacher', path: 'teacher', facts: {}, training: blank() };
  shared.teacher = { name: spec.name, dir: join(run.dir, 'models', spec.name) };
  if (spec.train) await trainRetrievalCommand(s, teacher, shared, 'train', 'teacher-training');
  else run.progress.log(`${spec.name}: no "train" step: a teacher trained before this run`);
  run.check();
  const students: RetrievalCommand[] = [];
  for (const [i, st] of suite.students.entries()) {
    const c = st as CommandModelSpec;
    const m: RetrievalCommand = {
      spec: c,
      name: c.name,
      role: 'student',
      path: `students[${i}]`,
      ...(c.distil ? { pairedWith: teacher.name } : {}),
      facts: {},
      training: blank(),
    };
    if (c.distil) await trainRetrievalCommand(s, m, shared, 'distil', `distillation:${c.name}`);
    else run.progress.log(`${c.name}: no "distil" step: a student trained before this run`);
    students.push(m);
    run.check();
  }
  const controls: RetrievalCommand[] = [];
  for (const st of students) {
    if (!st.spec.control) continue;
    const name = `${st.name}-control`;
    const c: RetrievalCommand = { ...st, name, role: 'control', pairedWith: st.name, facts: {}, training: blank() };
    await trainRetrievalCommand(s, c, shared, 'control', `control-training:${name}`);
    controls.push(c);
    run.check();
  }
  const models = [teacher, ...students, ...controls];
  for (const m of models) {
    const { record, per } = await evaluateRetrievalCommand(s, m, shared, data.test.n);
    if (per) {
      perQueryByModel.set(m.name, per);
      correct.set(m.name, Uint8Array.from(per['recall@1']));
    }
    run.records.models.push(record);
    const r = record.retrieval!.metrics;
    run.progress.log(
      `${record.name} (${record.role}, command): recall@1 ${pct(r['recall@1'] ?? NaN)}, recall@10 ${pct(r['recall@10'] ?? NaN)}, MRR@10 ${(r['mrr@10'] ?? NaN).toFixed(4)}${per ? '' : ' (no ranks: no intervals, no paired comparisons)'}`,
    );
    run.check();
  }
  run.progress.begin(
    `retrieval energy (commands): index, queries, scoring${repeats > 1 ? ` (${repeats} interleaved rounds)` : ''}`,
    repeats * models.length,
  );
  let done = 0;
  for (let round = 1; round <= repeats; round++)
    for (const m of models) {
      await inferRetrievalCommand(s, m, shared, round, pending);
      run.progress.update(++done, `${m.name} r${round}`);
    }
  run.progress.end();
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

async function trainOne(
  s: SuiteStepContext,
  d: RetrievalData,
  loss: RetrievalLossConfig,
  m: {
    spec: TrainableSpec;
    name: string;
    role: ModelRecord['role'];
    phase: string;
    teacher?: { queries: Float32Array; docs: Float32Array; dim: number; method: RetrievalDistillation };
    pairedWith?: string;
    method?: RetrievalDistillation;
  },
): Promise<RetrievalModel> {
  const { run, suite } = s;
  await run.phase(m.phase, m.name);
  // A student and its control share their initial weights and their batches: only the loss differs.
  const seedKey = m.role === 'teacher' ? m.name : m.spec.name;
  const model = buildModel(m.spec, m.name, d.shape, deriveSeed(suite.seed, `model:${seedKey}`));
  s.keep(model);
  const steps = Math.max(1, Math.floor(d.data.train.n / m.spec.train.batchSize)) * m.spec.train.epochs;
  run.progress.begin(`${m.phase} ${m.name} (${model.paramCount().toLocaleString('en-US')} params)`, steps);
  const result = await trainRetrieval(model, d.data.train, m.spec.train, {
    seed: deriveSeed(suite.seed, `batches:${seedKey}`),
    loss,
    teacher: m.teacher,
    onStep: (step, _total, l) => {
      run.progress.update(step, `loss ${l.toFixed(4)}`);
      run.check();
    },
  });
  run.progress.end(`loss ${result.finalLoss.toFixed(4)}`);
  return tfjsRetrievalModel(model, d, {
    role: m.role,
    training: { epochs: result.epochs, steps: result.steps, phase: m.phase, finalLoss: result.finalLoss },
    ...(m.pairedWith ? { pairedWith: m.pairedWith } : {}),
    ...(m.method ? { method: m.method } : {}),
  });
}

/** Ranks of every test query over the index (the test documents), the metrics and their bootstrap intervals over queries. */
async function evaluateOne(
  s: SuiteStepContext,
  d: RetrievalData,
  m: RetrievalModel,
): Promise<{ rec: ModelRecord; per: Record<RetrievalMetric, number[]>; queries: Float32Array }> {
  const { test } = d.data;
  const dim = m.dim;
  const index = await m.encode('test', 'docs', 0, test.n, m.evalBatchSize ?? 128);
  const queries = await m.encode('test', 'queries', 0, test.n, m.evalBatchSize ?? 128);
  const ranks = ranksOf(
    queries,
    index,
    dim,
    Int32Array.from({ length: test.n }, (_, i) => i),
  );
  const metrics = retrievalScores(ranks);
  const per = Object.fromEntries(RETRIEVAL_METRICS.map((k) => [k, Array.from(perQuery(k, ranks))])) as Record<RetrievalMetric, number[]>;
  const zeros = new Array<number>(test.n).fill(0);
  const ci95 = Object.fromEntries(
    RETRIEVAL_METRICS.map((k, i) => [
      k,
      bootstrapPairedMeanDiffCI(per[k], zeros, {
        seed: deriveSeed(s.suite.seed, `retrieval-ci:${m.name}:${i}`),
        ...(d.data.testGroups ? { clusters: d.data.testGroups } : {}),
      }),
    ]),
  ) as Record<string, [number, number]>;
  const retrieval: RetrievalMetricsRecord = { metrics, ci95, queries: test.n, indexDocuments: test.n, embeddingDim: dim };
  const { kind, params, architecture, ...rest } = m.facts();
  const rec: ModelRecord = {
    name: m.name,
    role: m.role,
    kind,
    params,
    // In a retrieval suite accuracy is recall@1 (the share of queries whose document ranks first); macro-F1 has no meaning (null in run.json).
    accuracy: metrics['recall@1'],
    macroF1: NaN,
    ...(m.pairedWith ? { pairedWith: m.pairedWith } : {}),
    architecture,
    training: m.training,
    ...rest,
    retrieval,
  };
  return { rec, per, queries };
}

/** Paired differences over queries (a - b) on every metric: each student against the teacher and its control. */
export function retrievalComparisons(
  models: Pick<ModelRecord, 'name' | 'role' | 'pairedWith'>[],
  per: Map<string, Record<RetrievalMetric, number[]>>,
  seed: number,
  groups?: string[],
): RetrievalComparisonRecord[] {
  const out: RetrievalComparisonRecord[] = [];
  const teacher = models.find((m) => m.role === 'teacher');
  for (const st of models.filter((m) => m.role === 'student')) {
    const control = models.find(
      (m) => m.role === 'control' && (m.pairedWith === st.name || st.name.startsWith(`${m.name.replace(/-control$/, '')}-`)),
    );
    for (const b of [teacher, control]) {
      if (!b) continue;
      const pa = per.get(st.name);
      const pb = per.get(b.name);
      if (!pa || !pb) continue;
      RETRIEVAL_METRICS.forEach((metric, i) => {
        const a = pa[metric];
        const bb = pb[metric];
        const estimate = a.reduce((x, y) => x + y, 0) / a.length - bb.reduce((x, y) => x + y, 0) / bb.length;
        const ci95 = bootstrapPairedMeanDiffCI(a, bb, {
          seed: deriveSeed(seed, `retrieval-cmp:${st.name}:${b.name}:${i}`),
          ...(groups ? { clusters: groups } : {}),
        });
        const warning = intervalWarning(ci95, estimate, 0);
        out.push({
          metric,
          a: st.name,
          b: b.name,
          estimate,
          ...(Number.isFinite(ci95[0]) ? { ci95 } : {}),
          n: a.length,
          ...(warning ? { warning } : {}),
        });
      });
    }
  }
  return out;
}

function amendRetrieval(
  r: RunJson,
  s: SuiteStepContext,
  methods: RetrievalDistillation[],
  pending: PendingCost[],
  per: Map<string, Record<RetrievalMetric, number[]>>,
  data: PreparedRetrieval | undefined,
  scoring?: string,
): RunJson {
  const spec = s.suite.retrieval!;
  const dotProduct = r.models.filter((m) => (m.architecture as { normalize?: boolean }).normalize === false).map((m) => m.name);
  const distillation = Object.fromEntries(
    r.models
      .filter((m) => m.role === 'student' && (m.architecture as { distillation?: string }).distillation !== undefined)
      .map((m) => [m.name, String((m.architecture as { distillation?: string }).distillation)]),
  );
  return {
    ...r,
    retrieval: {
      metrics: spec.metrics ?? DEFAULT_RETRIEVAL_METRICS,
      queries: data?.test.n ?? 0,
      indexDocuments: data?.test.n ?? 0,
      queryBatchSize: spec.queryBatchSize ?? 32,
      scoring:
        scoring ??
        `brute force: cosine of L2-normalised embeddings against every index document (one matrix product), top 10 by tf.topk, on the run backend${dotProduct.length ? ` (by dot product of embeddings not normalised: ${dotProduct.join(', ')}, normalize: false)` : ''}`,
      ...(methods.length ? { distillation } : {}),
      costs: retrievalCosts(r, pending),
      comparisons: retrievalComparisons(r.models, per, s.suite.seed, data?.testGroups),
    },
  };
}
