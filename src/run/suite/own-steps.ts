/**
 * The steps of a suite's own models (command, hf-onnx), beside the TensorFlow.js ones: the data for
 * commands, the teacher, the teacher's logits, the students, their controls and the evaluation. The
 * inference benchmark runs all models in one interleaved schedule (benchmark.ts).
 */
import { join } from 'node:path';
import { predictLogits } from '../../distillation/train.js';
import { writeJsonl, writeTeacherLogits } from '../../distillation/data/export.js';
import type { Correctness } from '../../benchmark/aggregate.js';
import { isTrainable, type ModelSpec } from '../../suites/types.js';
import { CommandModel, type CommandShared } from './command-model.js';
import { HfOnnxModel } from './hf-onnx-model.js';
import { compressCommandStudent, isCompressedCommand } from './compression.js';
import type { OwnModel } from './own-models.js';
import type { SuiteData, SuiteStepContext, Trained } from './types.js';

const isOwn = (m: ModelSpec) => m.kind === 'command' || m.kind === 'hf-onnx';

export function hasOwnModels(s: SuiteStepContext): boolean {
  return isOwn(s.suite.teacher) || s.suite.students.some(isOwn);
}

function hasCommands(s: SuiteStepContext): boolean {
  return s.suite.teacher.kind === 'command' || s.suite.students.some((m) => m.kind === 'command');
}

/**
 * In the data-preparation phase: the suite's examples and split as JSONL in the run directory
 * (data/<dataset>.jsonl, KDBENCH_DATA), where a command model needs them.
 */
export function exportDataStep(s: SuiteStepContext, d: SuiteData): CommandShared | undefined {
  if (!hasCommands(s)) return undefined;
  const file = join(s.run.dir, 'data', `${d.data.dataset.name}.jsonl`);
  const e = writeJsonl(d.data, file);
  s.run.progress.log(`data for commands: ${file} (${e.train} training and ${e.test} test examples, sha256 ${e.sha256.slice(0, 12)}...)`);
  return { dataFile: file };
}

/** The teacher when it is not a TensorFlow.js model: a command (trained in phase teacher-training, if it has "train") or an hf-onnx model (loaded). */
export async function ownTeacherStep(s: SuiteStepContext, d: SuiteData, shared: CommandShared | undefined): Promise<OwnModel> {
  const spec = s.suite.teacher;
  if (spec.kind === 'hf-onnx') {
    const t = await HfOnnxModel.load(s, d, spec, 'teacher', 'teacher');
    if (shared) shared.teacher = { name: spec.name, path: t.spec.path };
    return t;
  }
  if (spec.kind !== 'command') throw new Error(`teacher "${spec.name}" is a TensorFlow.js model`);
  const t = new CommandModel(spec, spec.name, 'teacher', 'teacher', shared!);
  shared!.teacher = { name: spec.name, dir: t.modelDir(s.run) };
  if (spec.train) await t.train(s, d, 'train', 'teacher-training');
  else s.run.progress.log(`${spec.name}: no "train" step: a teacher trained before this run`);
  s.run.check();
  return t;
}

/**
 * The teacher's logits on the training split, computed once (phase teacher-logits) for every student
 * that learns from them: TensorFlow.js students, and command students of a teacher that is not a
 * command (they get the logits as a file, KDBENCH_TEACHER_LOGITS). A command teacher's students compute
 * what they need themselves, in their own distillation phase.
 */
export async function teacherLogitsStep(
  s: SuiteStepContext,
  d: SuiteData,
  teacher: Trained | OwnModel,
  shared: CommandShared | undefined,
): Promise<Float32Array | undefined> {
  const tfjsStudents = s.suite.students.some(isTrainable);
  const commandStudents = s.suite.students.some((m) => m.kind === 'command' && m.distil) && !(teacher instanceof CommandModel);
  if (!tfjsStudents && !commandStudents) return undefined;
  if (teacher instanceof CommandModel) throw new Error(`teacher "${teacher.name}" is a command: it gives no logits`);
  const own = teacher instanceof HfOnnxModel ? teacher : undefined;
  const tfjs = own ? undefined : (teacher as Trained);
  const name = own ? own.name : tfjs!.model.name;
  await s.run.phase('teacher-logits', name);
  s.run.progress.log(`${name}: logits on the training set`);
  const logits = own ? await own.trainLogits(d) : await predictLogits(tfjs!.model, d.data.train, 128);
  if (commandStudents && shared) {
    const file = join(s.run.dir, 'data', 'teacher-logits.jsonl');
    writeTeacherLogits(file, d.data.examples.train, logits, d.data.dataset.classes.length);
    shared.teacher = { ...shared.teacher, name, logitsFile: file };
  }
  s.run.check();
  return logits;
}

/** Command students distilled (phase distillation:NAME) and hf-onnx students loaded (phase loading:NAME), in suite order. */
export async function ownStudentsStep(s: SuiteStepContext, d: SuiteData, shared: CommandShared | undefined): Promise<OwnModel[]> {
  const teacher = s.suite.teacher.name;
  const out: OwnModel[] = [];
  for (const [i, spec] of s.suite.students.entries()) {
    const path = `students[${i}]`;
    if (spec.kind === 'hf-onnx') out.push(await HfOnnxModel.load(s, d, spec, 'student', path));
    else if (spec.kind === 'command' && isCompressedCommand(spec)) out.push(await compressCommandStudent(s, d, spec, path, shared!));
    else if (spec.kind === 'command') {
      const m = new CommandModel(spec, spec.name, 'student', path, shared!, spec.distil ? teacher : undefined);
      if (spec.distil) await m.train(s, d, 'distil', `distillation:${spec.name}`);
      else s.run.progress.log(`${spec.name}: no "distil" step: a student trained before this run`);
      out.push(m);
    }
    s.run.check();
  }
  return out;
}

/** Each command student's control (its "control" step): the same model trained without the teacher (phase control-training:NAME-control). */
export async function ownControlsStep(
  s: SuiteStepContext,
  d: SuiteData,
  students: OwnModel[],
  shared: CommandShared | undefined,
): Promise<OwnModel[]> {
  const out: OwnModel[] = [];
  for (const st of students) {
    if (!(st instanceof CommandModel) || !st.spec.control) continue;
    const name = `${st.name}-control`;
    const c = new CommandModel(st.spec, name, 'control', st.path, shared!, st.name);
    await c.train(s, d, 'control', `control-training:${name}`);
    out.push(c);
    s.run.check();
  }
  return out;
}

/** Each own model evaluated on the test split in its own phase (evaluation:NAME); records and correctness as each is done. */
export async function ownEvaluateStep(s: SuiteStepContext, d: SuiteData, models: OwnModel[], correct: Correctness): Promise<void> {
  for (const m of models) {
    const { record, correct: c } = await m.evaluate(s, d);
    if (c) correct.set(m.name, c);
    s.run.records.models.push(record);
    s.run.progress.log(
      `${record.name} (${record.role}, ${record.kind}): accuracy ${(record.accuracy * 100).toFixed(2)} %, macro-F1 ${record.macroF1.toFixed(4)}, ${record.params.toLocaleString('en-US')} params`,
    );
    s.run.check();
  }
}
