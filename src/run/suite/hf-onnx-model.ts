/**
 * hf-onnx models (suite kind "hf-onnx"): a Hugging Face text classifier exported to ONNX, loaded from a
 * local folder with transformers.js on onnxruntime-node (phase loading:NAME), evaluated on the suite's
 * test split with the model's own tokenizer (phase evaluation:NAME) and benchmarked like every model
 * (inference:NAME:bN[:rK]). Its outputs are mapped to the dataset's classes by the suite's `labels`.
 */
import { resolve } from 'node:path';
import type { ModelRecord, ModelRole } from '../../core/contract.js';
import { accuracy, argmaxRows, macroF1 } from '../../distillation/metrics.js';
import { benchmarkInference } from '../../benchmark/inference.js';
import type { BenchSlot } from '../../benchmark/schedule.js';
import { describeHf, loadHfTextClassifier, type HfTextClassifier } from '../../ownmodels/onnx/hf-model.js';
import type { HfOnnxSpec } from '../../suites/types.js';
import type { OwnModel, SlotFigures } from './own-models.js';
import type { SuiteData, SuiteStepContext } from './types.js';
import { hfRuntimeRecord } from '../../ownmodels/onnx/hf-folder.js';

export class HfOnnxModel implements OwnModel {
  readonly kind = 'hf-onnx' as const;

  private constructor(
    readonly spec: HfOnnxSpec,
    readonly role: ModelRole,
    private readonly model: HfTextClassifier,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** Loads the model in phase loading:NAME (a problem with the folder, its labels or inputs is a UserError). */
  static async load(s: SuiteStepContext, d: SuiteData, spec: HfOnnxSpec, role: ModelRole, path: string): Promise<HfOnnxModel> {
    const phase = `loading:${spec.name}`;
    await s.run.phase(phase, spec.name);
    const model = await loadHfTextClassifier(spec.name, {
      path: resolve(s.suiteDir, spec.path),
      classes: d.data.dataset.classes,
      ...(spec.labels ? { labels: spec.labels } : {}),
      ...(spec.maxLength ? { maxLength: spec.maxLength } : {}),
      ...(spec.device ? { device: spec.device } : {}),
      ...(spec.dtype ? { dtype: spec.dtype } : {}),
      where: `${path} "${spec.name}"`,
    });
    s.run.progress.log(`${spec.name}: loaded ${describeHf(model)} (not trained in this run)`);
    return new HfOnnxModel(spec, role, model);
  }

  /** Logits [n, classes] on the training split, in the dataset's class order (a teacher's, for distillation). */
  trainLogits(d: SuiteData): Promise<Float32Array> {
    return this.model.predictLogits(
      d.data.examples.train.map((e) => e.text),
      this.spec.evalBatchSize ?? 32,
    );
  }

  async evaluate(s: SuiteStepContext, d: SuiteData): Promise<{ record: ModelRecord; correct: Uint8Array }> {
    await s.run.phase(`evaluation:${this.name}`, this.name);
    const { test } = d.data;
    const classes = d.data.dataset.classes.length;
    const logits = await this.model.predictLogits(
      d.data.examples.test.map((e) => e.text),
      this.spec.evalBatchSize ?? 32,
    );
    const pred = argmaxRows(logits, classes);
    const i = this.model.info;
    const record: ModelRecord = {
      name: this.name,
      role: this.role,
      kind: 'hf-onnx',
      params: i.params,
      accuracy: accuracy(pred, test.labels),
      macroF1: macroF1(pred, test.labels, classes),
      architecture: {
        modelType: i.modelType,
        architectures: i.architectures,
        file: i.file,
        labels: i.labels,
        maxLength: i.maxLength,
        inputs: i.inputs,
      },
      // Not trained in this run: no training phase (its loading is in phase loading:NAME), so no break-even of a distillation.
      training: { epochs: NaN, steps: NaN, phase: '', finalLoss: NaN },
      sizeBytes: i.sizeBytes,
      reusedFrom: i.path,
      runtime: hfRuntimeRecord(i),
    };
    return { record, correct: Uint8Array.from(pred, (p, k) => (p === test.labels[k] ? 1 : 0)) };
  }

  async benchmark(s: SuiteStepContext, d: SuiteData, slot: BenchSlot): Promise<SlotFigures> {
    await s.run.phase(slot.phase, this.name);
    const r = await benchmarkInference(
      this.model.batchRunner(
        d.data.examples.test.map((e) => e.text),
        slot.batchSize,
      ),
      s.suite.inference.timeMs,
    );
    return {
      batchSize: r.batchSize,
      inferences: r.inferences,
      latencyMsP50: r.latencyMsP50,
      latencyMsP99: r.latencyMsP99,
      latencyMsMean: r.latencyMsMean,
      throughputPerS: r.throughputPerS,
    };
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}
