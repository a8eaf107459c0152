/** Training one model and loading one saved model, each as a measured phase: the building blocks of the model steps. */
import type { ModelRole } from '../../core/contract.js';
import { deriveSeed } from '../../core/random.js';
import { buildModel } from '../../distillation/models/build.js';
import { loadSavedModel } from '../../distillation/models/io.js';
import { train } from '../../distillation/train.js';
import type { ModelRecord } from '../../core/contract.js';
import type { ModelSpec, TrainableSpec } from '../../suites/types.js';
import type { EncodedSet } from '../../distillation/train.js';
import type { TextClassifier } from '../../distillation/models/types.js';
import { initFromTeacherLayers } from '../../distillation/models/teacher-init.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';
import { pretrainTeacher } from './pretrain.js';

/** Loads a saved model in phase `loading:NAME`; it is not trained in this run. */
export async function loadModel(
  s: SuiteStepContext,
  d: SuiteData,
  m: { path: string; name: string; role: ModelRole; spec: ModelSpec },
): Promise<Trained> {
  const phase = `loading:${m.name}`;
  await s.run.phase(phase, m.name);
  const loaded = loadSavedModel(m.path, m.name, d.input);
  s.keep(loaded.model);
  const tr = loaded.json.training as Partial<ModelRecord['training']> | undefined;
  const t: Trained = {
    model: loaded.model,
    role: m.role,
    spec: m.spec,
    reusedFrom: loaded.file,
    training: { epochs: tr?.epochs ?? 0, steps: tr?.steps ?? 0, phase, finalLoss: tr?.finalLoss ?? NaN },
  };
  s.run.progress.log(
    `${m.name}: loaded from ${loaded.file} (not trained in this run; ${t.model.paramCount().toLocaleString('en-US')} params)`,
  );
  return t;
}

/**
 * Trains one model in phase `phase`, with the teacher's logits (distillation) or without (teacher,
 * control). A student and its control start from the same weights and see the same batches: only the loss differs.
 */
export async function trainModel(
  s: SuiteStepContext,
  d: SuiteData,
  m: {
    spec: TrainableSpec;
    name: string;
    role: ModelRole;
    phase: string;
    teacherLogits?: Float32Array;
    /** The examples to learn from (default: the labelled training examples); teacherLogits has one row per example. */
    set?: EncodedSet;
    /** Epochs instead of the spec's (a control matched to its student's number of steps). */
    epochs?: number;
    /** Training seed index: 0 is the suite's seed as always; k > 0 a repeat (suite.trainSeeds). */
    seedIndex?: number;
    /** The teacher whose layers initialise the model (init "teacher-layers"). */
    initFrom?: TextClassifier;
    /** The phase has been opened by the caller. */
    inPhase?: boolean;
    /** Variable names' prefix, when it differs from `name` (a repeat's model is never recorded). */
    modelName?: string;
    /** The caller disposes the model (a seed repeat), instead of the run's end. */
    transient?: boolean;
  },
): Promise<Trained> {
  const { suite, run } = s;
  const pretrain = m.role === 'teacher' && m.spec.kind === 'transformer' ? m.spec.pretrain : undefined;
  if (!m.inPhase && !pretrain) await run.phase(m.phase, m.name);
  const seedKey = (m.role === 'teacher' ? m.name : m.spec.name) + (m.seedIndex ? `:seed${m.seedIndex}` : '');
  const model = buildModel(m.spec, m.modelName ?? m.name, d.shape, deriveSeed(suite.seed, `model:${seedKey}`));
  if (!m.transient) s.keep(model);
  // A pretrained teacher: its own phase first, then the supervised training in m.phase.
  const pretraining = pretrain && m.spec.kind === 'transformer' ? await pretrainTeacher(s, d, model, m.spec, pretrain) : undefined;
  if (pretraining) await run.phase(m.phase, m.name);
  const initLayers = m.initFrom ? initFromTeacherLayers(model, m.initFrom) : undefined;
  const set = m.set ?? d.data.train;
  const cfg = m.epochs ? { ...m.spec.train, epochs: m.epochs } : m.spec.train;
  const steps = Math.ceil(set.n / cfg.batchSize) * cfg.epochs;
  run.progress.begin(`${m.phase} ${m.name} (${model.paramCount().toLocaleString('en-US')} params)`, steps);
  const result = await train(model, set, cfg, {
    seed: deriveSeed(suite.seed, `batches:${seedKey}`),
    teacherLogits: m.teacherLogits,
    loss: m.teacherLogits ? suite.distillation : undefined,
    onStep: (step, _total, loss) => {
      run.progress.update(step, loss === undefined ? '' : `loss ${loss.toFixed(4)}`);
      run.check();
    },
  });
  run.progress.end(`loss ${result.finalLoss.toFixed(4)}`);
  return {
    model,
    role: m.role,
    spec: m.spec,
    training: {
      epochs: result.epochs,
      steps: result.steps,
      phase: m.phase,
      finalLoss: result.finalLoss,
      ...(pretraining ? { pretraining } : {}),
    },
    ...(initLayers ? { initLayers } : {}),
  };
}
