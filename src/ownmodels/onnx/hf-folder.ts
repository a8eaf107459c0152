/**
 * Opening a model folder in the Hugging Face layout (config.json, tokenizer.json, onnx/<file for the dtype>)
 * with transformers.js, offline: the checks and loading that a text classifier (hf-model.ts) and a sentence
 * encoder (hf-encoder.ts) share. Every problem with the folder is a UserError naming the suite field.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../core/errors.js';
import { dependencyVersion } from '../../core/host.js';
import { countOnnxParams } from './params.js';

/** transformers.js file names by dtype (onnx/<name>). */
export const ONNX_FILES: Record<string, string> = {
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  q8: 'model_quantized.onnx',
  int8: 'model_int8.onnx',
  uint8: 'model_uint8.onnx',
  q4: 'model_q4.onnx',
  q4f16: 'model_q4f16.onnx',
  bnb4: 'model_bnb4.onnx',
};

/** Inputs a text model gets from its tokenizer. */
export const TEXT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];

export function readJson(file: string, where: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${where}: ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

export function onnxSize(dir: string, file: string): number {
  let size = 0;
  for (const f of readdirSync(dir)) if (f === file || f.startsWith(`${file}_data`)) size += statSync(join(dir, f)).size;
  return size;
}

let transformers: Promise<Record<string, unknown>> | undefined;

/** transformers.js, offline: no hub, no file cache. */
export async function loadTransformers(): Promise<{
  AutoTokenizer: { from_pretrained(p: string): Promise<unknown> };
  AutoModelForSequenceClassification: { from_pretrained(p: string, o: object): Promise<unknown> };
  AutoModel: { from_pretrained(p: string, o: object): Promise<unknown> };
}> {
  transformers ??= import('@huggingface/transformers') as Promise<Record<string, unknown>>;
  const t = (await transformers) as Record<string, unknown> & { env: Record<string, unknown> };
  t.env.allowRemoteModels = false;
  t.env.allowLocalModels = true;
  t.env.useFSCache = false;
  t.env.useBrowserCache = false;
  return t as never;
}

export const CUDA_HINT =
  "onnxruntime-node's CUDA provider is not installed: kdbench's .npmrc skips its download (onnxruntime-node-install=skip) so that installs work offline. " +
  'With internet and CUDA 12 with cuDNN 9 on this machine: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node';

/** What a model loaded by transformers.js offers here: its ONNX sessions' names, and disposal. */
export interface SessionModel {
  sessions: Record<string, { inputNames: string[]; outputNames: string[] }>;
  dispose(): Promise<unknown>;
}

type Transformers = Awaited<ReturnType<typeof loadTransformers>>;

export interface HfFolderOptions<M> {
  path: string;
  dtype?: string;
  device?: 'cpu' | 'cuda';
  /** Names the model in errors: 'students[0] "tiny-bert"'. */
  where: string;
  /** What a missing file's message adds after "is missing; " (the layout this kind of model has). */
  layout: (need: string, file: string) => string;
  /** The model class, in words, for errors ("a sequence classifier", "an encoder"); and "a text X gets ..." for the inputs. */
  modelWords: string;
  inputWords: string;
  /** Checks config.json before anything is loaded (a classifier's labels). */
  checkConfig?: (config: Record<string, unknown>, dir: string) => void;
  /** Loads the model with the transformers.js class that fits. */
  load: (t: Transformers, dir: string, opts: { dtype: string; device: string; local_files_only: true }) => Promise<M>;
}

export interface HfFolder<M> {
  dir: string;
  dtype: string;
  /** onnx/<file> of the dtype. */
  file: string;
  device: 'cpu' | 'cuda';
  executionProvider: string;
  config: Record<string, unknown>;
  params: number;
  sizeBytes: number;
  tokenizer: unknown;
  model: M;
  inputs: string[];
  outputs: string[];
  runtime: { transformersJs: string | null; onnxruntimeNode: string | null };
}

export async function openHfFolder<M extends SessionModel>(o: HfFolderOptions<M>): Promise<HfFolder<M>> {
  const dir = resolve(o.path);
  const where = o.where;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${where}: field "path": model folder ${dir} not found`);
  const dtype = o.dtype ?? 'fp32';
  const file = ONNX_FILES[dtype];
  for (const need of ['config.json', 'tokenizer.json', join('onnx', file)])
    if (!existsSync(join(dir, need))) throw new UserError(`${where}: field "path": ${join(dir, need)} is missing; ${o.layout(need, file)}`);
  const config = readJson(join(dir, 'config.json'), where);
  readJson(join(dir, 'tokenizer.json'), where);
  o.checkConfig?.(config, dir);
  let params: number;
  try {
    params = countOnnxParams(join(dir, 'onnx', file)).params;
  } catch (e) {
    throw new UserError(`${where}: ${join(dir, 'onnx', file)} is not a readable ONNX model: ${(e as Error).message}`);
  }
  const t = await loadTransformers();
  const device = o.device ?? 'cpu';
  let tokenizer: unknown;
  let model: M;
  try {
    tokenizer = await t.AutoTokenizer.from_pretrained(dir);
  } catch (e) {
    throw new UserError(`${where}: transformers.js cannot load the tokenizer in ${dir}: ${(e as Error).message}`);
  }
  try {
    model = await o.load(t, dir, { dtype, device, local_files_only: true });
  } catch (e) {
    const msg = (e as Error).message;
    if (device === 'cuda' && /cuda|shared library|provider/i.test(msg))
      throw new UserError(`${where}: device "cuda" (onnxruntime execution provider CUDA) is not available here: ${msg}. ${CUDA_HINT}`);
    throw new UserError(`${where}: transformers.js cannot load ${dir} as ${o.modelWords}: ${msg}`);
  }
  const session = Object.values(model.sessions)[0];
  const inputs = session?.inputNames ?? [];
  const other = inputs.filter((i) => !TEXT_INPUTS.includes(i));
  if (other.length > 0 || !inputs.includes('input_ids')) {
    await model.dispose();
    throw new UserError(
      `${where}: onnx/${file} takes the input(s) ${inputs.join(', ')}; ${o.inputWords} gets ${TEXT_INPUTS.join(', ')} from its tokenizer${other.length ? ` (not: ${other.join(', ')})` : ' (input_ids is missing)'}`,
    );
  }
  return {
    dir,
    dtype,
    file,
    device,
    executionProvider: device === 'cuda' ? 'CUDAExecutionProvider' : 'CPUExecutionProvider',
    config,
    params,
    sizeBytes: onnxSize(join(dir, 'onnx'), file),
    tokenizer,
    model,
    inputs,
    outputs: session?.outputNames ?? [],
    runtime: { transformersJs: dependencyVersion('@huggingface/transformers'), onnxruntimeNode: dependencyVersion('onnxruntime-node') },
  };
}

/** What run.json records of any model folder: where, which file, what model, how large, run by what. */
export interface HfFolderFacts {
  path: string;
  file: string;
  modelType: string;
  architectures: string[];
  params: number;
  sizeBytes: number;
  dtype: string;
  device: string;
  executionProvider: string;
  runtime: { transformersJs: string | null; onnxruntimeNode: string | null };
  inputs: string[];
}

export function folderFacts<M>(f: HfFolder<M>): HfFolderFacts {
  return {
    path: f.dir,
    file: `onnx/${f.file}`,
    modelType: String(f.config.model_type ?? 'unknown'),
    architectures: Array.isArray(f.config.architectures) ? (f.config.architectures as string[]) : [],
    params: f.params,
    sizeBytes: f.sizeBytes,
    dtype: f.dtype,
    device: f.device,
    executionProvider: f.executionProvider,
    runtime: f.runtime,
    inputs: f.inputs,
  };
}

/** run.json `runtime` of a model run by transformers.js on onnxruntime-node. */
export function hfRuntimeRecord(f: HfFolderFacts): { framework: string; device: string; executionProvider: string; dtype: string } {
  return {
    framework: `transformers.js ${f.runtime.transformersJs ?? '?'} + onnxruntime-node ${f.runtime.onnxruntimeNode ?? '?'}`,
    device: f.device,
    executionProvider: f.executionProvider,
    dtype: f.dtype,
  };
}
