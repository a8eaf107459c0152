/**
 * Training and inference speed against PyTorch on the same machine (`npm run bench -- training`).
 *
 * The default suite's teacher (architecture, Adam and learning rate, batch size, sequence length and
 * vocabulary from suites/default.yaml; batches of real SpamAssassin training examples) is trained by:
 *   - kdbench on its WebAssembly kernels, 1 thread and 2 threads (train(), the suite's own code path);
 *   - kdbench on TensorFlow.js ops (the path before the kernels: referenceLogits and tf.train.adam);
 *   - PyTorch (bench/training_reference.py, Debian's python3-torch; the BLAS it loaded is recorded),
 *     1 thread and 2 threads, in child processes of this one.
 * Rounds interleave the arms (rotating their order) so that a change in the machine's load hits all
 * of them; each figure is the median over every timed step of every round, with the range of the
 * per-round medians. Inference: batches of 1 and 32 test examples, logits read back.
 * Where PyTorch is not installed the report says so and times kdbench alone.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createInterface, type Interface } from 'node:readline';
import { selectBackend, tf } from '../src/distillation/backend.js';
import { prepareData } from '../src/distillation/data/prepare.js';
import { TransformerClassifier, type TransformerConfig } from '../src/distillation/models/transformer.js';
import { crossEntropy } from '../src/distillation/loss.js';
import { train, type EncodedSet } from '../src/distillation/train.js';
import { tfjsBatchRunner } from '../src/distillation/infer.js';
import { setKernelsEnabled, startKernelThreads } from '../src/distillation/kernels/runtime.js';
import type { KernelProfile } from '../src/distillation/kernels/program.js';
import { loadSuite } from '../src/suites/load.js';

const SCRIPT = fileURLToPath(new URL('../../bench/training_reference.py', import.meta.url));

export interface Stat {
  /** Median over all timed samples of all rounds (ms). */
  median: number;
  /** Range of the per-round medians (ms). */
  roundMin: number;
  roundMax: number;
  /** Fastest single sample (ms): the closest to an idle machine on a loaded one. */
  fastest: number;
  samples: number;
}

export interface Arm {
  name: string;
  threads: number;
  train?: Stat;
  infer1?: Stat;
  infer32?: Stat;
}

export interface TrainingBenchResult {
  startedAt: string;
  cores: number;
  cpu: string;
  node: string;
  load: { start: number[]; end: number[]; perRound: number[] };
  shape: TransformerConfig & { batchSize: number; learningRate: number; params: number; optimizer: string };
  rounds: number;
  torch: { available: boolean; note: string; version?: string; blas?: string[] };
  arms: Arm[];
  kernels: {
    kdbench: { name: string; msPerStep: number; calls: number }[];
    kdbenchStepMs: number;
    tfjs: { name: string; ms: number; calls: number }[];
    tfjsKernelCount: number;
    torch: { name: string; ms: number; calls: number }[];
  };
  targets: { name: string; wanted: string; measured: string; met: boolean }[];
}

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

class Collector {
  private readonly rounds: number[][] = [];
  add(samples: number[]): void {
    if (samples.length) this.rounds.push(samples);
  }
  stat(): Stat | undefined {
    if (!this.rounds.length) return undefined;
    const per = this.rounds.map(median);
    const all = this.rounds.flat();
    return { median: median(all), roundMin: Math.min(...per), roundMax: Math.max(...per), fastest: Math.min(...all), samples: all.length };
  }
}

/** PyTorch in a child process, driven line by line (bench/training_reference.py). */
class TorchArm {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: Interface,
    private readonly pending: ((line: string) => void)[],
    readonly hello: { ready: boolean; torch?: string; blas?: string[]; error?: string },
  ) {}

  static async start(python: string, threads: number): Promise<TorchArm> {
    const n = String(threads);
    const child = spawn(python, [SCRIPT, '--threads', n], {
      env: { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const pending: ((line: string) => void)[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (l) => pending.shift()?.(l));
    const first = await new Promise<string>((resolve, reject) => {
      pending.push(resolve);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`${python} exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`)));
    });
    return new TorchArm(child, lines, pending, JSON.parse(first));
  }

  ask<T>(msg: Record<string, unknown>): Promise<T> {
    return new Promise<T>((resolve) => {
      this.pending.push((l) => resolve(JSON.parse(l) as T));
      this.child.stdin.write(JSON.stringify(msg) + '\n');
    });
  }

  stop(): void {
    this.child.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n');
    this.lines.close();
  }
}

/** The first python3 that can import torch: KDBENCH_PYTHON when set (then only it), else Debian's /usr/bin/python3, then python3 on PATH. */
async function startTorch(threads: number): Promise<{ arm?: TorchArm; note: string }> {
  const candidates = process.env.KDBENCH_PYTHON ? [process.env.KDBENCH_PYTHON] : ['/usr/bin/python3', 'python3'];
  const notes: string[] = [];
  for (const py of candidates) {
    if (py.startsWith('/') && !existsSync(py)) continue;
    try {
      const arm = await TorchArm.start(py, threads);
      if (arm.hello.ready) return { arm, note: `${py}: PyTorch ${arm.hello.torch}` };
      notes.push(`${py}: ${arm.hello.error}`);
      arm.stop();
    } catch (e) {
      notes.push(`${py}: ${(e as Error).message}`);
    }
  }
  return { note: `PyTorch not available (${notes.join('; ')}); install Debian's python3-torch and libopenblas0-pthread` };
}

/** Time budget of one arm's part of a round: at most `max` samples, and no more once `ms` have passed after `min` samples. */
export interface Budget {
  min: number;
  max: number;
  ms: number;
}

class Enough extends Error {}

/**
 * Times each step of one train() call over `set` (the first step, which also sets up Adam, is not
 * counted), stopping it through onStep once the budget is spent.
 */
async function timeTrain(
  model: TransformerClassifier,
  set: EncodedSet,
  cfg: { batchSize: number; learningRate: number },
  budget: Budget,
): Promise<number[]> {
  const times: number[] = [];
  const t0 = performance.now();
  let last = t0;
  try {
    await train(
      model,
      set,
      { epochs: 1, batchSize: cfg.batchSize, learningRate: cfg.learningRate },
      {
        seed: 1,
        onStep: () => {
          const now = performance.now();
          times.push(now - last);
          last = now;
          const timed = times.length - 1;
          if (timed >= budget.max || (timed >= budget.min && now - t0 > budget.ms)) throw new Enough();
        },
      },
    );
  } catch (e) {
    if (!(e instanceof Enough)) throw e;
  }
  return times.slice(1);
}

function timeInfer(model: TransformerClassifier, set: EncodedSet, batchSize: number, budget: Budget): number[] {
  const runner = tfjsBatchRunner(model, set, batchSize);
  try {
    runner.runBatch(0);
    const times: number[] = [];
    const start = performance.now();
    for (let i = 0; i < budget.max && (i < budget.min || performance.now() - start < budget.ms); i++) {
      const t0 = performance.now();
      runner.runBatch(i);
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    runner.dispose();
  }
}

/** Per arm and round: training steps, batch-1 and batch-32 inferences (the slow tfjs-ops arm gets fewer). */
const BUDGET = {
  train: { min: 3, max: 10, ms: 1500 },
  infer1: { min: 10, max: 100, ms: 500 },
  infer32: { min: 3, max: 20, ms: 500 },
  slowTrain: { min: 2, max: 3, ms: 1500 },
  slowInfer1: { min: 5, max: 30, ms: 300 },
  slowInfer32: { min: 2, max: 5, ms: 300 },
};

export async function runTrainingBench(log: (s: string) => void = () => {}, rounds = 5): Promise<TrainingBenchResult> {
  const startedAt = new Date().toISOString();
  const loadStart = loadavg();
  await selectBackend('wasm');
  const { suite } = loadSuite('default');
  const teacher = suite.teacher;
  if (teacher.kind !== 'transformer') throw new Error('the default suite teacher is not a transformer');
  log('training: preparing the default suite data');
  const data = prepareData(suite.dataset, suite.seed);
  const cfg: TransformerConfig = {
    vocabSize: data.vocab.tokens.length,
    seqLen: suite.dataset.seqLen,
    classes: data.dataset.classes.length,
    dModel: teacher.dModel,
    heads: teacher.heads,
    layers: teacher.layers,
    ffDim: teacher.ffDim,
  };
  const { batchSize, learningRate } = teacher.train;
  const L = cfg.seqLen;
  const subset = (steps: number): EncodedSet => {
    const n = Math.min(data.train.n, steps * batchSize);
    return { ids: data.train.ids.subarray(0, n * L), labels: data.train.labels.subarray(0, n), n, seqLen: L };
  };
  const fastSet = subset(11);
  const slowSet = subset(4);

  const torch: TrainingBenchResult['torch'] = { available: false, note: '' };
  const torchArms: { threads: number; arm: TorchArm }[] = [];
  for (const threads of [1, 2]) {
    const t = await startTorch(threads);
    torch.note = t.note;
    if (!t.arm) break;
    torch.available = true;
    torch.version = t.arm.hello.torch;
    const init = await t.arm.ask<{ params: number; blas: string[] }>({
      cmd: 'init',
      config: cfg,
      ids: Array.from({ length: batchSize }, (_, i) => Array.from(fastSet.ids.subarray(i * L, (i + 1) * L))),
      labels: Array.from(fastSet.labels.subarray(0, batchSize)),
      lr: learningRate,
    });
    torch.blas = init.blas;
    torchArms.push({ threads, arm: t.arm });
  }
  log(`training: ${torch.note}`);

  type Runner = { arm: Arm; train: Collector; i1: Collector; i32: Collector; run: () => Promise<void> };
  const runners: Runner[] = [];
  const models: TransformerClassifier[] = [];
  const kd = (threads: number): Runner => {
    const model = new TransformerClassifier(`bench-kd${threads}`, cfg, 1);
    models.push(model);
    const r: Runner = {
      arm: { name: `kdbench kernels, ${threads} thread${threads > 1 ? 's' : ''}`, threads },
      train: new Collector(),
      i1: new Collector(),
      i32: new Collector(),
      run: async () => {
        const got = await startKernelThreads(threads);
        if (got !== threads) throw new Error(`kernel threads: asked for ${threads}, got ${got}`);
        r.train.add(await timeTrain(model, fastSet, { batchSize, learningRate }, BUDGET.train));
        r.i1.add(timeInfer(model, data.test, 1, BUDGET.infer1));
        r.i32.add(timeInfer(model, data.test, 32, BUDGET.infer32));
      },
    };
    return r;
  };
  runners.push(kd(1), kd(2));
  const refModel = new TransformerClassifier('bench-tfjs', cfg, 1);
  models.push(refModel);
  const ref: Runner = {
    arm: { name: 'TensorFlow.js ops (wasm backend, before the kernels)', threads: 1 },
    train: new Collector(),
    i1: new Collector(),
    i32: new Collector(),
    run: async () => {
      setKernelsEnabled(false);
      try {
        ref.train.add(await timeTrain(refModel, slowSet, { batchSize, learningRate }, BUDGET.slowTrain));
        ref.i1.add(timeInfer(refModel, data.test, 1, BUDGET.slowInfer1));
        ref.i32.add(timeInfer(refModel, data.test, 32, BUDGET.slowInfer32));
      } finally {
        setKernelsEnabled(true);
      }
    },
  };
  runners.push(ref);
  for (const { threads, arm } of torchArms) {
    const r: Runner = {
      arm: { name: `PyTorch ${torch.version}, ${threads} thread${threads > 1 ? 's' : ''}`, threads },
      train: new Collector(),
      i1: new Collector(),
      i32: new Collector(),
      run: async () => {
        r.train.add((await arm.ask<{ ms: number[] }>({ cmd: 'train', ...BUDGET.train })).ms);
        r.i1.add((await arm.ask<{ ms: number[] }>({ cmd: 'infer', batch: 1, ...BUDGET.infer1 })).ms);
        r.i32.add((await arm.ask<{ ms: number[] }>({ cmd: 'infer', batch: 32, ...BUDGET.infer32 })).ms);
      },
    };
    runners.push(r);
  }

  const perRound: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = runners.map((_, i) => runners[(i + round) % runners.length]);
    for (const r of order) await r.run();
    perRound.push(loadavg()[0]);
    log(`training: round ${round + 1}/${rounds} done (load average ${loadavg()[0].toFixed(2)})`);
  }
  for (const r of runners) {
    r.arm.train = r.train.stat();
    r.arm.infer1 = r.i1.stat();
    r.arm.infer32 = r.i32.stat();
  }

  // Where the time goes: kdbench's kernels (one thread, per kernel), tfjs's kernels, PyTorch's ops.
  await startKernelThreads(1);
  const profile: KernelProfile = new Map();
  const profModel = models[0];
  profModel.kernels!.profile = profile;
  const profSteps = await timeTrain(profModel, fastSet, { batchSize, learningRate }, { min: 10, max: 10, ms: 0 });
  profModel.kernels!.profile = undefined;
  const stepsProfiled = profSteps.length + 1;
  const kdKernels = [...profile.entries()]
    .map(([name, v]) => ({ name, msPerStep: v.ms / stepsProfiled, calls: v.calls / stepsProfiled }))
    .sort((a, b) => b.msPerStep - a.msPerStep);
  setKernelsEnabled(false);
  const batchIds = tf.tensor2d(fastSet.ids.subarray(0, batchSize * L), [batchSize, L], 'int32');
  const batchLabels = tf.tensor1d(fastSet.labels.subarray(0, batchSize), 'int32');
  const opt = tf.train.adam(learningRate);
  const tfProfile = await tf.profile(() => {
    tf.tidy(() => {
      opt.minimize(() => crossEntropy(refModel.referenceLogits(batchIds), batchLabels), false, refModel.variables);
    });
  });
  setKernelsEnabled(true);
  opt.dispose();
  tf.dispose([batchIds, batchLabels]);
  const agg = new Map<string, { ms: number; calls: number }>();
  for (const k of tfProfile.kernels) {
    const e = agg.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += k.kernelTimeMs as number;
    e.calls++;
    agg.set(k.name, e);
  }
  const tfKernels = [...agg.entries()].map(([name, v]) => ({ name, ...v })).sort((a, b) => b.ms - a.ms);
  let torchOps: { name: string; ms: number; calls: number }[] = [];
  if (torchArms.length) {
    const p = await torchArms[0].arm.ask<{ ops: [string, number, number][] }>({ cmd: 'profile' });
    torchOps = p.ops.map(([name, ms, calls]) => ({ name, ms, calls }));
  }
  for (const { arm } of torchArms) arm.stop();
  for (const m of models) m.dispose();

  const result: TrainingBenchResult = {
    startedAt,
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    load: { start: loadStart, end: loadavg(), perRound },
    shape: { ...cfg, batchSize, learningRate, params: refModel.paramCount(), optimizer: 'Adam (beta 0.9, 0.999; epsilon 1e-7)' },
    rounds,
    torch,
    arms: runners.map((r) => r.arm),
    kernels: {
      kdbench: kdKernels,
      kdbenchStepMs: median(profSteps),
      tfjs: tfKernels.slice(0, 10),
      tfjsKernelCount: tfProfile.kernels.length,
      torch: torchOps,
    },
    targets: [],
  };
  result.targets = trainingTargets(result);
  return result;
}

function trainingTargets(r: TrainingBenchResult): TrainingBenchResult['targets'] {
  const t: TrainingBenchResult['targets'] = [];
  const arms = (prefix: string) => r.arms.filter((a) => a.name.startsWith(prefix));
  const kd = arms('kdbench');
  const pt = arms('PyTorch');
  if (!pt.length) return t;
  const best = (list: Arm[], key: 'train' | 'infer1' | 'infer32') =>
    list.filter((a) => a[key]).sort((a, b) => a[key]!.median - b[key]!.median)[0];
  const rows = [
    ['training step', 'train', 3],
    ['inference batch 1', 'infer1', 2],
    ['inference batch 32', 'infer32', 2],
  ] as const;
  for (const [label, key, wanted] of rows) {
    const pairs: [string, Arm | undefined, Arm | undefined][] = [
      ['1 thread each', kd.find((a) => a.threads === 1), pt.find((a) => a.threads === 1)],
      ['each at its best thread count', best(kd, key), best(pt, key)],
    ];
    for (const [how, a, b] of pairs) {
      if (!a?.[key] || !b?.[key]) continue;
      const x = a[key]!.median / b[key]!.median;
      const fastest = a[key]!.fastest / b[key]!.fastest;
      t.push({
        name: `${label}, ${how}: ${a.name} / ${b.name}`,
        wanted: `<= ${wanted}x (stretch: 1x)`,
        measured: `${x.toFixed(2)}x (fastest samples: ${fastest.toFixed(2)}x)`,
        met: x <= wanted,
      });
    }
  }
  return t;
}

const ms = (s?: Stat) =>
  s ? `${s.median.toFixed(2)} (${s.roundMin.toFixed(2)}-${s.roundMax.toFixed(2)}; ${s.fastest.toFixed(2)})` : 'n/a';

export function trainingMarkdown(r: TrainingBenchResult): string {
  const base = r.arms.find((a) => a.name.startsWith('PyTorch') && a.threads === 1);
  const tfjs = r.arms.find((a) => a.name.startsWith('TensorFlow.js'));
  const L: string[] = [
    `# Training benchmark (${r.startedAt})`,
    '',
    `${r.cores} cores (${r.cpu}), Node ${r.node}. Load average (1 min) ${r.load.start[0].toFixed(2)} at the start, ${r.load.end[0].toFixed(2)} at the end; ` +
      `after each round: ${r.load.perRound.map((x) => x.toFixed(2)).join(', ')}. The machine is shared: absolute times move with the load; ` +
      'the arms are interleaved in every round, so their ratios are what to read.',
    '',
    `Model: the default suite's teacher (${r.shape.layers} layers, width ${r.shape.dModel}, ${r.shape.heads} heads, feed-forward ${r.shape.ffDim}, ` +
      `vocabulary ${r.shape.vocabSize}, ${r.shape.params.toLocaleString('en-US')} parameters), batches of ${r.shape.batchSize} x ${r.shape.seqLen} tokens ` +
      `of SpamAssassin training mails, ${r.shape.optimizer}, learning rate ${r.shape.learningRate}. ${r.rounds} round${r.rounds > 1 ? 's' : ''}.`,
    '',
    `PyTorch: ${r.torch.note}${r.torch.blas?.length ? `; BLAS loaded: ${r.torch.blas.join(', ')}` : ''}.` +
      (r.torch.available && Math.max(...r.load.perRound) > r.cores
        ? ` With more runnable threads than cores (load average above ${r.cores}), PyTorch's OpenMP and OpenBLAS worker threads spin-wait for ` +
          'each other while other processes hold the cores: its 2-thread times then say more about the load than about PyTorch.'
        : ''),
    '',
    '## Targets',
    '',
    '| target | wanted | measured | met |',
    '|---|---|---|---|',
    ...r.targets.map((t) => `| ${t.name} | ${t.wanted} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`),
    ...(r.targets.length ? [] : ['| (PyTorch not available: no ratios) | | | |']),
    '',
    '## Times',
    '',
    'Median ms over all timed steps or calls (range of the per-round medians; fastest sample).',
    '',
    '| arm | training step (ms) | samples/s | step vs PyTorch 1 thread | step vs tfjs ops | inference batch 1 (ms) | batch 32 (ms) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const a of r.arms) {
    const sps = a.train ? ((r.shape.batchSize * 1000) / a.train.median).toFixed(0) : 'n/a';
    const vs = a.train && base?.train ? `${(a.train.median / base.train.median).toFixed(2)}x` : 'n/a';
    const vsTfjs = a.train && tfjs?.train ? `${(a.train.median / tfjs.train.median).toFixed(3)}x` : 'n/a';
    L.push(`| ${a.name} | ${ms(a.train)} | ${sps} | ${vs} | ${vsTfjs} | ${ms(a.infer1)} | ${ms(a.infer32)} |`);
  }
  const kdTotal = r.kernels.kdbench.reduce((s, k) => s + k.msPerStep, 0);
  L.push(
    '',
    '## Where the time goes',
    '',
    `kdbench kernels, one thread, per training step (step median ${r.kernels.kdbenchStepMs.toFixed(2)} ms, of which kernels ${kdTotal.toFixed(2)} ms; ` +
      'the rest is TensorFlow.js around the one op: the loss, tensors in and out, Adam):',
    '',
    '| kernel | ms / step | calls / step | share of kernel time |',
    '|---|---:|---:|---:|',
    ...r.kernels.kdbench.map(
      (k) => `| ${k.name} | ${k.msPerStep.toFixed(3)} | ${k.calls.toFixed(0)} | ${((100 * k.msPerStep) / kdTotal).toFixed(1)} % |`,
    ),
    '',
    `TensorFlow.js ops (before), one step, tf.profile (${r.kernels.tfjsKernelCount} kernels):`,
    '',
    '| kernel | ms | calls |',
    '|---|---:|---:|',
    ...r.kernels.tfjs.map((k) => `| ${k.name} | ${k.ms.toFixed(2)} | ${k.calls} |`),
  );
  if (r.kernels.torch.length)
    L.push(
      '',
      'PyTorch, 1 thread, one step, torch.profiler (self CPU time):',
      '',
      '| op | ms | calls |',
      '|---|---:|---:|',
      ...r.kernels.torch.map((k) => `| ${k.name} | ${k.ms.toFixed(2)} | ${k.calls} |`),
    );
  return L.join('\n') + '\n';
}
