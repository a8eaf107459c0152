/**
 * The result protocol of command models: a step prints `::kdbench result {...}::` lines on stdout, each
 * a JSON object validated against the published schema suites/command-result.schema.json. An invalid
 * line is a UserError naming the model, the step and the field, never a silent zero.
 *
 * ResultLineFilter splits a command's stdout into pass-through text and result lines (like the phase
 * marker filter: text that cannot start a result line is passed on at once).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { UserError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../core/host.js';

export const RESULT_SCHEMA_PATH = join(PACKAGE_ROOT, 'suites', 'command-result.schema.json');
export const RESULT_PREFIX = '::kdbench result ';
const RESULT_LINE = /^::kdbench result (.*)::\r?$/s;
/** A result line longer than this is refused (predictions of a very large test split belong in fewer, shorter lines). */
export const MAX_RESULT_LINE_BYTES = 64 * 1024 * 1024;

export type StepName = 'train' | 'distil' | 'control' | 'evaluate' | 'infer';

/** What a step reports (suites/command-result.schema.json, definition "result"). */
export interface StepResult {
  accuracy?: number;
  macroF1?: number;
  predictions?: (number | string)[];
  /** Retrieval models (evaluate): ranking metrics, or the rank of every query's relevant document. */
  'recall@1'?: number;
  'recall@10'?: number;
  'mrr@10'?: number;
  'ndcg@10'?: number;
  ranks?: number[];
  queries?: number;
  indexDocuments?: number;
  /** Retrieval models (infer): what the step encoded and scored inside its encode-index, encode-queries and scoring phases. */
  encodedDocuments?: number;
  encodedQueries?: number;
  scoredQueries?: number;
  params?: number;
  sizeBytes?: number;
  epochs?: number;
  steps?: number;
  finalLoss?: number;
  inferences?: number;
  batchSize?: number;
  latencyMsP50?: number;
  latencyMsP99?: number;
  latencyMsMean?: number;
  throughputPerS?: number;
  device?: string;
  framework?: string;
  architecture?: Record<string, unknown>;
  info?: Record<string, unknown>;
}

type AjvCtor = typeof AjvModule.default;
const Ajv = ((AjvModule as unknown as { default?: AjvCtor }).default ?? AjvModule) as AjvCtor;
let validators: { line: ValidateFunction; steps: Record<StepName, ValidateFunction>; retrievalInfer: ValidateFunction } | undefined;

function compiled(): NonNullable<typeof validators> {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const schema = JSON.parse(readFileSync(RESULT_SCHEMA_PATH, 'utf8')) as { $id: string };
    ajv.addSchema(schema);
    const get = (ref: string) => ajv.getSchema(`${schema.$id}${ref}`)!;
    validators = {
      line: get(''),
      steps: {
        train: get('#/definitions/train'),
        distil: get('#/definitions/distil'),
        control: get('#/definitions/control'),
        evaluate: get('#/definitions/evaluate'),
        infer: get('#/definitions/infer'),
      },
      retrievalInfer: get('#/definitions/retrieval-infer'),
    };
  }
  return validators;
}

/** "/predictions/3" -> "predictions[3]". */
function field(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (extra) parts.push(extra);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') || '(the object)';
}

function describe(errors: ErrorObject[]): string[] {
  // An anyOf of required fields: one message for the alternatives, not one per branch.
  const anyOf = errors.filter((e) => e.keyword === 'anyOf');
  const inBranch = (e: ErrorObject) => anyOf.some((a) => e.schemaPath.startsWith(a.schemaPath.replace(/\/anyOf$/, '/anyOf/')));
  const out: string[] = [];
  for (const e of errors) {
    const p = e.params as Record<string, unknown>;
    if (e.keyword === 'anyOf') {
      out.push(
        'needs "accuracy" and "macroF1", or "predictions" (a classifier); or "recall@10" and "mrr@10", or "ranks" (a retrieval model)',
      );
      continue;
    }
    if (inBranch(e)) continue;
    if (e.keyword === 'required') out.push(`field "${field(e.instancePath, String(p.missingProperty))}" is required`);
    else if (e.keyword === 'additionalProperties')
      out.push(
        `field "${field(e.instancePath, String(p.additionalProperty))}" is not part of the result schema (free-form facts go in "info")`,
      );
    else if (e.keyword === 'type') out.push(`field "${field(e.instancePath)}" must be ${String(p.type).replace(',', ' or ')}`);
    else out.push(`field "${field(e.instancePath)}" ${e.message ?? 'is invalid'}`);
  }
  return [...new Set(out)];
}

/** The JSON text of a result line, or undefined when the line is not one. */
export function resultPayload(line: string): string | undefined {
  return RESULT_LINE.exec(line)?.[1];
}

/** Parses and validates one result line's JSON; `where` names the model and step in the error ("model "x", step "train""). */
export function parseResult(json: string, where: string): StepResult {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new UserError(`${where}: a result line is not valid JSON (${(e as Error).message}): ${json.slice(0, 200)}`);
  }
  const v = compiled().line;
  if (!v(value))
    throw new UserError(
      `${where}: invalid result line (suites/command-result.schema.json):\n  - ${describe(v.errors ?? []).join('\n  - ')}`,
    );
  return value as StepResult;
}

/** Checks the merged result of a step against what the step must report; "retrieval-infer" is the infer step of a retrieval suite. */
export function checkStep(step: StepName | 'retrieval-infer', result: StepResult | undefined, where: string): StepResult {
  if (result === undefined)
    throw new UserError(
      `${where}: the step printed no result line; it must print "::kdbench result {...}::" on stdout (suites/command-result.schema.json)`,
    );
  const v = step === 'retrieval-infer' ? compiled().retrievalInfer : compiled().steps[step];
  if (!v(result))
    throw new UserError(
      `${where}: the step's result is incomplete (suites/command-result.schema.json, "${step}"):\n  - ${describe(v.errors ?? []).join('\n  - ')}`,
    );
  return result;
}

/**
 * Splits stdout text into pass-through text and result lines. `onResult` gets each result line's JSON
 * text (it may throw: the error is kept and the rest of the output still passes through).
 */
export class ResultLineFilter {
  private pending = '';
  private atLineStart = true;
  /** The first error onResult threw, if any. */
  error: unknown;

  constructor(
    private readonly write: (text: string) => void,
    private readonly onResult: (json: string) => void,
  ) {}

  private result(line: string): void {
    if (this.error !== undefined) return;
    try {
      this.onResult(resultPayload(line)!);
    } catch (e) {
      this.error = e;
    }
  }

  push(chunk: string): void {
    let text = this.pending + chunk;
    this.pending = '';
    let out = '';
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl < 0) break;
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (this.atLineStart && resultPayload(line) !== undefined) {
        if (out) this.write(out);
        out = '';
        this.result(line);
      } else out += line + '\n';
      this.atLineStart = true;
    }
    if (text !== '') {
      const couldBeResult = this.atLineStart && (RESULT_PREFIX.startsWith(text) || text.startsWith(RESULT_PREFIX));
      if (couldBeResult && text.length <= MAX_RESULT_LINE_BYTES) this.pending = text;
      else {
        if (couldBeResult && this.error === undefined)
          this.error = new UserError(`a result line longer than ${MAX_RESULT_LINE_BYTES} bytes; print fewer predictions per line`);
        out += text;
        this.atLineStart = false;
      }
    }
    if (out) this.write(out);
  }

  /** Flushes what is left when the stream ends (an unterminated result line still counts). */
  end(): void {
    const rest = this.pending;
    this.pending = '';
    if (rest === '') return;
    if (resultPayload(rest) !== undefined) this.result(rest);
    else this.write(rest);
  }
}
