/**
 * Models of a suite that kdbench does not run in TensorFlow.js: kind "command" (the user's own commands,
 * any framework; command-model.ts) and kind "hf-onnx" (a Hugging Face model exported to ONNX, run with
 * transformers.js; hf-onnx-model.ts). They go through the same steps as the built-in models (training or
 * loading, distillation, control, evaluation, interleaved inference rounds), each step in its own phase,
 * and end up in the same run.json records.
 */
import type { ModelRecord, ModelRole } from '../../core/contract.js';
import type { BenchSlot } from '../../benchmark/schedule.js';
import type { InferenceResult } from '../../benchmark/inference.js';
import type { ModelSpec } from '../../suites/types.js';
import type { SuiteData, SuiteStepContext } from './types.js';

/** One inference benchmark slot's figures (the run.json inference record without energy, which comes from the phase). */
export type SlotFigures = Omit<InferenceResult, 'samples'>;

export interface OwnModel {
  readonly name: string;
  readonly role: ModelRole;
  readonly kind: 'command' | 'hf-onnx';
  readonly pairedWith?: string;
  /** Evaluates on the test split in its own phase (evaluation:NAME); correctness per test example where known. */
  evaluate(s: SuiteStepContext, d: SuiteData): Promise<{ record: ModelRecord; correct?: Uint8Array }>;
  /** One benchmark slot: starts the slot's phase itself (a command's setup comes before it) and returns its figures. */
  benchmark(s: SuiteStepContext, d: SuiteData, slot: BenchSlot): Promise<SlotFigures>;
  dispose(): Promise<void>;
}

/** Every model spec of a suite with its field path ("teacher", "students[1]"). */
export function modelEntries(suite: { teacher: ModelSpec; students: ModelSpec[] }): { path: string; spec: ModelSpec }[] {
  return [{ path: 'teacher', spec: suite.teacher }, ...suite.students.map((spec, i) => ({ path: `students[${i}]`, spec }))];
}
