/**
 * The size check before training: what a suite's models need in memory (parameters, gradients and
 * Adam's two moments, activations of one training batch, the largest inference batch, the data)
 * against what this machine can give (its memory, a cgroup limit, the backend's own heap), and the
 * number of phases it will mark against the run's limit. A suite that cannot fit is refused before
 * anything starts, with the numbers in the message, instead of failing minutes later with a stack.
 *
 * Estimates, not exact figures: float32 tensors, the tensors an op keeps for its gradient counted
 * once. Each model kind has its own entry in SIZE_MODELS; a kind without one is not checked (and
 * says so), so that new kinds can be added without touching the rest.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { UserError } from '../../core/errors.js';
import { isTrainable, type ModelSpec, type Suite, type TrainableSpec } from '../../suites/types.js';
import { MAX_PHASES } from '../recorder.js';

const F32 = 4;

/** Parameters and activation floats of one kind of model, from its spec and the data's shape. */
interface SizeModel {
  params(spec: TrainableSpec, shape: Shape): number;
  /** Floats kept for the backward pass of one training batch. */
  trainActivations(spec: TrainableSpec, shape: Shape, batch: number): number;
  /** Floats alive at once in a forward pass of one inference batch. */
  inferActivations(spec: TrainableSpec, shape: Shape, batch: number): number;
}

interface Shape {
  vocabSize: number;
  seqLen: number;
  classes: number;
}

/** Per kind; a new model kind adds its entry here. */
export const SIZE_MODELS: Record<string, SizeModel> = {
  transformer: {
    params: (s, { vocabSize: v, seqLen: l, classes: c }) => {
      if (s.kind !== 'transformer') return 0;
      const { dModel: d, ffDim: f, layers } = s;
      return v * d + l * d + layers * (4 * d * d + 2 * d * f + 9 * d + f) + 2 * d + d * c + c;
    },
    // Per token and layer: layer norms, Q/K/V and their head-split copies, context, residuals (about 16 d),
    // the feed-forward and its GELU terms (about 6 ffDim), and 3 score matrices per head (3 h L).
    trainActivations: (s, { seqLen: l }, b) =>
      s.kind !== 'transformer' ? 0 : b * l * (s.layers * (16 * s.dModel + 6 * s.ffDim + 3 * s.heads * l) + 4 * s.dModel),
    inferActivations: (s, { seqLen: l }, b) => (s.kind !== 'transformer' ? 0 : b * l * (8 * s.dModel + 2 * s.ffDim + 2 * s.heads * l)),
  },
  'embedding-bag': {
    params: (s, { vocabSize: v, classes: c }) => {
      if (s.kind !== 'embedding-bag') return 0;
      const w = s.hidden > 0 ? s.hidden : s.dModel;
      return v * s.dModel + (s.hidden > 0 ? s.dModel * s.hidden + s.hidden : 0) + w * c + c;
    },
    trainActivations: (s, { seqLen: l }, b) => (s.kind !== 'embedding-bag' ? 0 : b * (3 * l * s.dModel + 2 * s.hidden)),
    inferActivations: (s, { seqLen: l }, b) => (s.kind !== 'embedding-bag' ? 0 : b * (2 * l * s.dModel + s.hidden)),
  },
  bilstm: {
    params: (s, { vocabSize: v, classes: c }) => {
      if (s.kind !== 'bilstm') return 0;
      const h = s.hidden;
      return v * s.dModel + 2 * (s.dModel * 4 * h + h * 4 * h + 4 * h) + 2 * h * c + c;
    },
    // Per token, both directions: the input projection, the gates and their activations, c and h.
    trainActivations: (s, { seqLen: l }, b) => (s.kind !== 'bilstm' ? 0 : b * l * (2 * s.dModel + 2 * 24 * s.hidden)),
    inferActivations: (s, { seqLen: l }, b) => (s.kind !== 'bilstm' ? 0 : b * (l * 8 * s.hidden + 12 * s.hidden)),
  },
};

/** What the data steps are known to produce for the datasets kdbench ships (classes, and how many examples at most). */
const DATASETS: Record<string, { classes: number; examples: (s: Suite) => number }> = {
  'spam-assassin': { classes: 2, examples: () => 6046 },
  // 1,161,192 words in the Brown corpus, cut into passages of passageWords words (default 100).
  'brown-genre': { classes: 15, examples: (s) => Math.ceil(1_161_192 / ((s.dataset as { passageWords?: number }).passageWords ?? 100)) },
};
/** Classes assumed for a dataset not in DATASETS (an upper bound for text classification suites). */
const UNKNOWN_CLASSES = 100;

/** What the machine can give, and why: the smallest of its memory, a cgroup limit and the backend's heap. */
export interface MemoryLimit {
  bytes: number;
  basis: string;
}

function cgroupLimit(): number | undefined {
  for (const f of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const v = Number(readFileSync(f, 'utf8').trim());
      if (Number.isFinite(v) && v > 0 && v < 2 ** 60) return v;
    } catch {
      /* no such limit here */
    }
  }
  return undefined;
}

/** The wasm backend's heap cannot grow past this (emscripten's getHeapMax in tfjs-backend-wasm 4.x: 4 GiB - 64 KiB). */
export const WASM_HEAP_MAX = 4294901760;

export function memoryLimit(backend: string | undefined, total = os.totalmem(), cgroup = cgroupLimit()): MemoryLimit {
  const parts = [{ bytes: total, what: `this machine's memory (${gb(total)})` }];
  if (cgroup !== undefined) parts.push({ bytes: cgroup, what: `the cgroup's memory limit (${gb(cgroup)})` });
  if (backend === 'wasm') parts.push({ bytes: WASM_HEAP_MAX, what: `the wasm backend's heap (at most ${gb(WASM_HEAP_MAX)})` });
  const min = parts.reduce((a, p) => (p.bytes < a.bytes ? p : a));
  return { bytes: min.bytes, basis: min.what };
}

const gb = (b: number) => (b >= 1e9 ? `${(b / 1e9).toFixed(1)} GB` : `${(b / 1e6).toFixed(0)} MB`);
const count = (n: number) =>
  n >= 1e9 ? `${(n / 1e9).toFixed(1)} B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)} k` : String(n);

export interface SizeEstimate {
  /** Bytes needed at the peak (the largest training, with every model's weights kept). */
  bytes: number;
  /** The parts, in words with numbers. */
  parts: string[];
  /** Parameters per trainable model. */
  params: { name: string; kind: string; params: number }[];
  /** Phases the run will mark. */
  phases: number;
  /** Kinds not estimated (no entry in SIZE_MODELS). */
  unchecked: string[];
}

/** Estimates the memory and phases of a suite as it will run (after --quick). */
export function estimateSuite(suite: Suite, repeats: number): SizeEstimate {
  const ds = DATASETS[suite.dataset.name];
  const corpus = ds?.examples(suite);
  const examples = Math.min(suite.dataset.maxExamples ?? corpus ?? 0, corpus ?? Infinity);
  // A retrieval model's output is its embedding (retrieval.embeddingDim wide), not a row of class logits.
  const outputs = suite.task === 'retrieval' && suite.retrieval ? suite.retrieval.embeddingDim : (ds?.classes ?? UNKNOWN_CLASSES);
  const shape: Shape = { vocabSize: suite.dataset.vocabSize, seqLen: suite.dataset.seqLen, classes: outputs };
  const all: ModelSpec[] = [suite.teacher, ...suite.students];
  const trainable = all.filter(isTrainable);
  const unchecked = [...new Set(trainable.filter((m) => !SIZE_MODELS[m.kind]).map((m) => m.kind))];
  const sized = trainable.filter((m) => SIZE_MODELS[m.kind]);
  const params = sized.map((m) => ({ name: m.name, kind: m.kind, params: SIZE_MODELS[m.kind].params(m, shape) }));
  // Every student is trained again for each control (one, or as many as its `controls`); all models stay in memory until the end.
  const students = suite.students
    .filter(isTrainable)
    .flatMap((m) => Array.from({ length: m.kind === 'transformer' ? (m.controls?.length ?? 1) : 1 }, () => m));
  const weightsParams =
    params.reduce((a, p) => a + p.params, 0) + students.reduce((a, m) => a + (SIZE_MODELS[m.kind]?.params(m, shape) ?? 0), 0);
  const weights = F32 * weightsParams;
  let peakTrain = 0;
  let peakWhat = '';
  for (const m of sized) {
    const p = SIZE_MODELS[m.kind].params(m, shape);
    const act = SIZE_MODELS[m.kind].trainActivations(m, shape, m.train.batchSize);
    const bytes = F32 * (3 * p + act);
    if (bytes > peakTrain) {
      peakTrain = bytes;
      peakWhat = `training ${m.name} (${m.kind}, ${count(p)} parameters): gradients and Adam state ${gb(F32 * 3 * p)}, activations of a batch of ${m.train.batchSize} x ${shape.seqLen} tokens ${gb(F32 * act)}`;
    }
  }
  const maxBatch = Math.max(...suite.inference.batchSizes, 128);
  let peakInfer = 0;
  let inferWhat = '';
  for (const m of sized) {
    const bytes = F32 * SIZE_MODELS[m.kind].inferActivations(m, shape, maxBatch);
    if (bytes > peakInfer) {
      peakInfer = bytes;
      inferWhat = `inference of ${m.name} at batch ${maxBatch}: ${gb(bytes)}`;
    }
  }
  // Token ids of every example (int32), the teacher's logits on the training split; the transfer set's synthetic examples too.
  const data = (examples + (suite.distillation.transferSet?.size ?? 0)) * (shape.seqLen * 4 + shape.classes * F32);
  const parts = [
    `weights of all ${trainable.length + students.length} trained models ${gb(weights)} (${count(weightsParams)} parameters, 4 bytes each)`,
    ...(peakWhat ? [peakWhat] : []),
    ...(inferWhat && peakInfer > peakTrain ? [inferWhat] : []),
    `data ${gb(data)} (${count(examples)} examples x ${shape.seqLen} tokens)`,
  ];
  const batchPhases = (trainable.length + students.length + all.length - trainable.length) * suite.inference.batchSizes.length * repeats;
  const seedPhases = (Math.max(1, suite.trainSeeds ?? 1) - 1) * (suite.students.filter(isTrainable).length + students.length);
  const phases = 6 + trainable.length + students.length + (all.length - trainable.length) + batchPhases + seedPhases;
  return { bytes: weights + Math.max(peakTrain, peakInfer) + data, parts, params, phases, unchecked };
}

/**
 * Refuses, before anything starts, a suite that cannot fit in `limit` or would mark more phases than
 * a run records. Returns the estimate (for the log line).
 */
export function checkSuiteSize(suite: Suite, repeats: number, limit: MemoryLimit): SizeEstimate {
  const e = estimateSuite(suite, repeats);
  if (e.phases > MAX_PHASES)
    throw new UserError(
      `suite "${suite.name}": would mark ${e.phases.toLocaleString('en-US')} phases (models x inference.batchSizes x ${repeats} repeats, plus training), more than the ${MAX_PHASES.toLocaleString('en-US')} a run records; use fewer batch sizes or repeats`,
    );
  if (e.bytes > limit.bytes)
    throw new UserError(
      `suite "${suite.name}": too large for this machine: it needs about ${gb(e.bytes)} (${e.parts.join('; ')}), more than ${limit.basis}. ` +
        `Make the models, vocabSize, seqLen or the batch sizes smaller${limit.basis.includes('wasm') ? ', or use --backend tensorflow (memory outside the wasm heap)' : ''}`,
    );
  return e;
}
