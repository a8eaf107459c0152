/** What the steps of a suite run share: the run's context, the suite as run, and the models made so far. */
import type { ModelRecord, ModelRole } from '../../core/contract.js';
import type { BackendChoice } from '../../distillation/backend.js';
import type { PreparedData } from '../../distillation/data/prepare.js';
import type { EncodedSet } from '../../distillation/train.js';
import type { DataShape } from '../../distillation/models/build.js';
import type { InputContract } from '../../distillation/models/io.js';
import type { TextClassifier } from '../../distillation/models/types.js';
import type { ModelSpec, Suite } from '../../suites/types.js';
import type { ControlKind } from '../../distillation/models/types.js';
import type { RunContext } from '../lifecycle.js';

/** A model of this run, trained or loaded, with what run.json says about how it came to be. */
export interface Trained {
  model: TextClassifier;
  role: ModelRole;
  spec: ModelSpec;
  /** The teacher a student learnt from, or the student a control mirrors. */
  pairedWith?: string;
  training: ModelRecord['training'];
  /** The saved model it was loaded from, where it was not trained in this run. */
  reusedFrom?: string;
  /** init "teacher-layers": the teacher layer copied into each of its layers. */
  initLayers?: number[];
  /** What the control keeps of its student (controls only). */
  controlKind?: ControlKind;
  /** Repeats with other training seeds (suite.trainSeeds), evaluated and disposed: per repeat its test correctness. */
  seedRepeats?: { phase: string; correct: Uint8Array; accuracy: number; macroF1: number }[];
}

export interface SuiteStepContext {
  run: RunContext;
  /** The suite as run (after --quick). */
  suite: Suite;
  quick: boolean;
  /** Folder of the suite file: relative paths of saved models start there. */
  suiteDir: string;
  /** Registers a model for disposal when the run ends, however it ends. */
  keep(model: TextClassifier): void;
  /** The tfjs backend the run uses; `sync` is set where its work runs asynchronously on a device. */
  backend: BackendChoice;
}

/** The data step's output: the prepared data and what models are built for. */
export interface SuiteData {
  data: PreparedData;
  shape: DataShape;
  input: InputContract;
}

/** What the students learn from: the labelled examples and the transfer set, with the teacher's logits on every one. */
export interface DistillationSet {
  set: EncodedSet;
  logits: Float32Array;
}
