/**
 * Saving and loading trained models in the TensorFlow.js weights format: model.json (our
 * architecture plus a standard `weightsManifest`), weights.bin (tf.io.encodeWeights) and
 * vocab.json (the tokenizer's vocabulary, which the model's input ids refer to).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { tf } from '../backend.js';
import { UserError } from '../../core/errors.js';
import { packageVersion } from '../../core/host.js';
import { buildFromArchitecture } from './build.js';
import type { TextClassifier } from './types.js';

export const MODEL_FORMAT = 'kdbench-text-classifier';

export interface SavedModelJson {
  format: typeof MODEL_FORMAT;
  formatVersion: 1;
  generatedBy: string;
  name: string;
  kind: string;
  architecture: Record<string, unknown>;
  classes: string[];
  vocabulary: { file: string; size: number; sha256: string };
  training?: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

export interface InputContract {
  /** The tokenizer's vocabulary: tokens[i] is the word with id i. */
  tokens: string[];
  classes: string[];
  seqLen: number;
}

export function vocabSha(tokens: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(tokens)).digest('hex');
}

/** The variable's name inside its model: "teacher/block0/wq" -> "block0/wq". */
function localName(model: TextClassifier, v: tf.Variable): string {
  const prefix = `${model.name}/`;
  return v.name.startsWith(prefix) ? v.name.slice(prefix.length) : v.name;
}

/** Writes model.json, weights.bin and vocab.json into `dir` (created); returns the files written. */
export async function saveModel(
  model: TextClassifier,
  dir: string,
  input: Omit<InputContract, 'seqLen'>,
  training?: Record<string, unknown>,
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const named = model.variables.map((v) => ({ name: localName(model, v), tensor: v as tf.Tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const json: SavedModelJson = {
    format: MODEL_FORMAT,
    formatVersion: 1,
    generatedBy: `kdbench ${packageVersion()}`,
    name: model.name,
    kind: model.kind,
    architecture: model.architecture,
    classes: input.classes,
    vocabulary: { file: 'vocab.json', size: input.tokens.length, sha256: vocabSha(input.tokens) },
    ...(training ? { training } : {}),
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(data));
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(input.tokens) + '\n');
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json, null, 2) + '\n');
  return ['model.json', 'weights.bin', 'vocab.json'].map((f) => join(dir, f));
}

/** A folder with model.json, or the model.json file itself; `label` names it in errors. */
export function resolveModelJson(path: string, label = `saved model ${path}`): string {
  const p = resolve(path);
  if (!existsSync(p)) throw new UserError(`${label}: not found`);
  const file = statSync(p).isDirectory() ? join(p, 'model.json') : p;
  if (!existsSync(file)) throw new UserError(`${label}: no model.json in that folder (nor a run.json of a kdbench run)`);
  return file;
}

/**
 * A file that model.json names (weights, vocabulary): it must lie inside the model's folder and be a
 * regular file, so a hand-made model.json cannot point at ../../dev/zero (a read that never ends) or a FIFO.
 */
function sidecar(dir: string, name: unknown, what: string): string {
  if (typeof name !== 'string' || name === '') throw new UserError(`${what}: a file name in model.json is not a string`);
  const file = resolve(dir, name);
  const rel = relative(dir, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    throw new UserError(`${what}: model.json names "${name}", which is outside the model's folder ${dir}`);
  if (existsSync(file) && !statSync(file).isFile())
    throw new UserError(`${what}: model.json names "${name}", which is not a regular file (${file})`);
  return file;
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${what}: cannot read ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
}

export interface LoadedModel {
  model: TextClassifier;
  json: SavedModelJson;
  file: string;
}

/** Why a saved model cannot take this run's input, or undefined when it can. */
export function inputMismatch(json: SavedModelJson, tokens: readonly string[] | undefined, input: InputContract): string | undefined {
  const arch = json.architecture;
  if (JSON.stringify(json.classes) !== JSON.stringify(input.classes))
    return `its classes (${json.classes.join(', ')}) are not this dataset's (${input.classes.join(', ')})`;
  if (arch.seqLen !== input.seqLen)
    return `it takes ${String(arch.seqLen)} tokens per example, this suite's tokenizer gives ${input.seqLen}`;
  if (arch.vocabSize !== input.tokens.length)
    return `its vocabulary has ${String(arch.vocabSize)} words, this suite's tokenizer has ${input.tokens.length}`;
  if (tokens) {
    const i = input.tokens.findIndex((t, k) => tokens[k] !== t);
    if (i >= 0)
      return `its vocabulary differs from this suite's tokenizer at id ${i} ("${tokens[i]}" vs "${input.tokens[i]}"): the ids would mean other words`;
  } else if (json.vocabulary.sha256 !== vocabSha(input.tokens)) {
    return 'its vocabulary is not the one this suite builds from its training split';
  }
  return undefined;
}

/**
 * Loads a saved model under `name` and checks that it takes this run's input (same classes,
 * sequence length and vocabulary); a mismatch is a UserError that says what differs.
 */
export function loadSavedModel(path: string, name: string, input: InputContract): LoadedModel {
  const file = resolveModelJson(path);
  const raw = readJson(file, `saved model ${path}`) as Partial<SavedModelJson>;
  if (
    raw.format !== MODEL_FORMAT ||
    !Array.isArray(raw.weightsManifest) ||
    typeof raw.kind !== 'string' ||
    !raw.architecture ||
    !Array.isArray(raw.classes) ||
    !raw.vocabulary
  ) {
    throw new UserError(`saved model ${path}: ${file} is not a model saved by kdbench (format "${MODEL_FORMAT}")`);
  }
  const json = raw as SavedModelJson;
  const dir = dirname(file);
  const vocabFile = sidecar(dir, json.vocabulary.file, `saved model ${path}`);
  const tokens = existsSync(vocabFile) ? (readJson(vocabFile, `saved model ${path}`) as string[]) : undefined;
  const why = inputMismatch(json, tokens, input);
  if (why) throw new UserError(`saved model ${path} does not match this suite's input: ${why}`);
  const model = buildFromArchitecture(json.kind, name, json.architecture);
  try {
    const specs = json.weightsManifest.flatMap((g) => g.weights);
    const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(sidecar(dir, p, `saved model ${path}`))));
    const joined = Buffer.concat(buffers);
    const tensors = tf.io.decodeWeights(joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength), specs);
    try {
      for (const v of model.variables) {
        const key = localName(model, v);
        const t = tensors[key];
        if (!t) throw new UserError(`saved model ${path}: weight "${key}" is missing from weights.bin`);
        if (JSON.stringify(t.shape) !== JSON.stringify(v.shape))
          throw new UserError(
            `saved model ${path}: weight "${key}" has shape [${t.shape.join(', ')}], the architecture needs [${v.shape.join(', ')}]`,
          );
        v.assign(t);
      }
    } finally {
      for (const t of Object.values(tensors)) t.dispose();
    }
  } catch (e) {
    model.dispose();
    if (e instanceof UserError) throw e;
    throw new UserError(`saved model ${path}: cannot read its weights: ${(e as Error).message.split('\n')[0]}`);
  }
  return { model, json, file };
}
