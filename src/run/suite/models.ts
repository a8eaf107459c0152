/** Training one model and loading one saved model, each as a measured phase: the building blocks of the model steps. */
import type { ModelRole } from '../../core/contract.js';
import { deriveSeed } from '../../core/random.js';
import { buildModel } from '../../distillation/models/build.js';
import { loadSavedModel } from '../../distillation/models/io.js';
import { train } from '../../distillation/train.js';
import type { ModelRecord } from '../../core/contract.js';
import type { ModelSpec, TrainableSpec } from '../../suites/types.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';

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
  m: { spec: TrainableSpec; name: string; role: ModelRole; phase: string; teacherLogits?: Float32Array },
): Promise<Trained> {
  const { suite, run } = s;
  await run.phase(m.phase, m.name);
  const seedKey = m.role === 'teacher' ? m.name : m.spec.name;
  const model = buildModel(m.spec, m.name, d.shape, deriveSeed(suite.seed, `model:${seedKey}`));
  s.keep(model);
  const steps = Math.ceil(d.data.train.n / m.spec.train.batchSize) * m.spec.train.epochs;
  run.progress.begin(`${m.phase} ${m.name} (${model.paramCount().toLocaleString('en-US')} params)`, steps);
  const result = await train(model, d.data.train, m.spec.train, {
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
    training: { epochs: result.epochs, steps: result.steps, phase: m.phase, finalLoss: result.finalLoss },
  };
}
