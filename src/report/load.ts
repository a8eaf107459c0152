/** Reads and checks a run directory's run.json: not a run, a newer schema and a partial run are told apart. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { SCHEMA_VERSION, type RunJson } from '../core/contract.js';
import { readRegularFile } from './safe-read.js';
import { runShapeProblems } from './check-run.js';

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function readRun(dir: string): RunJson {
  if (!existsSync(dir)) throw new UserError(`${dir}: no such folder`);
  if (!statSync(dir).isDirectory()) throw new UserError(`${dir}: not a folder; give a kdbench run directory (the folder holding run.json)`);
  const path = join(dir, 'run.json');
  if (!existsSync(path)) throw new UserError(`${dir}: not a kdbench run directory (no run.json)`);
  const text = readRegularFile(path);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message}); a run killed while writing it leaves no other copy`);
  }
  if (!isObject(raw)) throw new UserError(`${path}: not a kdbench run (not a JSON object)`);
  if (typeof raw.schemaVersion !== 'number') throw new UserError(`${path}: field "schemaVersion" is missing; not a kdbench run`);
  if (raw.schemaVersion > SCHEMA_VERSION) {
    throw new UserError(
      `${path}: written by a newer kdbench (schemaVersion ${raw.schemaVersion}; this one reads up to ${SCHEMA_VERSION}); upgrade kdbench to report on it`,
    );
  }
  const missing: string[] = [];
  for (const key of ['phases', 'models', 'inference']) if (!Array.isArray(raw[key])) missing.push(key);
  if (!isObject(raw.meter) || !Array.isArray(raw.meter.domains)) missing.push('meter.domains');
  if (typeof raw.status !== 'string') missing.push('status');
  if (typeof raw.startedAt !== 'string') missing.push('startedAt');
  if (missing.length > 0) throw new UserError(`${path}: not a kdbench run (fields missing or of the wrong type: ${missing.join(', ')})`);
  const shape = runShapeProblems(raw);
  if (shape.length > 0)
    throw new UserError(
      `${path}: cannot be reported, fields of the wrong type:\n  - ${shape.slice(0, 8).join('\n  - ')}${shape.length > 8 ? `\n  (and ${shape.length - 8} more)` : ''}`,
    );
  return raw as unknown as RunJson;
}

/** A run that did not complete: failed, interrupted, or still "running" (the process died without a word). */
export function isPartial(run: RunJson): boolean {
  return run.status !== 'completed';
}

export function partialReason(run: RunJson): string {
  if (run.status === 'running') return 'status "running": the process stopped without finishing run.json (killed or crashed)';
  const err = run.error ? `: ${run.error.message}${run.error.phase ? ` (in phase ${run.error.phase})` : ''}` : '';
  return `status "${run.status}"${err}`;
}
