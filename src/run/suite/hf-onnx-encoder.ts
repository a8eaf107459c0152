/**
 * hf-onnx sentence encoders in a `task: retrieval` suite (suite kind "hf-onnx"; ownmodels/onnx/hf-encoder.ts):
 * loaded from their folder in phase loading:NAME and never trained in the run. Queries and documents are
 * tokenized by the model's own tokenizer (its tokenizer.json), not by kdbench's vocabulary.
 *
 * - As a student: evaluated and benchmarked like the TensorFlow.js bi-encoders (retrieval-steps.ts,
 *   retrieval-bench.ts). Before each measured part of its use the texts are tokenized (prepare), so the
 *   phase holds the model's work, as the TensorFlow.js models' token ids are made in data-preparation.
 * - As the teacher: its embeddings of the training queries and documents (phase teacher-embeddings,
 *   counted in the students' distillation cost) are the targets of the TensorFlow.js students. Embedding
 *   MSE compares student and teacher embeddings coordinate by coordinate, so it needs the students' width
 *   (retrieval.embeddingDim) to equal the teacher's; score KL compares in-batch score distributions and
 *   works for any width.
 */
import { resolve } from 'node:path';
import type { ModelRole } from '../../core/contract.js';
import { UserError } from '../../core/errors.js';
import type { PreparedRetrieval } from '../../distillation/data/retrieval.js';
import { describeHfEncoder, loadHfSentenceEncoder, type EncodedBatch, type HfSentenceEncoder } from '../../ownmodels/onnx/hf-encoder.js';
import type { HfOnnxSpec, RetrievalSpec } from '../../suites/types.js';
import type { RetrievalModel, RetrievalModelFacts, RetrievalSide } from './retrieval-types.js';
import type { SuiteStepContext } from './types.js';
import { hfRuntimeRecord } from '../../ownmodels/onnx/hf-folder.js';

export class HfOnnxEncoderModel implements RetrievalModel {
  /** Tokenized test batches by side, batch size and first pair (prepare). */
  private readonly tokens = new Map<string, EncodedBatch>();
  pairedWith?: string;

  private constructor(
    readonly spec: HfOnnxSpec,
    readonly role: ModelRole,
    private readonly model: HfSentenceEncoder,
    private readonly data: PreparedRetrieval,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get dim(): number {
    return this.model.info.embeddingDim;
  }

  get evalBatchSize(): number | undefined {
    return this.spec.evalBatchSize;
  }

  /** Not trained in this run: no training phase (its loading is phase loading:NAME), so no distillation to pay back. */
  readonly training = { epochs: NaN, steps: NaN, phase: '', finalLoss: NaN };

  /** Loads the encoder in phase loading:NAME; a folder that is no sentence encoder is a UserError naming `path`. */
  static async load(
    s: SuiteStepContext,
    data: PreparedRetrieval,
    spec: HfOnnxSpec,
    role: ModelRole,
    path: string,
  ): Promise<HfOnnxEncoderModel> {
    await s.run.phase(`loading:${spec.name}`, spec.name);
    const model = await loadHfSentenceEncoder(spec.name, {
      path: resolve(s.suiteDir, spec.path),
      ...(spec.maxLength ? { maxLength: spec.maxLength } : {}),
      ...(spec.device ? { device: spec.device } : {}),
      ...(spec.dtype ? { dtype: spec.dtype } : {}),
      ...(spec.pooling ? { pooling: spec.pooling } : {}),
      ...(spec.normalize !== undefined ? { normalize: spec.normalize } : {}),
      where: `${path} "${spec.name}"`,
    });
    s.run.progress.log(`${spec.name}: loaded ${describeHfEncoder(model)} (not trained in this run)`);
    return new HfOnnxEncoderModel(spec, role, model, data);
  }

  private texts(split: 'train' | 'test', side: RetrievalSide, start: number, end: number): string[] {
    return this.data.pairs[split].slice(start, end).map((p) => (side === 'queries' ? p.query : p.doc));
  }

  prepare(side: RetrievalSide, batchSize: number): void {
    const n = this.data.pairs.test.length;
    for (let s = 0; s < n; s += batchSize) {
      const key = `${side}:${batchSize}:${s}`;
      if (!this.tokens.has(key)) this.tokens.set(key, this.model.tokenize(this.texts('test', side, s, Math.min(n, s + batchSize))));
    }
  }

  async encode(split: 'train' | 'test', side: RetrievalSide, start: number, end: number, batchSize: number): Promise<Float32Array> {
    const out = new Float32Array((end - start) * this.dim);
    for (let s = start; s < end; s += batchSize) {
      const e = Math.min(end, s + batchSize);
      const ready = split === 'test' ? this.tokens.get(`${side}:${batchSize}:${s}`) : undefined;
      // A prepared batch only where it covers exactly these pairs (the last batch of the split may be shorter).
      const batch = ready && (ready.input_ids?.dims[0] ?? -1) === e - s ? ready : this.model.tokenize(this.texts(split, side, s, e));
      out.set(await this.model.embedBatch(batch), (s - start) * this.dim);
      if (batch !== ready) for (const v of Object.values(batch)) v.dispose?.();
    }
    return out;
  }

  facts(): RetrievalModelFacts {
    const i = this.model.info;
    return {
      kind: 'hf-onnx',
      params: i.params,
      architecture: {
        modelType: i.modelType,
        architectures: i.architectures,
        file: i.file,
        output: i.output,
        embeddingDim: i.embeddingDim,
        pooling:
          i.pooling === 'model'
            ? "the model's own (ONNX output sentence_embedding)"
            : `masked ${i.pooling === 'mean' ? 'mean' : 'first token ([CLS])'} of ${i.output}`,
        normalize: i.normalize,
        scoring: i.normalize ? 'cosine (L2-normalised embeddings)' : 'dot product (embeddings not normalised)',
        maxLength: i.maxLength,
        inputs: i.inputs,
        tokenizer: "the model's own (tokenizer.json)",
      },
      sizeBytes: i.sizeBytes,
      reusedFrom: i.path,
      runtime: hfRuntimeRecord(i),
    };
  }

  async dispose(): Promise<void> {
    for (const b of this.tokens.values()) for (const v of Object.values(b)) v.dispose?.();
    this.tokens.clear();
    await this.model.dispose();
  }
}

/**
 * Embedding MSE needs the students' width to be the teacher's (suite field retrieval.embeddingDim); KL over
 * in-batch scores needs no equal width. Refused before the teacher's embeddings are computed.
 */
export function checkTeacherWidth(
  teacherDim: number,
  spec: RetrievalSpec,
  methods: readonly string[],
  teacherName: string,
  students: number,
): void {
  if (students > 0 && methods.includes('mse') && spec.embeddingDim !== teacherDim)
    throw new UserError(
      `field "retrieval.embeddingDim": ${spec.embeddingDim}, but the hf-onnx teacher "${teacherName}" embeds in ${teacherDim} dimensions; distillation "mse" compares student and teacher embeddings coordinate by coordinate, so set retrieval.embeddingDim to ${teacherDim}, or distil with "kl" only (retrieval.distillation: [kl], scores over in-batch documents, any width)`,
    );
}
