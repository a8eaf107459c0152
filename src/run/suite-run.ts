import { basename, dirname, join, relative, resolve } from 'node:path';
import { statSync } from 'node:fs';
import { InterruptedError } from '../core/errors.js';
import { selectBackend, tf } from '../distillation/backend.js';
import { prepareData, type PreparedData } from '../distillation/data/prepare.js';
import { buildModel } from '../distillation/models/build.js';
import { loadSavedModel, saveModel } from '../distillation/models/io.js';
import { resolveTeacherPath } from '../distillation/models/reuse.js';
import type { TextClassifier } from '../distillation/models/types.js';
import { predictLogits, train } from '../distillation/train.js';
import { accuracy, argmaxRows, macroF1 } from '../distillation/metrics.js';
import { deriveSeed } from '../core/random.js';
import { benchmarkInference } from '../benchmark/inference.js';
import { tfjsBatchRunner } from '../distillation/infer.js';
import { inferenceSchedule } from '../benchmark/schedule.js';
import { aggregateInference, compareModels, type Correctness } from '../benchmark/aggregate.js';
import { probeAll, selectSources } from '../measurement/select.js';
import type { PreparedCarbon } from '../carbon/index.js';
import type { LoadedSuite, ModelSpec, Suite, TrainableSpec } from '../suites/types.js';
import { effectiveSuite } from '../suites/load.js';
import type { ProgressSink } from './progress.js';
import { collectEnvironment, gpuInventory } from './environment.js';
import { RunRecorder } from './recorder.js';
import { writeJsonAtomic } from '../core/files.js';
import type { ModelRecord, ModelRole, RunJson } from '../core/contract.js';

export interface SuiteRunOptions {
  loaded: LoadedSuite;
  quick: boolean;
  dir: string;
  backend?: string;
  carbon: PreparedCarbon;
  intervalMs: number;
  argv: string[];
  reproduce: string;
  progress: ProgressSink;
  /** --repeats: interleaved rounds of the inference benchmarks (default: the suite's, else 1). */
  repeats?: number;
  /** --teacher: a saved teacher (model folder, model.json or a run directory) used instead of training one. */
  teacherPath?: string;
}

interface Trained {
  model: TextClassifier;
  role: ModelRole;
  spec: ModelSpec;
  pairedWith?: string;
  training: ModelRecord['training'];
  reusedFrom?: string;
}

/** Ctrl-C and SIGTERM set a flag that the run checks between steps; a second signal exits at once. */
function watchSignals(): { check(): void; dispose(): void } {
  let got: string | undefined;
  const handler = (sig: NodeJS.Signals) => {
    if (got) process.exit(130);
    got = sig;
    process.stderr.write(`\n[kdbench] ${sig}: stopping after the current step and writing the partial run (again to quit at once)\n`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    check: () => {
      if (got) throw new InterruptedError(got);
    },
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/**
 * Runs a suite end to end: idle baseline, data, teacher, distilled students, controls, evaluation,
 * saving and inference benchmarks, each as a measured phase. Whatever happens, run.json is written.
 */
export async function runSuite(opts: SuiteRunOptions): Promise<RunJson> {
  const suite: Suite = effectiveSuite(opts.loaded.suite, opts.quick);
  const progress = opts.progress;
  const repeats = opts.repeats ?? suite.inference.repeats ?? 1;
  const teacherPath = opts.teacherPath ? resolveTeacherPath(opts.teacherPath) : undefined;
  const backend = await selectBackend(opts.backend);
  progress.log(`tfjs backend: ${backend.name}${backend.skipped.length ? ` (not used: ${backend.skipped.join('; ')})` : ''}`);
  const probes = probeAll();
  const selection = selectSources({ intervalMs: opts.intervalMs, probes });
  const environment = await collectEnvironment({ backend: backend.name, gpus: gpuInventory(probes) });
  environment.tfjsBackendsSkipped = backend.skipped;
  if (teacherPath) environment.teacherReusedFrom = teacherPath;
  environment.inferenceRepeats = repeats;
  const rec = await RunRecorder.begin({
    dir: opts.dir,
    kind: 'suite',
    argv: opts.argv,
    reproduce: opts.reproduce,
    suite: { name: suite.name, file: basename(opts.loaded.file), sha256: opts.loaded.sha256, seed: suite.seed, quick: opts.quick },
    environment: { ...environment, suiteConfig: suite },
    intervalMs: opts.intervalMs,
    sources: selection.sources,
    notes: selection.notes,
    carbon: opts.carbon,
  });
  for (const n of selection.notes) progress.log(n);
  const signals = watchSignals();
  const models: Trained[] = [];
  const correct: Correctness = new Map();
  try {
    const baselineS = suite.baseline?.seconds ?? 3;
    progress.log(`idle baseline: ${baselineS} s`);
    await rec.baseline(baselineS);
    signals.check();

    rec.phase('data-preparation');
    const data = prepareData(suite.dataset, suite.seed);
    rec.dataset = data.record;
    progress.log(
      `data: ${data.train.n} training and ${data.test.n} test examples, vocabulary ${data.vocab.tokens.length}, ${suite.dataset.seqLen} tokens each`,
    );
    const shape = { vocabSize: data.vocab.tokens.length, seqLen: suite.dataset.seqLen, classes: data.dataset.classes.length };
    const input = { tokens: data.vocab.tokens, classes: data.dataset.classes, seqLen: suite.dataset.seqLen };

    const loadOne = (path: string, name: string, role: ModelRole, spec: ModelSpec): Trained => {
      rec.phase(`loading:${name}`, name);
      const loaded = loadSavedModel(path, name, input);
      const tr = loaded.json.training as Partial<ModelRecord['training']> | undefined;
      const t: Trained = {
        model: loaded.model,
        role,
        spec,
        reusedFrom: loaded.file,
        training: { epochs: tr?.epochs ?? 0, steps: tr?.steps ?? 0, phase: `loading:${name}`, finalLoss: tr?.finalLoss ?? NaN },
      };
      progress.log(`${name}: loaded from ${loaded.file} (not trained in this run; ${t.model.paramCount().toLocaleString('en-US')} params)`);
      models.push(t);
      return t;
    };

    const trainOne = async (
      spec: TrainableSpec,
      name: string,
      role: ModelRole,
      phase: string,
      teacherLogits?: Float32Array,
    ): Promise<Trained> => {
      rec.phase(phase, name);
      // A student and its control start from the same weights and see the same batches: only the loss differs.
      const seed = deriveSeed(suite.seed, `model:${role === 'teacher' ? name : spec.name}`);
      const model = buildModel(spec, name, shape, seed);
      const steps = Math.ceil(data.train.n / spec.train.batchSize) * spec.train.epochs;
      progress.begin(`${phase} ${name} (${model.paramCount().toLocaleString('en-US')} params)`, steps);
      const result = await train(model, data.train, spec.train, {
        seed: deriveSeed(suite.seed, `batches:${role === 'teacher' ? name : spec.name}`),
        teacherLogits,
        loss: teacherLogits ? suite.distillation : undefined,
        onStep: (step, _total, loss) => {
          progress.update(step, loss === undefined ? '' : `loss ${loss.toFixed(4)}`);
          signals.check();
        },
      });
      progress.end(`loss ${result.finalLoss.toFixed(4)}`);
      const t: Trained = {
        model,
        role,
        spec,
        training: { epochs: result.epochs, steps: result.steps, phase, finalLoss: result.finalLoss },
      };
      models.push(t);
      return t;
    };

    const suiteDir = dirname(opts.loaded.file);
    const tSpec = suite.teacher;
    const teacher = teacherPath
      ? loadOne(teacherPath, tSpec.name, 'teacher', tSpec)
      : tSpec.kind === 'saved'
        ? loadOne(resolve(suiteDir, tSpec.path), tSpec.name, 'teacher', tSpec)
        : await trainOne(tSpec, tSpec.name, 'teacher', 'teacher-training');
    signals.check();

    const trainable = suite.students.filter((s): s is TrainableSpec => s.kind !== 'saved');
    if (trainable.length > 0) {
      // The teacher's logits on the training set, once for all students: part of the cost of distillation.
      rec.phase('teacher-logits', teacher.model.name);
      progress.log(`${teacher.model.name}: logits on the training set`);
      const teacherLogits = await predictLogits(teacher.model, data.train, 128);
      signals.check();
      for (const s of trainable) {
        const st = await trainOne(s, s.name, 'student', `distillation:${s.name}`, teacherLogits);
        st.pairedWith = teacher.model.name;
      }
      for (const s of trainable) {
        const c = await trainOne(s, `${s.name}-control`, 'control', `control-training:${s.name}-control`);
        c.pairedWith = s.name;
      }
    }
    for (const s of suite.students) if (s.kind === 'saved') loadOne(resolve(suiteDir, s.path), s.name, 'student', s);

    rec.phase('evaluation');
    for (const m of models) {
      const logits = await predictLogits(m.model, data.test, 128);
      const pred = argmaxRows(logits, shape.classes);
      correct.set(
        m.model.name,
        Uint8Array.from(pred, (p, i) => (p === data.test.labels[i] ? 1 : 0)),
      );
      const rec1: ModelRecord = {
        name: m.model.name,
        role: m.role,
        kind: m.model.kind,
        params: m.model.paramCount(),
        accuracy: accuracy(pred, data.test.labels),
        macroF1: macroF1(pred, data.test.labels, shape.classes),
        ...(m.pairedWith ? { pairedWith: m.pairedWith } : {}),
        architecture: m.model.architecture,
        training: m.training,
        ...(m.reusedFrom ? { reusedFrom: m.reusedFrom } : {}),
      };
      rec.models.push(rec1);
      progress.log(
        `${rec1.name} (${rec1.role}): accuracy ${(rec1.accuracy * 100).toFixed(2)} %, macro-F1 ${rec1.macroF1.toFixed(4)}, ${rec1.params.toLocaleString('en-US')} params`,
      );
      signals.check();
    }

    rec.phase('saving-models');
    for (const m of models) {
      const dir = join(opts.dir, 'models', m.model.name);
      await saveModel(m.model, dir, input, { ...m.training, role: m.role, suite: suite.name, seed: suite.seed, quick: opts.quick });
      const r = rec.models.find((x) => x.name === m.model.name)!;
      r.savedTo = relative(opts.dir, dir);
      r.sizeBytes = statSync(join(dir, 'weights.bin')).size;
    }
    progress.log(
      `models saved under ${join(opts.dir, 'models')} (tfjs weights format; reuse a teacher with --teacher ${join(opts.dir, 'models', teacher.model.name)})`,
    );

    await benchmarkAll(rec, models, data, suite, repeats, progress, signals.check);
    rec.endPhase();
    const run = await rec.finish('completed');
    return finalize(opts.dir, run, correct, suite.seed, data.testGroups);
  } catch (e) {
    const status = e instanceof InterruptedError ? 'interrupted' : 'failed';
    const phase = rec.currentPhase();
    const run = await rec.finish(status, { message: (e as Error).message, ...(phase ? { phase } : {}) });
    try {
      finalize(opts.dir, run, correct, suite.seed);
    } catch {
      /* run.json as the recorder wrote it stands; the original error matters more */
    }
    throw e;
  } finally {
    signals.dispose();
    for (const m of models) m.model.dispose();
    tf.disposeVariables();
  }
}

/** Folds repeated rounds into medians with intervals, adds the comparisons, and rewrites run.json. */
function finalize(dir: string, run: RunJson, correct: Correctness, seed: number, testGroups?: string[]): RunJson {
  const inference = aggregateInference(run.inference, seed);
  const comparisons = compareModels(run.models, inference, correct, seed, testGroups);
  const out: RunJson = { ...run, inference, ...(comparisons.length ? { comparisons } : {}) };
  writeJsonAtomic(join(dir, 'run.json'), out);
  return out;
}

async function benchmarkAll(
  rec: RunRecorder,
  models: Trained[],
  data: PreparedData,
  suite: Suite,
  repeats: number,
  progress: ProgressSink,
  check: () => void,
): Promise<void> {
  const byName = new Map(models.map((m) => [m.model.name, m.model]));
  const schedule = inferenceSchedule([...byName.keys()], suite.inference.batchSizes, repeats);
  progress.begin(`inference benchmarks${repeats > 1 ? ` (${repeats} interleaved rounds)` : ''}`, schedule.length);
  let done = 0;
  for (const slot of schedule) {
    const model = byName.get(slot.model)!;
    rec.phase(slot.phase, slot.model);
    const r = await benchmarkInference(tfjsBatchRunner(model, data.test, slot.batchSize), suite.inference.timeMs);
    rec.inference.push({
      model: slot.model,
      batchSize: slot.batchSize,
      phase: slot.phase,
      inferences: r.inferences,
      latencyMsP50: r.latencyMsP50,
      latencyMsP99: r.latencyMsP99,
      latencyMsMean: r.latencyMsMean,
      throughputPerS: r.throughputPerS,
    });
    progress.update(++done, `${slot.model} b${slot.batchSize}${repeats > 1 ? ` r${slot.round}` : ''}: ${r.throughputPerS.toFixed(0)}/s`);
    check();
  }
  progress.end();
}
