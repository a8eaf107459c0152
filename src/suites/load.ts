import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve, extname, basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import AjvModule, { type ErrorObject } from 'ajv';
import { UserError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../core/host.js';
import { compressionErrors } from '../compression/validate.js';
import { compressionOf, isTrainable, type LoadedSuite, type Suite } from './types.js';
import { retrievalErrors } from './retrieval.js';

export const SUITES_DIR = join(PACKAGE_ROOT, 'suites');
export const SCHEMA_PATH = join(SUITES_DIR, 'suite.schema.json');
export const DEFAULT_SUITE = 'default';
const EXTENSIONS = ['.yaml', '.yml', '.json'];

type AjvCtor = typeof AjvModule.default;
const Ajv = ((AjvModule as unknown as { default?: AjvCtor }).default ?? AjvModule) as AjvCtor;
let validator: ReturnType<InstanceType<AjvCtor>['compile']> | undefined;

function validate(value: unknown): ErrorObject[] {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, discriminator: true, strict: false });
    validator = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
  }
  return validator(value) ? [] : (validator.errors ?? []);
}

/** "/teacher/heads" -> "teacher.heads"; "/students/0/kind" -> "students[0].kind". */
export function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (extra) parts.push(extra);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') || '(top level)';
}

const KINDS = '"transformer", "embedding-bag", "bilstm", "saved", "command", "hf-onnx"';

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `field "${fieldPath(e.instancePath, String(p.additionalProperty))}" is not allowed`;
    case 'required':
      return `field "${fieldPath(e.instancePath, String(p.missingProperty))}" is required`;
    case 'enum':
      return `field "${fieldPath(e.instancePath)}" must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'discriminator':
      return p.error === 'mapping'
        ? `field "${fieldPath(e.instancePath, 'kind')}" must be one of: ${KINDS}`
        : `field "${fieldPath(e.instancePath, 'kind')}" is required (one of: ${KINDS})`;
    default:
      return `field "${fieldPath(e.instancePath)}" ${e.message ?? 'is invalid'}`;
  }
}

/** Checks the schema cannot express: heads divide the width, unique model names. */
function semanticErrors(s: Suite): string[] {
  const errors: string[] = [];
  const models = [
    { path: 'teacher', m: s.teacher },
    ...s.students.map((m, i) => ({ path: `students[${i}]`, m })),
  ];
  const seen = new Map<string, string>();
  for (const { path, m } of models) {
    if (m.kind === 'transformer' && m.dModel % m.heads !== 0) {
      errors.push(`field "${path}.heads" must divide ${path}.dModel (${m.dModel} is not divisible by ${m.heads})`);
    }
    const prev = seen.get(m.name);
    if (prev) errors.push(`field "${path}.name": "${m.name}" is already used by ${prev}; model names must be unique`);
    seen.set(m.name, path);
    if (m.name.endsWith('-control')) errors.push(`field "${path}.name": names ending in "-control" are reserved for the control students`);
  }
  if (s.teacher.kind === 'command') {
    for (const step of ['distil', 'control'] as const)
      if (s.teacher[step]) errors.push(`field "teacher.${step}": a teacher is trained with "train"; "${step}" is a student's step`);
    s.students.forEach((m, i) => {
      if (isTrainable(m))
        errors.push(
          `field "students[${i}].kind": a TensorFlow.js student ("${m.kind}") learns from the teacher's logits, which a command teacher does not hand over; make the teacher a tfjs or hf-onnx model, or the student a command`,
        );
    });
  }
  s.students.forEach((m, i) => {
    if (m.kind !== 'command') return;
    if (m.train) errors.push(`field "students[${i}].train": a student is trained with "distil" (and its control with "control"); "train" is the teacher's step`);
    if (m.control && !m.distil) errors.push(`field "students[${i}].control": a control mirrors a distilled student; give "distil" too`);
  });
  errors.push(
    ...compressionErrors(
      models.map(({ path, m }) => ({
        path,
        name: m.name,
        kind: m.kind,
        compression: compressionOf(m),
        ...(m.kind === 'hf-onnx' ? { dtype: m.dtype } : {}),
        ...(m.kind === 'command' ? { hasCompressStep: m.compress !== undefined, hasDistilStep: m.distil !== undefined } : {}),
      })),
    ),
  );
  s.students.forEach((m, i) => {
    if (m.kind !== 'transformer') return;
    if (m.name.endsWith('-control-init'))
      errors.push(`field "students[${i}].name": names ending in "-control-init" are reserved for the teacher-initialised controls`);
    if (m.init === 'teacher-layers') {
      const t = s.teacher;
      if (t.kind !== 'transformer') errors.push(`field "students[${i}].init": "teacher-layers" needs a transformer teacher`);
      else {
        for (const k of ['dModel', 'heads', 'ffDim'] as const)
          if (m[k] !== t[k]) errors.push(`field "students[${i}].${k}": init "teacher-layers" needs the teacher's ${k} (${t[k]}), not ${m[k]}`);
        if (m.layers > t.layers) errors.push(`field "students[${i}].layers": init "teacher-layers" needs at most the teacher's ${t.layers} layers`);
      }
    }
    if (m.controls?.includes('teacher-init') && m.init !== 'teacher-layers')
      errors.push(`field "students[${i}].controls": a "teacher-init" control needs init "teacher-layers"`);
    if (m.pretrain)
      errors.push(
        `field "students[${i}].pretrain": only the teacher is pretrained (a student learns from the teacher; its control must not see more than the labels)`,
      );
  });
  if (s.teacher.kind === 'transformer' && s.teacher.pretrain && s.task === 'retrieval')
    errors.push('field "teacher.pretrain": a retrieval teacher is already trained contrastively; pretraining is for classification teachers');
  if (s.distillation.transferSet && !isTrainable(s.teacher) && s.teacher.kind !== 'saved')
    errors.push('field "distillation.transferSet": the teacher labels the transfer set, so it must be a TensorFlow.js model (trained or saved)');
  if (s.distillation.softWeight + s.distillation.hardWeight <= 0) {
    errors.push('field "distillation.softWeight": softWeight and hardWeight cannot both be 0');
  }
  errors.push(...retrievalErrors(s));
  return errors;
}

/** Parses and validates suite text; errors name the file and the field path. */
export function parseSuite(text: string, file: string): Suite {
  let value: unknown;
  try {
    value = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UserError(`${file}: not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
  }
  const errors = validate(value);
  if (errors.length > 0) {
    // With a known kind, oneOf branch errors for the other kinds are noise: ajv's discriminator keeps only the right branch.
    const lines = [...new Set(errors.map(describe))];
    throw new UserError(`${file}: invalid suite:\n  - ${lines.join('\n  - ')}`);
  }
  const suite = value as Suite;
  const sem = semanticErrors(suite);
  if (sem.length > 0) throw new UserError(`${file}: invalid suite:\n  - ${sem.join('\n  - ')}`);
  return suite;
}

export function availableSuites(): string[] {
  if (!existsSync(SUITES_DIR)) return [];
  return readdirSync(SUITES_DIR)
    .filter((f) => EXTENSIONS.includes(extname(f)) && !f.endsWith('.schema.json'))
    .map((f) => basename(f, extname(f)))
    .sort();
}

/** Finds a suite by file path or by name in suites/. */
export function resolveSuitePath(nameOrPath: string): string {
  const direct = resolve(nameOrPath);
  if (existsSync(direct) && statSync(direct).isFile()) return direct;
  if (/[/\\]/.test(nameOrPath) || EXTENSIONS.includes(extname(nameOrPath))) {
    throw new UserError(`suite file not found: ${nameOrPath}`);
  }
  for (const ext of EXTENSIONS) {
    const p = join(SUITES_DIR, nameOrPath + ext);
    if (existsSync(p)) return p;
  }
  throw new UserError(`unknown suite "${nameOrPath}"; available: ${availableSuites().join(', ') || '(none)'}; or give a path to a .yaml/.json file`);
}

export function loadSuite(nameOrPath: string = DEFAULT_SUITE): LoadedSuite {
  const file = resolveSuitePath(nameOrPath);
  const bytes = readFileSync(file);
  const suite = parseSuite(bytes.toString('utf8'), file);
  return { suite, file, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The suite as it runs: --quick overrides merged in. */
export function effectiveSuite(s: Suite, quick: boolean): Suite {
  if (!quick || !s.quick) return s;
  const q = s.quick;
  return {
    ...s,
    dataset: { ...s.dataset, ...q.dataset },
    teacher: isTrainable(s.teacher)
      ? {
          ...s.teacher,
          train: { ...s.teacher.train, ...q.teacherTrain },
          ...(s.teacher.kind === 'transformer' && s.teacher.pretrain ? { pretrain: { ...s.teacher.pretrain, ...q.teacherPretrain } } : {}),
        }
      : s.teacher,
    students: s.students.map((m) => (isTrainable(m) ? { ...m, train: { ...m.train, ...q.studentTrain } } : m)),
    inference: { ...s.inference, ...q.inference },
    baseline: { ...s.baseline, ...q.baseline },
    ...(q.trainSeeds !== undefined ? { trainSeeds: q.trainSeeds } : {}),
    ...(q.transferSize !== undefined && s.distillation.transferSet
      ? { distillation: { ...s.distillation, transferSet: { ...s.distillation.transferSet, size: q.transferSize } } }
      : {}),
  };
}
