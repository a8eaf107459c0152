import { basename } from 'node:path';
import { InterruptedError } from '../errors.js';
import { selectBackend, tf } from '../distillation/backend.js';
import { prepareData, type PreparedData } from '../distillation/data/prepare.js';
import { buildModel } from '../distillation/models/build.js';
import type { TextClassifier } from '../distillation/models/types.js';
import { predictLogits, train } from '../distillation/train.js';
import { accuracy, argmaxRows, macroF1 } from '../distillation/metrics.js';
import { deriveSeed } from '../distillation/random.js';
import { benchmarkInference } from '../benchmark/inference.js';
import { selectSources } from '../measurement/select.js';
import type { PreparedCarbon } from '../carbon/index.js';
import type { LoadedSuite, ModelSpec, Suite } from '../suites/types.js';
import { effectiveSuite } from '../suites/load.js';
import type { ProgressSink } from '../cli/progress.js';
import { collectEnvironment } from './environment.js';
import { RunRecorder } from './recorder.js';
import type { ModelRecord, ModelRole, RunJson } from './contract.js';

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
}

interface Trained {
  model: TextClassifier;
  role: ModelRole;
  spec: ModelSpec;
  pairedWith?: string;
  training: ModelRecord['training'];
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
 * Runs a suite end to end: idle baseline, data, teacher, distilled students, controls, evaluation
 * and inference benchmarks, each as a measured phase. Whatever happens, run.json is written.
 */
export async function runSuite(opts: SuiteRunOptions): Promise<RunJson> {
  const suite: Suite = effectiveSuite(opts.loaded.suite, opts.quick);
  const progress = opts.progress;
  const backend = await selectBackend(opts.backend);
  progress.log(`tfjs backend: ${backend.name}${backend.skipped.length ? ` (not used: ${backend.skipped.join('; ')})` : ''}`);
  const selection = selectSources({ intervalMs: opts.intervalMs });
  const environment = await collectEnvironment({ backend: backend.name });
  environment.tfjsBackendsSkipped = backend.skipped;
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
  try {
    const baselineS = suite.baseline?.seconds ?? 3;
    progress.log(`idle baseline: ${baselineS} s`);
    await rec.baseline(baselineS);
    signals.check();

    rec.phase('data-preparation');
    const data = prepareData(suite.dataset, suite.seed);
    rec.dataset = data.record;
    progress.log(`data: ${data.train.n} training and ${data.test.n} test examples, vocabulary ${data.vocab.tokens.length}, ${suite.dataset.seqLen} tokens each`);
    const shape = { vocabSize: data.vocab.tokens.length, seqLen: suite.dataset.seqLen, classes: data.dataset.classes.length };

    const trainOne = async (spec: ModelSpec, name: string, role: ModelRole, phase: string, teacher?: TextClassifier): Promise<Trained> => {
      rec.phase(phase, name);
      // A student and its control start from the same weights and see the same batches: only the loss differs.
      const seed = deriveSeed(suite.seed, `model:${role === 'teacher' ? name : spec.name}`);
      const model = buildModel(spec, name, shape, seed);
      let teacherLogits: Float32Array | undefined;
      if (teacher) {
        progress.log(`${name}: teacher logits on the training set`);
        teacherLogits = await predictLogits(teacher, data.train, 128);
        signals.check();
      }
      const steps = Math.ceil(data.train.n / spec.train.batchSize) * spec.train.epochs;
      progress.begin(`${phase} ${name} (${model.paramCount().toLocaleString('en-US')} params)`, steps);
      const result = await train(model, data.train, spec.train, {
        seed: deriveSeed(suite.seed, `batches:${role === 'teacher' ? name : spec.name}`),
        teacherLogits,
        loss: teacher ? suite.distillation : undefined,
        onStep: (step, _total, loss) => {
          progress.update(step, loss === undefined ? '' : `loss ${loss.toFixed(4)}`);
          signals.check();
        },
      });
      progress.end(`loss ${result.finalLoss.toFixed(4)}`);
      const t: Trained = { model, role, spec, training: { epochs: result.epochs, steps: result.steps, phase, finalLoss: result.finalLoss } };
      models.push(t);
      return t;
    };

    const teacher = await trainOne(suite.teacher, suite.teacher.name, 'teacher', 'teacher-training');
    for (const s of suite.students) {
      const st = await trainOne(s, s.name, 'student', `distillation:${s.name}`, teacher.model);
      st.pairedWith = teacher.model.name;
    }
    for (const s of suite.students) {
      const c = await trainOne(s, `${s.name}-control`, 'control', `control-training:${s.name}-control`);
      c.pairedWith = s.name;
    }

    rec.phase('evaluation');
    for (const m of models) {
      const logits = await predictLogits(m.model, data.test, 128);
      const pred = argmaxRows(logits, shape.classes);
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
      };
      rec.models.push(rec1);
      progress.log(`${rec1.name} (${rec1.role}): accuracy ${(rec1.accuracy * 100).toFixed(2)} %, macro-F1 ${rec1.macroF1.toFixed(4)}, ${rec1.params.toLocaleString('en-US')} params`);
      signals.check();
    }

    await benchmarkAll(rec, models, data, suite, progress, signals.check);
    rec.endPhase();
    const run = await rec.finish('completed');
    return run;
  } catch (e) {
    const status = e instanceof InterruptedError ? 'interrupted' : 'failed';
    const phase = rec.currentPhase();
    await rec.finish(status, { message: (e as Error).message, ...(phase ? { phase } : {}) });
    throw e;
  } finally {
    signals.dispose();
    for (const m of models) m.model.dispose();
    tf.disposeVariables();
  }
}

async function benchmarkAll(rec: RunRecorder, models: Trained[], data: PreparedData, suite: Suite, progress: ProgressSink, check: () => void): Promise<void> {
  const total = models.length * suite.inference.batchSizes.length;
  progress.begin('inference benchmarks', total);
  let done = 0;
  for (const m of models) {
    for (const bs of suite.inference.batchSizes) {
      const phase = `inference:${m.model.name}:b${bs}`;
      rec.phase(phase, m.model.name);
      const r = await benchmarkInference(m.model, data.test, bs, suite.inference.timeMs);
      rec.inference.push({
        model: m.model.name,
        batchSize: bs,
        phase,
        inferences: r.inferences,
        latencyMsP50: r.latencyMsP50,
        latencyMsP99: r.latencyMsP99,
        latencyMsMean: r.latencyMsMean,
        throughputPerS: r.throughputPerS,
      });
      progress.update(++done, `${m.model.name} b${bs}: ${r.throughputPerS.toFixed(0)}/s`);
      check();
    }
  }
  progress.end();
}
