/**
 * A sweep plan: suites and a matrix, validated against the published JSON Schema (src/scale/plan.schema.json);
 * an error names the file and the field path.
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import AjvModule, { type ErrorObject } from 'ajv';
import { UserError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../core/host.js';
import { SWEEP_ENV } from '../core/scheduler.js';
import { fieldPath } from '../suites/load.js';

export const PLAN_SCHEMA_PATH = join(PACKAGE_ROOT, 'src', 'scale', 'plan.schema.json');

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type CarbonSetting = { region: string; intensity?: undefined } | { intensity: number; region?: undefined };

export interface MachineClass {
  description?: string;
  gpus: number;
  env?: Record<string, string>;
  slurm?: {
    partition?: string;
    constraint?: string;
    gres?: string;
    account?: string;
    qos?: string;
    time?: string;
    cpusPerTask?: number;
    mem?: string;
    extra?: string[];
  };
  kubernetes?: {
    nodeSelector?: Record<string, string>;
    gpuResource?: string;
    cpu?: string;
    memory?: string;
    tolerations?: {
      key?: string;
      operator?: 'Exists' | 'Equal';
      value?: string;
      effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
    }[];
  };
}

export interface Plan {
  name: string;
  description?: string;
  suites: string[];
  quick?: boolean;
  matrix: {
    machines: string[];
    backends?: BackendName[];
    carbon?: CarbonSetting[];
    pue?: number[];
    seeds?: number[];
    repeats?: number;
  };
  run?: { inferenceRepeats?: number; intervalMs?: number; env?: Record<string, string> };
  machines: Record<string, MachineClass>;
  slurm?: { setup?: string[]; kdbench?: string[]; maxParallel?: number };
  kubernetes?: {
    image: string;
    namespace?: string;
    kdbench?: string[];
    results: { claimName: string; mountPath: string };
    maxParallel?: number;
    backoffLimit?: number;
  };
}

/** A plan file, read and validated. */
export interface LoadedPlan {
  plan: Plan;
  file: string;
  /** sha256 of the plan file's bytes: runs record it, collect checks it. */
  sha256: string;
  text: string;
}

type AjvCtor = typeof AjvModule.default;
const Ajv = ((AjvModule as unknown as { default?: AjvCtor }).default ?? AjvModule) as AjvCtor;
let validator: ReturnType<InstanceType<AjvCtor>['compile']> | undefined;

function validate(value: unknown): ErrorObject[] {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    validator = ajv.compile(JSON.parse(readFileSync(PLAN_SCHEMA_PATH, 'utf8')));
  }
  return validator(value) ? [] : (validator.errors ?? []);
}

function describe(e: ErrorObject): string | undefined {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `field "${fieldPath(e.instancePath, String(p.additionalProperty))}" is not allowed`;
    case 'required':
      // The branches of carbon's oneOf: one message for the pair, below.
      if (/\/carbon\/\d+$/.test(e.instancePath)) return undefined;
      return `field "${fieldPath(e.instancePath, String(p.missingProperty))}" is required`;
    case 'oneOf':
      return /\/carbon\/\d+$/.test(e.instancePath)
        ? `field "${fieldPath(e.instancePath)}" must have exactly one of "region" or "intensity"`
        : `field "${fieldPath(e.instancePath)}" must match exactly one of its forms`;
    case 'enum':
      return `field "${fieldPath(e.instancePath)}" must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'propertyNames':
      return `field "${fieldPath(e.instancePath, String(p.propertyName))}": the name is not allowed (letters, digits, ".", "_" and "-"; environment variables: letters, digits and "_")`;
    case 'pattern':
      if (e.propertyName !== undefined) return undefined; // reported by propertyNames
      return `field "${fieldPath(e.instancePath)}" must match ${String(p.pattern)}`;
    default:
      return `field "${fieldPath(e.instancePath)}" ${e.message ?? 'is invalid'}`;
  }
}

/** What the schema cannot say: machine classes that exist, variables kdbench sets itself. */
function semanticErrors(plan: Plan): string[] {
  const errors: string[] = [];
  for (const [i, m] of plan.matrix.machines.entries()) {
    if (!Object.hasOwn(plan.machines, m))
      errors.push(
        `field "matrix.machines[${i}]": no machine class "${m}" under machines (defined: ${Object.keys(plan.machines).join(', ')})`,
      );
  }
  const reserved = Object.values(SWEEP_ENV) as string[];
  const envs: [string, Record<string, string> | undefined][] = [
    ['run.env', plan.run?.env],
    ...Object.entries(plan.machines).map(([k, m]): [string, Record<string, string> | undefined] => [`machines.${k}.env`, m.env]),
  ];
  for (const [path, env] of envs)
    for (const k of Object.keys(env ?? {}))
      if (reserved.includes(k)) errors.push(`field "${path}.${k}": set by kdbench sweep for each cell; it cannot be given`);
  const carbon = (plan.matrix.carbon ?? []).map((c) =>
    c.region !== undefined ? `region ${c.region.toUpperCase()}` : `intensity ${c.intensity}`,
  );
  for (const [i, c] of carbon.entries())
    if (carbon.indexOf(c) !== i) errors.push(`field "matrix.carbon[${i}]": ${c} is already matrix.carbon[${carbon.indexOf(c)}]`);
  return errors;
}

/** Parses and validates plan text; errors name the file and the field path. */
export function parsePlan(text: string, file: string): Plan {
  let value: unknown;
  try {
    value = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UserError(`${file}: not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
  }
  const errors = validate(value);
  if (errors.length > 0) {
    const lines = [...new Set(errors.map(describe).filter((x): x is string => x !== undefined))];
    throw new UserError(`${file}: invalid sweep plan:\n  - ${lines.join('\n  - ')}`);
  }
  const plan = value as Plan;
  const sem = semanticErrors(plan);
  if (sem.length > 0) throw new UserError(`${file}: invalid sweep plan:\n  - ${sem.join('\n  - ')}`);
  return plan;
}

export function loadPlan(path: string): LoadedPlan {
  const file = resolve(path);
  if (!existsSync(file)) throw new UserError(`plan file not found: ${path}`);
  if (!statSync(file).isFile()) throw new UserError(`${path}: not a file; give a sweep plan (.yaml or .json)`);
  const bytes = readFileSync(file);
  const text = bytes.toString('utf8');
  return { plan: parsePlan(text, file), file, sha256: createHash('sha256').update(bytes).digest('hex'), text };
}

/** A plan's suite entry as a path or a name for suites/load's resolveSuitePath: relative paths are relative to the plan. */
export function suiteRef(entry: string, planFile: string): string {
  return /[/\\]/.test(entry) || /\.(ya?ml|json)$/.test(entry) ? resolve(dirname(planFile), entry) : entry;
}
