/**
 * Command models in a real run of the lifecycle, with a real command (test/fixtures/command-model.mjs:
 * naive Bayes that speaks kdbench's protocol) on a small hand-made data set: each step in its own phase
 * with its sub-phases, the infer step's setup / timed window / exit, the KDBENCH_* environment, results
 * validated (an invalid line names the step and the field), and a step that fails, hangs or reports
 * nothing failing the run with what was measured kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunJson } from '../../src/core/contract.js';
import { UserError } from '../../src/core/errors.js';
import { prepareCarbon } from '../../src/carbon/index.js';
import { selectSources } from '../../src/measurement/select.js';
import { writeJsonl, writeTeacherLogits } from '../../src/distillation/data/export.js';
import type { Example } from '../../src/distillation/data/types.js';
import type { PreparedData } from '../../src/distillation/data/prepare.js';
import { executeRun, type RunContext } from '../../src/run/lifecycle.js';
import { CommandModel, CommandStepError, type CommandShared } from '../../src/run/suite/command-model.js';
import { checkOwnModels } from '../../src/run/suite/check-own-models.js';
import { inferenceSchedule } from '../../src/benchmark/schedule.js';
import type { SuiteData, SuiteStepContext } from '../../src/run/suite/types.js';
import type { CommandModelSpec, Suite } from '../../src/suites/types.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-command-model-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const NO_METERS = {
  KDBENCH_NVML_LIB: join(tmp, 'no-libnvidia-ml.so.1'),
  KDBENCH_NVIDIA_SMI: '',
  KDBENCH_POWERCAP_ROOT: join(tmp, 'no-powercap'),
  PATH: '',
};
const readRun = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;

/** 48 short reviews, two classes, split 32/16: naive Bayes learns them. */
function data(): SuiteData {
  const good = ['good', 'great', 'fine', 'lovely', 'superb', 'nice'];
  const bad = ['bad', 'awful', 'poor', 'dreadful', 'nasty', 'grim'];
  const ex: Example[] = [];
  for (let i = 0; i < 48; i++) {
    const label = i % 2;
    const w = label ? bad : good;
    ex.push({ id: `r${i}`, text: `the film was ${w[i % 6]} and ${w[(i + 1) % 6]} with actors ${i}`, label });
  }
  const train = ex.slice(0, 32);
  const test = ex.slice(32);
  const enc = (xs: Example[]) => ({
    ids: new Int32Array(xs.length * 4),
    labels: Int32Array.from(xs, (e) => e.label),
    n: xs.length,
    seqLen: 4,
  });
  const prepared = {
    dataset: {
      name: 'reviews',
      description: 'test',
      classes: ['neg', 'pos'],
      examples: ex,
      source: { package: 'none', version: null, licence: 'none' },
    },
    examples: { train, test },
    train: enc(train),
    test: enc(test),
  } as unknown as PreparedData;
  return { data: prepared, shape: { vocabSize: 4, seqLen: 4, classes: 2 }, input: { tokens: [], classes: ['neg', 'pos'], seqLen: 4 } };
}

const suite = {
  name: 'cmd',
  seed: 7,
  distillation: { temperature: 2, softWeight: 0.5, hardWeight: 0.5 },
  inference: { batchSizes: [1, 4], timeMs: 30 },
} as unknown as Suite;

function spec(extra: Partial<CommandModelSpec> = {}, env: Record<string, string> = {}): CommandModelSpec {
  const step = { argv: ['node', 'command-model.mjs'] };
  return {
    name: 'nb',
    kind: 'command',
    cwd: '.',
    env,
    train: step,
    distil: step,
    control: step,
    evaluate: step,
    infer: step,
    ...extra,
  };
}

let n = 0;
/** One run of the lifecycle around `body`; returns run.json and the body's error, if any. */
async function withRun(body: (s: SuiteStepContext, d: SuiteData, shared: CommandShared) => Promise<void>) {
  const lines: string[] = [];
  const dir = join(tmp, `run-${++n}`);
  let error: unknown;
  try {
    await executeRun(
      {
        out: dir,
        label: 'test',
        kind: 'suite',
        argv: ['test'],
        environment: {},
        intervalMs: 20,
        selection: selectSources({ intervalMs: 20, env: NO_METERS }),
        carbon: prepareCarbon({}),
        reports: false,
        progress: { begin: () => {}, update: () => {}, end: () => {}, log: (l) => void lines.push(l) },
      },
      async (run: RunContext) => {
        const d = data();
        const shared: CommandShared = { dataFile: join(run.dir, 'data', 'reviews.jsonl') };
        writeJsonl(d.data, shared.dataFile);
        const s: SuiteStepContext = { run, suite, quick: true, suiteDir: FIXTURES, keep: () => {}, backend: { name: 'cpu', skipped: [] } };
        await body(s, d, shared);
      },
    );
  } catch (e) {
    error = e;
  }
  return { dir, run: readRun(dir), error, lines };
}

test('a command teacher and a distilled command student with its control: phases, sub-phases, records, the teacher handed over', async () => {
  const records: { record: import('../../src/core/contract.js').ModelRecord; correct?: Uint8Array }[] = [];
  const { run, error, lines, dir } = await withRun(async (s, d, shared) => {
    const teacher = new CommandModel(spec(), 'teach', 'teacher', 'teacher', shared);
    shared.teacher = { name: 'teach', dir: teacher.modelDir(s.run) };
    await teacher.train(s, d, 'train', 'teacher-training');
    const student = new CommandModel(spec(), 'nb', 'student', 'students[0]', shared, 'teach');
    await student.train(s, d, 'distil', 'distillation:nb');
    const control = new CommandModel(spec(), 'nb-control', 'control', 'students[0]', shared, 'nb');
    await control.train(s, d, 'control', 'control-training:nb-control');
    for (const m of [teacher, student, control]) records.push(await m.evaluate(s, d));
  });
  assert.equal(error, undefined, String(error));
  assert.equal(run.status, 'completed');
  assert.deepEqual(
    run.phases.map((p) => [p.name, p.model]),
    [
      ['teacher-training', 'teach'],
      ['teacher-training:counting', 'teach'],
      ['distillation:nb', 'nb'],
      ['distillation:nb:counting', 'nb'],
      ['control-training:nb-control', 'nb-control'],
      ['control-training:nb-control:counting', 'nb-control'],
      ['evaluation:teach', 'teach'],
      ['evaluation:nb', 'nb'],
      ['evaluation:nb-control', 'nb-control'],
    ],
  );
  assert.ok(
    run.phases.every((p) => p.energyJ > 0),
    'each command is measured (its process tree, estimated here)',
  );
  const [t, st, c] = records;
  assert.equal(t.record.kind, 'command');
  assert.equal(t.record.role, 'teacher');
  assert.equal(st.record.pairedWith, 'teach');
  assert.equal(c.record.pairedWith, 'nb');
  for (const r of records) {
    // Predictions reported: kdbench computes the metrics and knows each example's correctness.
    assert.equal(r.correct?.length, 16);
    assert.equal(r.record.accuracy, r.correct!.reduce((a, x) => a + x, 0) / 16);
    assert.ok(r.record.accuracy >= 0.9, `${r.record.name} learns the toy task: ${r.record.accuracy}`);
    assert.ok(r.record.params > 0);
    assert.equal(r.record.runtime?.framework, `node ${process.version}`);
    assert.equal(r.record.runtime?.device, 'cpu');
    assert.equal(r.record.savedTo, `models/${r.record.name}`);
    assert.ok((r.record.sizeBytes ?? 0) > 0);
    assert.ok(existsSync(join(dir, 'models', r.record.name, 'model.json')));
  }
  assert.equal(st.record.training.phase, 'distillation:nb');
  assert.equal(st.record.training.steps, 32);
  assert.deepEqual(st.record.architecture.type, 'multinomial naive Bayes');
  assert.ok(
    lines.some((l) => l === 'nb distil: distilling from teach at T=2'),
    'stdout reaches the progress lines',
  );
  const log = readFileSync(join(dir, 'logs', 'distillation_nb.stdout.log'), 'utf8');
  assert.match(log, /distilling from teach/);
  assert.doesNotMatch(log, /::kdbench/, 'protocol lines are taken out of the output');
  // The student and its control got the same seed (same start, same batches), the teacher another.
  const seeds = lines.filter((l) => /seed \d+$/.test(l)).map((l) => /(\S+) \((\w+)\).* seed (\d+)$/.exec(l)!.slice(2));
  assert.equal(seeds.length, 3);
  assert.equal(seeds[1][1], seeds[2][1]);
  assert.notEqual(seeds[0][1], seeds[1][1]);
});

test('a student of a non-command teacher gets its logits as a file (KDBENCH_TEACHER_LOGITS), rows in the order of the data', async () => {
  const { run, error } = await withRun(async (s, d, shared) => {
    const file = join(s.run.dir, 'data', 'teacher-logits.jsonl');
    const train = d.data.examples.train;
    // A teacher that knows the labels: the distilled student must still learn.
    writeTeacherLogits(file, train, Float32Array.from(train.flatMap((e) => (e.label ? [-2, 2] : [2, -2]))), 2);
    shared.teacher = { name: 'tfjs-teacher', logitsFile: file };
    const st = new CommandModel(spec(), 'nb', 'student', 'students[0]', shared, 'tfjs-teacher');
    await st.train(s, d, 'distil', 'distillation:nb');
    const { record } = await st.evaluate(s, d);
    assert.ok(record.accuracy >= 0.9);
  });
  assert.equal(error, undefined, String(error));
  assert.equal(run.status, 'completed');
});

test('infer: setup before the first marker, the timed window until the result line, the exit after it; interleaved rounds', async () => {
  const figures: { phase: string; inferences: number; batchSize: number }[] = [];
  const { run, error } = await withRun(async (s, d, shared) => {
    const m = new CommandModel(spec(), 'nb', 'teacher', 'teacher', shared);
    await m.train(s, d, 'train', 'teacher-training');
    for (const slot of inferenceSchedule(['nb'], [1, 4], 2)) figures.push({ phase: slot.phase, ...(await m.benchmark(s, d, slot)) });
  });
  assert.equal(error, undefined, String(error));
  const names = run.phases.map((p) => p.name).filter((x) => x.includes('inference'));
  assert.deepEqual(names.slice(0, 3), ['inference-setup:nb:b1:r1', 'inference:nb:b1:r1', 'inference-exit:nb:b1:r1']);
  assert.equal(names.length, 12);
  assert.deepEqual(
    figures.map((f) => f.phase),
    ['inference:nb:b1:r1', 'inference:nb:b4:r1', 'inference:nb:b4:r2', 'inference:nb:b1:r2'],
  );
  for (const f of figures) {
    assert.ok(f.inferences >= 3 * f.batchSize && f.inferences % f.batchSize === 0);
    const timed = run.phases.find((p) => p.name === f.phase)!;
    assert.ok(timed.durationS >= 0.025, `the timed window spans the command's loop (${timed.durationS} s)`);
  }
});

const faults: [string, string, RegExp, 'user' | 'step'][] = [
  [
    'bad-type@evaluate',
    'evaluate',
    /students\[0\] "nb", step "evaluate": invalid result line .*\n\s+- field "accuracy" must be number/,
    'user',
  ],
  ['unknown-field@evaluate', 'evaluate', /field "acuracy" is not part of the result schema/, 'user'],
  ['no-result@distil', 'distil', /step "distil": the step printed no result line/, 'user'],
  ['no-result@infer', 'infer', /step "infer": the step printed no result line/, 'user'],
  ['no-marker@infer', 'infer', /step "infer": printed no "::kdbench phase NAME::" line/, 'user'],
  ['wrong-batch@infer', 'infer', /field "batchSize" is 5, but this slot asked for KDBENCH_BATCH_SIZE=4/, 'user'],
  ['bad-predictions@evaluate', 'evaluate', /field "predictions" has 15 entries; the test split has 16 examples/, 'user'],
  ['exit@distil', 'distil', /step "distil": the command exited with code 3 \(its stdout: logs\/distillation_nb\.stdout\.log\)/, 'step'],
];

for (const [fault, step, message, kind] of faults) {
  test(`a step that misbehaves (${fault}) fails the run, naming the model, the step and the field, with what was measured kept`, async () => {
    const { run, error } = await withRun(async (s, d, shared) => {
      const file = join(s.run.dir, 'data', 'teacher-logits.jsonl');
      writeTeacherLogits(file, d.data.examples.train, new Float32Array(d.data.examples.train.length * 2), 2);
      shared.teacher = { name: 't', logitsFile: file };
      const m = new CommandModel(spec({}, { FAKE_FAULT: fault }), 'nb', 'student', 'students[0]', shared, 't');
      await m.train(s, d, 'control', 'control-training:nb');
      if (step === 'distil') await m.train(s, d, 'distil', 'distillation:nb');
      if (step === 'evaluate') await m.evaluate(s, d);
      if (step === 'infer') await m.benchmark(s, d, { model: 'nb', batchSize: 4, round: 1, phase: 'inference:nb:b4' });
    });
    assert.ok(kind === 'user' ? error instanceof UserError : error instanceof CommandStepError, String(error));
    assert.match((error as Error).message, message);
    assert.equal(run.status, 'failed');
    assert.match(run.error?.message ?? '', message);
    assert.ok(
      run.phases.some((p) => p.name === 'control-training:nb' && p.energyJ > 0),
      'the steps before are kept',
    );
  });
}

test('a step past its timeoutS is stopped and fails the run', async () => {
  const t0 = Date.now();
  const { run, error } = await withRun(async (s, d, shared) => {
    const m = new CommandModel(spec({ timeoutS: 0.5 }, { FAKE_FAULT: 'hang' }), 'nb', 'teacher', 'teacher', shared);
    await m.train(s, d, 'train', 'teacher-training');
  });
  assert.ok(error instanceof CommandStepError, String(error));
  assert.match((error as Error).message, /teacher "nb", step "train": did not finish within timeoutS = 0.5 s; stopped/);
  assert.ok(Date.now() - t0 < 20_000);
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.phase, 'teacher-training');
});

test('commands and model folders are checked before anything runs', () => {
  const loaded = (students: unknown[]) =>
    ({ file: 'x.yaml', sha256: '', suite: { ...suite, teacher: spec(), students } }) as unknown as Parameters<typeof checkOwnModels>[0];
  checkOwnModels(loaded([]), FIXTURES);
  assert.throws(
    () => checkOwnModels(loaded([{ ...spec(), name: 's', distil: { argv: ['no-such-program-kdbench'] } }]), FIXTURES),
    (e) =>
      e instanceof UserError && /students\[0\] "s", step "distil": cannot run "no-such-program-kdbench": not found on PATH/.test(e.message),
  );
  assert.throws(
    () => checkOwnModels(loaded([{ ...spec(), name: 's', evaluate: { argv: ['./missing.sh'] } }]), FIXTURES),
    /step "evaluate": cannot run ".*missing\.sh": no such file/,
  );
  assert.throws(
    () => checkOwnModels(loaded([{ ...spec(), name: 's', cwd: 'nowhere' }]), FIXTURES),
    /field "cwd": folder .*nowhere not found/,
  );
  assert.throws(
    () => checkOwnModels(loaded([{ name: 'h', kind: 'hf-onnx', path: 'hf-tiny/wrong-input' }]), FIXTURES),
    /students\[0\] "h": .*wrong-input\/config\.json is missing/,
  );
});
