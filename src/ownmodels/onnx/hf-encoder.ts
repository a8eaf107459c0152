/**
 * A sentence encoder in the Hugging Face layout (config.json, tokenizer.json, onnx/model.onnx: Optimum's
 * feature-extraction export, as sentence-transformers models are published), loaded from a local folder
 * with transformers.js on onnxruntime-node, offline, for retrieval suites.
 *
 * Its ONNX output is read as follows:
 *   - `sentence_embedding` [batch, width] (an export that pools itself): used as it is;
 *   - else `last_hidden_state` or `token_embeddings` [batch, sequence, width]: pooled by kdbench, `mean`
 *     over the attention mask (padding left out, as sentence-transformers' mean pooling) or `cls` (the first token).
 * With `normalize` (default true) every embedding is divided by its L2 norm, so a dot product is the cosine.
 * A folder whose model has none of these outputs (a classifier's `logits`) is refused: it is no encoder.
 */
import { basename } from 'node:path';
import { UserError } from '../../core/errors.js';
import { folderFacts, openHfFolder, type HfFolderFacts } from './hf-folder.js';

export type HfPooling = 'mean' | 'cls';

/** Output names of a sentence encoder, in the order they are preferred. */
export const ENCODER_OUTPUTS = ['sentence_embedding', 'last_hidden_state', 'token_embeddings'];

export interface HfEncoderOptions {
  /** The model folder (absolute, or relative to the working directory). */
  path: string;
  /** Tokens per text ([CLS] and [SEP] included; default 128). */
  maxLength?: number;
  device?: 'cpu' | 'cuda';
  dtype?: string;
  /** How token states become one embedding (default mean); unused when the model outputs sentence_embedding. */
  pooling?: HfPooling;
  /** L2-normalise every embedding (default true). */
  normalize?: boolean;
  /** Names the model in errors: 'students[0] "tiny-encoder"'. */
  where: string;
}

/** What run.json records about the encoder. */
export interface HfEncoderInfo extends HfFolderFacts {
  embeddingDim: number;
  /** The ONNX output read. */
  output: string;
  /** "mean" or "cls" (kdbench's pooling of the token states), or "model" (the export's sentence_embedding). */
  pooling: HfPooling | 'model';
  normalize: boolean;
  maxLength: number;
}

interface Tensor {
  data: ArrayLike<number | bigint>;
  dims: number[];
  type?: string;
  to?: (type: string) => Tensor;
  dispose?: () => void;
}
/** A batch of texts as the tokenizer gives them to the model (input_ids, attention_mask ...). */
export type EncodedBatch = Record<string, Tensor>;
type Tokenizer = (texts: string[], opts: { padding: boolean; truncation: boolean; max_length: number }) => EncodedBatch;
interface Model {
  (inputs: EncodedBatch): Promise<Record<string, Tensor | undefined>>;
  sessions: Record<string, { inputNames: string[]; outputNames: string[] }>;
  dispose(): Promise<unknown>;
}

export interface HfSentenceEncoder {
  readonly name: string;
  readonly info: HfEncoderInfo;
  /** The texts through the model's own tokenizer (padded to the longest, truncated at maxLength). */
  tokenize(texts: readonly string[]): EncodedBatch;
  /** Embeddings [batch, embeddingDim] of a tokenized batch. */
  embedBatch(batch: EncodedBatch): Promise<Float32Array>;
  /** Embeddings [texts.length, embeddingDim], in batches. */
  embed(texts: readonly string[], batchSize: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

const toNumbers = (t: Tensor): ArrayLike<number> => {
  const f = t.type && t.type !== 'float32' && t.to ? t.to('float32') : t;
  return f.data as ArrayLike<number>;
};

/**
 * One embedding per row: `sentence_embedding` [b, w] as it is, or token states [b, t, w] pooled over the
 * attention mask (mean: padding left out; cls: token 0). `mask` is the attention mask [b, t] (numbers or bigints).
 */
export function poolEmbeddings(
  out: { data: ArrayLike<number>; dims: number[] },
  mask: ArrayLike<number | bigint> | undefined,
  pooling: HfPooling | 'model',
  normalize: boolean,
): Float32Array {
  const [b, t, w] = out.dims.length === 2 ? [out.dims[0], 1, out.dims[1]] : out.dims;
  const emb = new Float32Array(b * w);
  const x = out.data;
  for (let i = 0; i < b; i++) {
    const row = emb.subarray(i * w, (i + 1) * w);
    if (pooling === 'model' || pooling === 'cls') {
      for (let k = 0; k < w; k++) row[k] = x[i * t * w + k];
    } else {
      let count = 0;
      for (let j = 0; j < t; j++) {
        if (mask && !Number(mask[i * t + j])) continue;
        count++;
        const o = (i * t + j) * w;
        for (let k = 0; k < w; k++) row[k] += x[o + k];
      }
      const c = Math.max(count, 1e-9);
      for (let k = 0; k < w; k++) row[k] /= c;
    }
    if (normalize) {
      let n = 0;
      for (let k = 0; k < w; k++) n += row[k] * row[k];
      n = Math.sqrt(n) + 1e-12;
      for (let k = 0; k < w; k++) row[k] /= n;
    }
  }
  return emb;
}

/** Loads and checks an encoder folder; every problem with the folder is a UserError naming it. */
export async function loadHfSentenceEncoder(name: string, o: HfEncoderOptions): Promise<HfSentenceEncoder> {
  const where = o.where;
  const f = await openHfFolder<Model>({
    path: o.path,
    ...(o.dtype ? { dtype: o.dtype } : {}),
    ...(o.device ? { device: o.device } : {}),
    where,
    layout: (_need, file) =>
      `a sentence encoder in the Hugging Face layout has config.json, tokenizer.json (its own tokenizer, which encodes the queries and documents) and onnx/${file}`,
    modelWords: 'an encoder',
    inputWords: 'a text encoder',
    load: (t, dir, opts) => t.AutoModel.from_pretrained(dir, opts) as Promise<Model>,
  });
  const { dir, file, model, outputs } = f;
  const tokenizer = f.tokenizer as Tokenizer;
  const output = ENCODER_OUTPUTS.find((n) => outputs.includes(n));
  if (!output) {
    await model.dispose();
    throw new UserError(
      `${where}: field "path": ${dir} is not a sentence encoder: onnx/${file} outputs ${outputs.join(', ')}${outputs.includes('logits') ? ' (a classifier)' : ''}; a retrieval suite needs ${ENCODER_OUTPUTS.join(' or ')} (Optimum's feature-extraction export)`,
    );
  }
  const pooling: HfPooling | 'model' = output === 'sentence_embedding' ? 'model' : (o.pooling ?? 'mean');
  const normalize = o.normalize ?? true;
  const maxLength = o.maxLength ?? 128;
  const tokenize = (texts: readonly string[]) => tokenizer([...texts], { padding: true, truncation: true, max_length: maxLength });
  const embedBatch = async (enc: EncodedBatch): Promise<Float32Array> => {
    const out = await model(enc);
    const x = out[output];
    if (!x) throw new UserError(`${where}: the model returned no "${output}"`);
    const want = output === 'sentence_embedding' ? 2 : 3;
    if (x.dims.length !== want)
      throw new UserError(
        `${where}: the model's ${output} has shape [${x.dims.join(', ')}], expected [batch, ${want === 3 ? 'sequence, ' : ''}width]`,
      );
    const emb = poolEmbeddings({ data: toNumbers(x), dims: x.dims }, enc.attention_mask?.data, pooling, normalize);
    for (const v of Object.values(out)) v?.dispose?.();
    return emb;
  };
  // One text through the model: its embedding width, and a model that runs at all.
  const probe = tokenize(['kdbench']);
  const width = (await embedBatch(probe)).length;
  if (!(width > 0)) throw new UserError(`${where}: the model's ${output} has no width`);
  const info: HfEncoderInfo = {
    ...folderFacts(f),
    embeddingDim: width,
    output,
    pooling,
    normalize,
    maxLength,
  };
  return {
    name,
    info,
    tokenize,
    embedBatch,
    async embed(texts, batchSize) {
      const all = new Float32Array(texts.length * width);
      for (let s = 0; s < texts.length; s += batchSize) {
        const enc = tokenize(texts.slice(s, s + batchSize));
        all.set(await embedBatch(enc), s * width);
        for (const v of Object.values(enc)) v.dispose?.();
      }
      return all;
    },
    async dispose() {
      await model.dispose();
    },
  };
}

/** A short description for progress lines. */
export function describeHfEncoder(m: HfSentenceEncoder): string {
  const i = m.info;
  const pooled = i.pooling === 'model' ? 'sentence_embedding' : `${i.pooling} pooling of ${i.output}`;
  return `${basename(i.path)} (${i.modelType}, ${i.params.toLocaleString('en-US')} params, ${i.file}, ${pooled}, width ${i.embeddingDim}${i.normalize ? ', L2-normalised' : ''}, ${i.executionProvider})`;
}
