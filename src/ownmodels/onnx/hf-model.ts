/**
 * A text classifier in the Hugging Face layout (config.json, tokenizer.json, onnx/model.onnx: Optimum's
 * export, with model.onnx moved into onnx/ as transformers.js expects), loaded from a local folder with transformers.js (@huggingface/transformers), which
 * runs it on onnxruntime-node. Nothing is fetched: remote models and the file cache are off.
 *
 * The model's outputs are mapped to the dataset's classes (`labels`: output i is class labels[i]; default
 * config.json id2label), so logits come back in the dataset's class order.
 */
import { basename, join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { folderFacts, openHfFolder, type HfFolderFacts } from './hf-folder.js';

export interface HfLoadOptions {
  /** The model folder (absolute, or relative to the working directory). */
  path: string;
  /** The dataset's classes, in kdbench's order. */
  classes: string[];
  /** Output i of the model is class labels[i]; default config.json id2label. */
  labels?: string[];
  maxLength?: number;
  device?: 'cpu' | 'cuda';
  dtype?: string;
  /** Names the model in errors: 'students[0] "tiny-bert"'. */
  where: string;
}

/** What run.json records about the model. */
export interface HfModelInfo extends HfFolderFacts {
  /** Output i -> dataset class name. */
  labels: string[];
  maxLength: number;
}

interface Tensor {
  data: ArrayLike<number>;
  dims: number[];
  dispose?: () => void;
}
type Encoded = Record<string, Tensor>;
type Tokenizer = (texts: string[], opts: { padding: boolean; truncation: boolean; max_length: number }) => Encoded;
interface Model {
  (inputs: Encoded): Promise<{ logits?: Tensor }>;
  sessions: Record<string, { inputNames: string[]; outputNames: string[] }>;
  dispose(): Promise<unknown>;
}

/** A batch runner for the inference benchmark (the same shape as benchmark/inference.ts BatchRunner). */
export interface AsyncBatchRunner {
  label: string;
  batchSize: number;
  async: true;
  runBatch(i: number): Promise<void>;
  dispose(): void;
}

export interface HfTextClassifier {
  readonly name: string;
  readonly info: HfModelInfo;
  /** Logits [texts.length, classes] in the dataset's class order. */
  predictLogits(texts: readonly string[], batchSize: number): Promise<Float32Array>;
  /** Up to 16 batches of these texts, tokenized beforehand; each runBatch runs the model on one and reads its logits. */
  batchRunner(texts: readonly string[], batchSize: number): AsyncBatchRunner;
  dispose(): Promise<void>;
}

/** The model's output labels (config.json id2label, in index order), or undefined. */
function configLabels(config: Record<string, unknown>): string[] | undefined {
  const id2label = config.id2label as Record<string, string> | undefined;
  if (id2label && typeof id2label === 'object') {
    const n = Object.keys(id2label).length;
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const l = id2label[String(i)];
      if (typeof l !== 'string') return undefined;
      out.push(l);
    }
    return out;
  }
  return typeof config.num_labels === 'number' ? Array.from({ length: config.num_labels }, (_, i) => `LABEL_${i}`) : undefined;
}

/**
 * Output index -> dataset class index. The labels must name every dataset class exactly once (a model
 * with other classes than the dataset's cannot be scored on it).
 */
export function labelMapping(
  modelLabels: readonly string[],
  classes: readonly string[],
  given: readonly string[] | undefined,
  where: string,
): Int32Array {
  const labels = given ?? modelLabels;
  const field = given ? `${where}: field "labels"` : `${where}: config.json id2label`;
  const hint = given ? '' : `; map the model's outputs to the dataset's classes with "labels" in the suite (output i is labels[i])`;
  if (labels.length !== modelLabels.length)
    throw new UserError(
      `${field} names ${labels.length} classes, but the model has ${modelLabels.length} outputs (${modelLabels.join(', ')})`,
    );
  const unknown = labels.filter((l) => !classes.includes(l));
  const missing = classes.filter((c) => !labels.includes(c));
  if (unknown.length > 0 || missing.length > 0 || new Set(labels).size !== labels.length)
    throw new UserError(
      `${field} (${labels.join(', ')}) does not match the dataset's classes (${classes.join(', ')})` +
        `${unknown.length ? `: not in the dataset: ${unknown.join(', ')}` : ''}${missing.length ? `; no output for: ${missing.join(', ')}` : ''}${hint}`,
    );
  return Int32Array.from(labels, (l) => classes.indexOf(l));
}

/** Loads and checks a model folder; every problem with the folder is a UserError naming it. */
export async function loadHfTextClassifier(name: string, o: HfLoadOptions): Promise<HfTextClassifier> {
  const where = o.where;
  let mapping: Int32Array = new Int32Array(0);
  const f = await openHfFolder<Model>({
    path: o.path,
    ...(o.dtype ? { dtype: o.dtype } : {}),
    ...(o.device ? { device: o.device } : {}),
    where,
    layout: (need, file) =>
      `a model folder in the Hugging Face layout has config.json, tokenizer.json (and tokenizer_config.json) and onnx/${file}${need === 'tokenizer.json' ? ' (a fast tokenizer saved by `tokenizers`; Optimum writes it with its export)' : ''}`,
    modelWords: 'a sequence classifier',
    inputWords: 'a text classifier',
    checkConfig: (config, dir) => {
      const modelLabels = configLabels(config);
      if (!modelLabels)
        throw new UserError(
          `${where}: ${join(dir, 'config.json')} gives neither id2label nor num_labels: how many classes does the model have?`,
        );
      mapping = labelMapping(modelLabels, o.classes, o.labels, where);
    },
    load: (t, dir, opts) => t.AutoModelForSequenceClassification.from_pretrained(dir, opts) as Promise<Model>,
  });
  const { model, file } = f;
  const tokenizer = f.tokenizer as Tokenizer;
  if (!f.outputs.includes('logits')) {
    await model.dispose();
    throw new UserError(
      `${where}: onnx/${file} has no output "logits" (outputs: ${f.outputs.join(', ')}); export it as a sequence classifier`,
    );
  }
  const classes = o.classes.length;
  const maxLength = o.maxLength ?? 128;
  const encode = (texts: readonly string[]) => tokenizer([...texts], { padding: true, truncation: true, max_length: maxLength });
  const run = async (enc: Encoded): Promise<Tensor> => {
    const out = await model(enc);
    const logits = out.logits;
    if (!logits) throw new UserError(`${where}: the model returned no logits`);
    if (logits.dims.length !== 2 || logits.dims[1] !== mapping.length)
      throw new UserError(
        `${where}: the model's logits have shape [${logits.dims.join(', ')}], expected [batch, ${mapping.length}] (one per label)`,
      );
    return logits;
  };
  const info: HfModelInfo = {
    ...folderFacts(f),
    labels: Array.from(mapping, (c) => o.classes[c]),
    maxLength,
  };
  return {
    name,
    info,
    async predictLogits(texts, batchSize) {
      const out = new Float32Array(texts.length * classes);
      for (let s = 0; s < texts.length; s += batchSize) {
        const batch = texts.slice(s, s + batchSize);
        const logits = await run(encode(batch));
        for (let i = 0; i < batch.length; i++)
          for (let j = 0; j < mapping.length; j++) out[(s + i) * classes + mapping[j]] = logits.data[i * mapping.length + j];
        logits.dispose?.();
      }
      return out;
    },
    batchRunner(texts, batchSize) {
      const batches: Encoded[] = [];
      const n = Math.max(1, Math.min(16, Math.floor(texts.length / batchSize)));
      for (let i = 0; i < n; i++) {
        const start = (i * batchSize) % Math.max(1, texts.length - batchSize + 1);
        const slice = texts.slice(start, start + batchSize);
        // A test split smaller than the batch: repeat its texts to fill the batch.
        while (slice.length < batchSize) slice.push(texts[slice.length % texts.length]);
        batches.push(encode(slice));
      }
      return {
        label: `${name}@${batchSize}`,
        batchSize,
        async: true,
        async runBatch(i: number) {
          const logits = await run(batches[i % batches.length]);
          logits.dispose?.();
        },
        dispose() {
          for (const b of batches) for (const v of Object.values(b)) v.dispose?.();
        },
      };
    },
    async dispose() {
      await model.dispose();
    },
  };
}

/** A short description for progress lines. */
export function describeHf(m: HfTextClassifier): string {
  const i = m.info;
  return `${basename(i.path)} (${i.modelType}, ${i.params.toLocaleString('en-US')} params, ${i.file}, ${i.executionProvider})`;
}
