/**
 * `kdbench run`: a suite as one run of the lifecycle (../lifecycle.ts), a list of named steps, each a
 * function of typed inputs and outputs and each one or more measured phases:
 *   idle baseline -> prepare data -> teacher (trained or loaded) -> the teacher's logits -> distil each
 *   student -> train the controls -> load saved students -> evaluate -> save models -> benchmark inference.
 * Models of kind "command" and "hf-onnx" go through the same steps (own-steps.ts), in the same phases.
 */
import { basename, dirname } from 'node:path';
import type { ReportSettings, RunJson } from '../../core/contract.js';
import { selectBackend, tf, type BackendChoice } from '../../distillation/backend.js';
import { dependencyVersion } from '../../core/host.js';
import type { TextClassifier } from '../../distillation/models/types.js';
import { resolveTeacherPath } from '../../distillation/models/reuse.js';
import { aggregateInference, compareModels, type Correctness, type SeedCorrectness } from '../../benchmark/aggregate.js';
import { probeAll, selectSources } from '../../measurement/select.js';
import type { PreparedCarbon } from '../../carbon/index.js';
import { isTfjs, type LoadedSuite, type Suite } from '../../suites/types.js';
import { effectiveSuite } from '../../suites/load.js';
import { collectEnvironment, gpuInventory } from '../environment.js';
import { executeRun, type RunEnd, type RunOutcome } from '../lifecycle.js';
import type { ProgressSink } from '../progress.js';
import { prepareDataStep } from './prepare-data.js';
import { teacherStep } from './teacher.js';
import { distilStep } from './distil.js';
import { controlsStep } from './controls.js';
import { transferStep } from './transfer.js';
import { savedStudentsStep } from './saved-students.js';
import { evaluateStep } from './evaluate.js';
import { saveModelsStep } from './save-models.js';
import { benchmarkStep } from './benchmark.js';
import type { SuiteStepContext } from './types.js';
import { withCompression } from './compression.js';
import { checkSuiteSize, memoryLimit } from './size-check.js';
import type { OwnModel } from './own-models.js';
import { checkOwnModels } from './check-own-models.js';
import { CommandStepError } from './command-model.js';
import { retrievalSteps } from './retrieval-steps.js';
import { UserError } from '../../core/errors.js';
import { exportDataStep, ownControlsStep, ownEvaluateStep, ownStudentsStep, ownTeacherStep, teacherLogitsStep } from './own-steps.js';

export type { Trained, SuiteStepContext, SuiteData } from './types.js';

export interface SuiteRunOptions {
  loaded: LoadedSuite;
  quick: boolean;
  /** --out (new or empty), else a new folder under reports/. */
  out?: string;
  backend?: string;
  carbon: PreparedCarbon;
  intervalMs: number;
  argv: string[];
  reproduce: string;
  progress: ProgressSink;
  /** --repeats: interleaved rounds of the inference benchmarks (default: the suite's, else 1). */
  repeats?: number;
  /** --teacher: a saved teacher (model folder, model.json or a run directory) used instead of training one. */
  teacherPath?: string;
  reportSettings?: ReportSettings;
  /** Failure injection for tests (KDBENCH_FAIL_IN_PHASE). */
  failInPhase?: string;
  /** A device backend's wait for its queued work, before every phase boundary (see RunOptions.beforeBoundary). */
  beforeBoundary?: () => Promise<void>;
  onFinished?: (end: RunEnd) => void;
}

/**
 * Runs a suite end to end; whatever happens, run.json and the reports are written. Returns the outcome
 * of a completed run; a failed or interrupted one is thrown on (after it is written), as executeRun does.
 */
export async function runSuite(opts: SuiteRunOptions): Promise<RunOutcome> {
  const suite: Suite = effectiveSuite(opts.loaded.suite, opts.quick);
  const { progress } = opts;
  const repeats = opts.repeats ?? suite.inference.repeats ?? 1;
  if (suite.task === 'retrieval' && opts.teacherPath)
    throw new UserError(
      '--teacher: a retrieval suite trains its bi-encoder teacher in the run; reusing a saved teacher is not supported there yet',
    );
  const teacherPath = opts.teacherPath ? resolveTeacherPath(opts.teacherPath) : undefined;
  // Commands and model folders are checked before anything runs (what needs the data is checked in the run).
  checkOwnModels(opts.loaded, dirname(opts.loaded.file));
  const backend = await selectBackend(opts.backend);
  // Before anything is claimed or trained: a suite that cannot fit in memory is refused with the numbers.
  checkSuiteSize(suite, repeats, memoryLimit(backend.name));
  progress.log(`tfjs backend: ${backend.name}${backend.skipped.length ? ` (not used: ${backend.skipped.join('; ')})` : ''}`);
  if (backend.adapter) progress.log(`WebGPU adapter: ${describeAdapter(backend)}`);
  const probes = probeAll();
  const selection = selectSources({ intervalMs: opts.intervalMs, probes });
  const environment = await collectEnvironment({ backend: backend.name, gpus: gpuInventory(probes) });
  environment.tfjsBackendsSkipped = backend.skipped;
  if (backend.kernels) environment.tfjsKernels = backend.kernels;
  if (backend.adapter) environment.webgpuAdapter = backend.adapter;
  if (backend.dawnOptions) environment.webgpuDawnOptions = backend.dawnOptions;
  environment.packages = {
    ...(environment.packages as Record<string, string | null>),
    webgpu: dependencyVersion('webgpu'),
    '@tensorflow/tfjs-backend-webgpu': dependencyVersion('@tensorflow/tfjs-backend-webgpu'),
  };
  if (teacherPath) environment.teacherReusedFrom = teacherPath;
  environment.inferenceRepeats = repeats;

  const kept: TextClassifier[] = [];
  const own: OwnModel[] = [];
  try {
    return await executeRun(
      {
        out: opts.out,
        label: `${suite.name}${opts.quick ? '-quick' : ''}`,
        kind: 'suite',
        argv: opts.argv,
        fields: {
          reproduce: opts.reproduce,
          reportSettings: opts.reportSettings,
          suite: { name: suite.name, file: basename(opts.loaded.file), sha256: opts.loaded.sha256, seed: suite.seed, quick: opts.quick },
        },
        environment: { ...environment, suiteConfig: suite },
        intervalMs: opts.intervalMs,
        selection,
        carbon: opts.carbon,
        progress,
        failInPhase: opts.failInPhase,
        beforeBoundary: beforeBoundaryFor(backend, opts.beforeBoundary),
        onFinished: opts.onFinished,
      },
      async (run) => {
        progress.log(`run directory: ${run.dir}`);
        for (const n of selection.notes) progress.log(n);
        const s: SuiteStepContext = {
          run,
          suite,
          quick: opts.quick,
          suiteDir: dirname(opts.loaded.file),
          keep: (m) => kept.push(m),
          backend,
        };
        const correct: Correctness = new Map();
        const seedCorrect: SeedCorrectness = new Map();
        // Filled in by the steps, read at finalisation: a run stopped half-way still compares what it evaluated.
        const found: { testGroups?: string[] } = {};
        run.amend((r) => aggregate(r, correct, suite.seed, found.testGroups, seedCorrect));
        run.amend((r) => withCompression(r, suite, correct, found.testGroups));

        const baselineS = suite.baseline?.seconds ?? 3;
        progress.log(`idle baseline: ${baselineS} s`);
        await run.baseline(baselineS);
        run.check();
        if (suite.task === 'retrieval') {
          // Bi-encoders, their ranking metrics and the energy of index, query and scoring (retrieval-steps.ts).
          await retrievalSteps(s, repeats, correct, found);
          await run.endPhase();
          return;
        }
        try {
          const data = await prepareDataStep(s);
          found.testGroups = data.data.testGroups;
          const shared = exportDataStep(s, data);
          // The teacher: TensorFlow.js (trained, saved or --teacher), else a command or an hf-onnx model.
          const ownTeacher = isTfjs(suite.teacher) || teacherPath ? undefined : await ownTeacherStep(s, data, shared);
          if (ownTeacher) own.push(ownTeacher);
          const teacher = ownTeacher ? undefined : await teacherStep(s, data, { teacherPath });
          if (teacher && shared) shared.teacher = { name: teacher.model.name };
          const logits = await teacherLogitsStep(s, data, teacher ?? ownTeacher!, shared);
          const distilSet = logits ? await transferStep(s, data, teacher, logits) : undefined;
          const students = distilSet ? await distilStep(s, data, (teacher?.model ?? ownTeacher!).name, distilSet, teacher?.model) : [];
          const ownStudents = await ownStudentsStep(s, data, shared);
          own.push(...ownStudents);
          const controls = await controlsStep(s, data, students, teacher?.model);
          own.push(...(await ownControlsStep(s, data, ownStudents, shared)));
          const saved = await savedStudentsStep(s, data);
          const models = [...(teacher ? [teacher] : []), ...students, ...controls, ...saved];
          if (models.length > 0) {
            const records = await evaluateStep(s, data, models, correct, seedCorrect);
            await ownEvaluateStep(s, data, own, correct);
            await saveModelsStep(s, data, models, records);
          } else await ownEvaluateStep(s, data, own, correct);
          await benchmarkStep(s, data, models, repeats, own);
        } catch (e) {
          // A command step that failed (exit code, time limit) ends the run "failed" with exit code 1, its message on stderr.
          if (!(e instanceof CommandStepError)) throw e;
          progress.log(`failed: ${e.message}`);
          const phase = run.currentPhase();
          return { status: 'failed', error: { message: e.message, ...(phase ? { phase } : {}) }, exitCode: 1 };
        }
        await run.endPhase();
      },
    );
  } finally {
    for (const m of kept) m.dispose();
    for (const m of own) await m.dispose().catch(() => undefined);
    tf.disposeVariables();
  }
}

/**
 * The wait before every phase boundary: the given one, else the backend's device sync. GPU work is
 * asynchronous: without it a boundary is marked while the device still runs the phase's work, whose
 * energy then lands in the next phase. Backends that compute on the calling thread need none.
 */
export function beforeBoundaryFor(backend: Pick<BackendChoice, 'sync'>, given?: () => Promise<void>): (() => Promise<void>) | undefined {
  return given ?? backend.sync;
}

function describeAdapter(b: BackendChoice): string {
  const a = b.adapter!;
  const parts = [a.vendor, a.architecture, a.device, a.description].filter(Boolean);
  const nul = b.dawnOptions?.includes('backend=null') ? " (Dawn's null adapter: it runs no GPU work, the run's numbers mean nothing)" : '';
  return `${parts.length ? parts.join(', ') : 'no vendor information'}${b.dawnOptions ? ` [Dawn options: ${b.dawnOptions.join(' ')}]` : ''}${nul}`;
}

/** Folds repeated rounds into medians with intervals and adds the comparisons (at finalisation, whatever the outcome). */
function aggregate(run: RunJson, correct: Correctness, seed: number, testGroups?: string[], seedCorrect?: SeedCorrectness): RunJson {
  const inference = aggregateInference(run.inference, seed);
  const comparisons = compareModels(run.models, inference, correct, seed, testGroups, seedCorrect);
  return { ...run, inference, ...(comparisons.length ? { comparisons } : {}) };
}
