/**
 * Compressed students of a suite (suite field `compression`): a command student made from another model
 * by its own `compress` step (quantization, pruning, a chain), in phase compression:NAME whose sub-phases
 * (calibration, pruning, fine-tuning) are its production cost; and, at finalisation, each model's
 * compression record in run.json: its lineage from the teacher, its honest-compute verdict for the runtime
 * that ran it, its production phases and its accuracy change against the teacher with a paired interval.
 */
import { join } from 'node:path';
import type { CompressionRecord, ModelRecord, RunJson } from '../../core/contract.js';
import { deriveSeed } from '../../core/random.js';
import { bootstrapPairedMeanDiffCI, intervalWarning } from '../../benchmark/stats.js';
import type { Correctness } from '../../benchmark/aggregate.js';
import {
  lineage,
  lineageVerdict,
  methodName,
  stepLabel,
  type CompressionRuntime,
  type CompressionSpec,
  type LineageModel,
} from '../../compression/index.js';
import { compressionOf, isTrainable, type CommandModelSpec, type Suite } from '../../suites/types.js';
import { CommandModel, type CommandShared } from './command-model.js';
import type { SuiteData, SuiteStepContext } from './types.js';

/** True for a student made by a compress step rather than by distillation. */
export function isCompressedCommand(spec: CommandModelSpec): boolean {
  return spec.compression !== undefined && spec.compression.method !== 'distillation';
}

/**
 * Makes a compressed command student: its `compress` step in phase compression:NAME, with the base model's
 * folder (KDBENCH_BASE_DIR), its name (KDBENCH_BASE) and the settings (KDBENCH_COMPRESSION, JSON) in the
 * environment, and KDBENCH_STEP=compress.
 */
export async function compressCommandStudent(
  s: SuiteStepContext,
  d: SuiteData,
  spec: CommandModelSpec,
  path: string,
  shared: CommandShared,
): Promise<CommandModel> {
  const c = spec.compression!;
  // The compress step runs through the command model's training path (a result with params, size, info), under its own phase.
  const m = new CommandModel({ ...spec, distil: spec.compress }, spec.name, 'student', path, shared, c.from);
  s.run.progress.log(`${spec.name}: ${c.method} of ${c.from}`);
  await m.train(s, d, 'distil', `compression:${spec.name}`, {
    KDBENCH_STEP: 'compress',
    KDBENCH_BASE: c.from,
    KDBENCH_BASE_DIR: join(s.run.dir, 'models', c.from),
    KDBENCH_COMPRESSION: JSON.stringify(c),
  });
  return m;
}

/** Does the suite use compression at all (the method comparison then covers every distilled student too)? */
export function usesCompression(suite: Suite): boolean {
  return [suite.teacher, ...suite.students].some((m) => compressionOf(m) !== undefined);
}

function runtimeOf(m: ModelRecord): CompressionRuntime {
  const fw = String(m.runtime?.framework ?? '');
  if (m.kind === 'hf-onnx' || fw.includes('onnxruntime')) return 'onnxruntime';
  if (fw.startsWith('torch')) return 'pytorch';
  if (m.kind === 'command') return 'command';
  return 'tfjs';
}

/**
 * The compression records, added at finalisation (whatever the outcome: a run stopped half-way records
 * what it evaluated). Only for suites that use compression, so that other runs' run.json is unchanged.
 */
export function withCompression(run: RunJson, suite: Suite, correct: Correctness, testGroups?: readonly string[]): RunJson {
  if (!usesCompression(suite)) return run;
  const specs: LineageModel[] = [
    { name: suite.teacher.name, role: 'teacher' },
    ...suite.students.map((m): LineageModel => {
      const c: CompressionSpec | undefined = compressionOf(m);
      const distilled = isTrainable(m) || (m.kind === 'command' && m.distil !== undefined && !isCompressedCommand(m));
      return { name: m.name, role: 'student', ...(c ? { compression: c } : {}), distilled };
    }),
  ];
  const phases = new Set(run.phases.map((p) => p.name));
  const models = run.models.map((m) => {
    if (m.role !== 'student') return m;
    const lin = lineage(m.name, specs);
    if (lin.steps.length === 0) return m;
    const info = (m.architecture?.info ?? undefined) as Record<string, unknown> | undefined;
    const engine = typeof info?.engine === 'string' ? info.engine : undefined;
    const device = typeof m.runtime?.device === 'string' ? m.runtime.device : undefined;
    const runtime = runtimeOf(m);
    const chainNames = lineageNames(m.name, specs);
    const production = [...phases].filter((p) =>
      chainNames.some(
        (n) =>
          p === `distillation:${n}` || p === `compression:${n}` || p.startsWith(`distillation:${n}:`) || p.startsWith(`compression:${n}:`),
      ),
    );
    const spec = specs.find((x) => x.name === m.name);
    const record: CompressionRecord = {
      method: methodName(lin.steps),
      steps: lin.steps.map(stepLabel),
      from: spec?.compression?.from ?? lin.root,
      root: lin.root,
      runtime,
      honestCompute: lineageVerdict(lin.steps, runtime, { ...(engine ? { int8Engine: engine } : {}), ...(device ? { device } : {}) }),
      productionPhases: production,
      ...(accuracyChange(m.name, lin.root, correct, suite.seed, testGroups) ?? {}),
      ...(info ? { info } : {}),
    };
    return { ...m, compression: record };
  });
  // The paired accuracy differences against the teacher, where no comparison has them yet (the decision box reads them).
  const comparisons = [...(run.comparisons ?? [])];
  for (const m of models) {
    const a = m.compression?.accuracyChange;
    if (!a || comparisons.some((c) => c.metric === 'accuracy' && c.a === m.name && c.b === a.vs)) continue;
    const warning = intervalWarning(a.ci95 ?? [NaN, NaN], a.estimate, 0);
    comparisons.push({
      metric: 'accuracy',
      kind: 'difference',
      a: m.name,
      b: a.vs,
      estimate: a.estimate,
      ...(a.ci95 ? { ci95: a.ci95 } : {}),
      n: a.n,
      ...(warning ? { warning } : {}),
    });
  }
  return { ...run, models, ...(comparisons.length ? { comparisons } : {}) };
}

/** The names along the lineage (the model and every student it was made from), for its production phases. */
function lineageNames(name: string, specs: readonly LineageModel[]): string[] {
  const out: string[] = [];
  let cur = specs.find((x) => x.name === name);
  while (cur && cur.role === 'student' && !out.includes(cur.name)) {
    out.push(cur.name);
    const from = cur.compression?.from;
    cur = from ? specs.find((x) => x.name === from) : undefined;
  }
  return out;
}

function accuracyChange(
  name: string,
  root: string,
  correct: Correctness,
  seed: number,
  testGroups?: readonly string[],
): Pick<CompressionRecord, 'accuracyChange'> | undefined {
  const a = correct.get(name);
  const b = correct.get(root);
  if (!a || !b || a.length !== b.length || a.length === 0) return undefined;
  const estimate = a.reduce((s, v, i) => s + v - b[i], 0) / a.length;
  const clusters = testGroups && testGroups.length === a.length ? testGroups : undefined;
  const ci = bootstrapPairedMeanDiffCI(Array.from(a), Array.from(b), {
    seed: deriveSeed(seed, `compression-acc:${name}`),
    ...(clusters ? { clusters } : {}),
  });
  const ok = Number.isFinite(ci[0]) && Number.isFinite(ci[1]);
  return { accuracyChange: { vs: root, estimate, ...(ok ? { ci95: [ci[0], ci[1]] as [number, number] } : {}), n: a.length } };
}
