/**
 * The run lifecycle itself, in this process with the real meter (estimates only: no GPU, no RAPL):
 * a completed run with its reports, a body that fails in a phase, injected failure, signals (exit 130
 * and 143), the boundary hook before every phase change, run.json written at the start and rewritten
 * whole at the end, and a measured command with markers and a time limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { RunJson } from '../../src/core/contract.js';
import { UserError } from '../../src/core/errors.js';
import { prepareCarbon } from '../../src/carbon/index.js';
import { selectSources } from '../../src/measurement/select.js';
import { executeRun, type BodyResult, type RunContext, type RunOptions } from '../../src/run/lifecycle.js';
import { RunInterrupted } from '../../src/run/signals.js';
import { resolveCommand, runMeasuredCommand } from '../../src/run/command.js';
import type { ProgressSink } from '../../src/run/progress.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-lifecycle-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** No NVML, no nvidia-smi, no powercap: CPU and DRAM are estimates of this process. */
const NO_METERS = {
  KDBENCH_NVML_LIB: join(tmp, 'no-libnvidia-ml.so.1'),
  KDBENCH_NVIDIA_SMI: '',
  KDBENCH_POWERCAP_ROOT: join(tmp, 'no-powercap'),
  PATH: '',
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const readRun = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;

function lines(): ProgressSink & { lines: string[] } {
  const out: string[] = [];
  return { lines: out, begin: () => {}, update: () => {}, end: () => {}, log: (l) => void out.push(l) };
}

let n = 0;
function options(extra: Partial<RunOptions> = {}): RunOptions & { progress: ReturnType<typeof lines> } {
  const progress = lines();
  return {
    out: join(tmp, `run-${++n}`),
    label: 'test',
    kind: 'measure',
    argv: ['test'],
    environment: { hostname: 'test-host' },
    intervalMs: 20,
    selection: selectSources({ intervalMs: 20, env: NO_METERS }),
    carbon: prepareCarbon({}),
    ...extra,
    progress,
  };
}

/** Keeps a core busy for `ms`, so that the estimate of this process has energy to attribute. */
function busy(ms: number): void {
  const t = Date.now();
  while (Date.now() - t < ms);
}

test('a completed run: run.json "running" at the start, rewritten whole at the end, reports written, hint for the world fallback', async () => {
  const o = options({ fields: { reproduce: "kdbench measure -- echo 'a b'", reportSettings: { requestsPerDay: 1000 } } });
  let during: RunJson | undefined;
  let finished = 0;
  const outcome = await executeRun({ ...o, onFinished: () => void finished++ }, async (ctx) => {
    during = readRun(ctx.dir);
    await ctx.phase('load');
    busy(150);
    await ctx.phase('work', 'model-a');
    busy(150);
    ctx.records.models.push({
      name: 'model-a',
      role: 'teacher',
      kind: 'test',
      params: 1,
      accuracy: 1,
      macroF1: 1,
      architecture: {},
      training: { epochs: 0, steps: 0, phase: 'work', finalLoss: 0 },
    });
    ctx.amend((run) => ({ ...run, comparisons: [] }));
  });
  assert.equal(during?.status, 'running');
  assert.equal(during?.endedAt, null);
  const run = readRun(outcome.dir);
  assert.deepEqual(JSON.parse(JSON.stringify(outcome.run)), run, 'the outcome is what run.json holds');
  assert.equal(outcome.status, 'completed');
  assert.equal(outcome.exitCode, 0);
  assert.equal(run.status, 'completed');
  assert.match(run.runId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(run.runId, during?.runId, 'one run id from start to end');
  assert.equal(run.reproduce, "kdbench measure -- echo 'a b'");
  assert.deepEqual(run.reportSettings, { requestsPerDay: 1000 });
  assert.deepEqual(
    run.phases.map((p) => [p.name, p.model]),
    [
      ['load', undefined],
      ['work', 'model-a'],
    ],
  );
  assert.ok(run.phases.every((p) => p.energyJ > 0 && p.domains.every((d) => d.method === 'estimated')));
  assert.deepEqual(run.comparisons, [], 'the amendment is in run.json');
  assert.equal(run.models[0].name, 'model-a');
  assert.equal(finished, 1);
  for (const f of ['report.md', 'report.html', 'summary.csv', 'emissions.csv']) assert.ok(outcome.reportFiles.includes(f), f);
  assert.ok(existsSync(join(outcome.dir, 'report.html')));
  assert.deepEqual(
    readdirSync(outcome.dir).filter((f) => f.includes('.tmp-')),
    [],
    'no temporary file left: every write was a rename',
  );
  assert.equal(run.carbon?.fallback, true);
  const hint = o.progress.lines.at(-1) ?? '';
  assert.match(hint, /no --region given.*world-average.*--region CODE/);
  assert.match(hint, new RegExp(`kdbench carbon --energy ${run.totals!.energyJ.toFixed(3)}J --region CODE$`));
});

test('no hint where a region was given', async () => {
  const o = options({ carbon: prepareCarbon({ region: 'FR' }) });
  await executeRun(o, async (ctx) => {
    await ctx.phase('main');
  });
  assert.ok(!o.progress.lines.some((l) => /--region/.test(l)), o.progress.lines.join('\n'));
});

test('a body that fails in a phase: status "failed" with that phase, what was measured kept, amendments applied, error thrown on', async () => {
  const o = options();
  let dir = '';
  await assert.rejects(
    executeRun(o, async (ctx) => {
      dir = ctx.dir;
      ctx.amend((run) => ({ ...run, comparisons: [] }));
      await ctx.phase('first');
      busy(60);
      await ctx.phase('second');
      throw new Error('disk full');
    }),
    /disk full/,
  );
  const run = readRun(dir);
  assert.equal(run.status, 'failed');
  assert.deepEqual(run.error, { message: 'disk full', phase: 'second' });
  assert.deepEqual(
    run.phases.map((p) => p.name),
    ['first', 'second'],
  );
  assert.ok(run.totals && run.totals.energyJ > 0);
  assert.deepEqual(run.comparisons, []);
  assert.match(readFileSync(join(dir, 'report.md'), 'utf8'), /PARTIAL: FAILED/);
});

test('a user error inside the run is thrown on as it is (exit 2), the run written as failed', async () => {
  const o = options();
  await assert.rejects(
    executeRun(o, async (ctx) => {
      await ctx.phase('loading:teacher');
      throw new UserError('saved teacher does not match');
    }),
    (e) => e instanceof UserError,
  );
  assert.equal(readRun(o.out!).status, 'failed');
});

test('failInPhase: the phase starts, then the run fails in it', async () => {
  const o = options({ failInPhase: 'evaluation' });
  await assert.rejects(
    executeRun(o, async (ctx) => {
      await ctx.phase('training');
      await ctx.phase('evaluation');
      assert.fail('not reached');
    }),
    /injected failure at the start of phase "evaluation"/,
  );
  const run = readRun(o.out!);
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.phase, 'evaluation');
  assert.deepEqual(
    run.phases.map((p) => p.name),
    ['training', 'evaluation'],
  );
});

for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${sig}: check() stops the run at the next step, status "interrupted" in the phase it was in, exit code ${code}`, async () => {
    const listeners = process.listenerCount(sig);
    const o = options();
    let steps = 0;
    const err = await executeRun(o, async (ctx) => {
      await ctx.phase('training');
      process.kill(process.pid, sig);
      for (;;) {
        await sleep(10);
        ctx.check();
        steps++;
      }
    }).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RunInterrupted, String(err));
    assert.equal(err.exitCode, code);
    assert.equal(err.signal, sig);
    assert.ok(steps < 50, `stopped after ${steps} steps`);
    const run = readRun(o.out!);
    assert.equal(run.status, 'interrupted');
    assert.deepEqual(run.error, { message: `interrupted by ${sig}`, phase: 'training' });
    assert.equal(process.listenerCount(sig), listeners, 'the watcher is gone after the run');
  });
}

test('a second signal exits at once (steps mode); in wait mode the body decides, and an interrupted run exits 128 + signal', async () => {
  const exits: number[] = [];
  const o = options({ exit: (c) => void exits.push(c) });
  await assert.rejects(
    executeRun(o, async (ctx) => {
      await ctx.phase('work');
      process.kill(process.pid, 'SIGINT');
      await sleep(30);
      process.kill(process.pid, 'SIGTERM');
      await sleep(30);
      ctx.check();
    }),
    RunInterrupted,
  );
  assert.deepEqual(exits, [143]);

  const w = options({ interruption: 'wait' });
  const seen: string[] = [];
  const outcome = await executeRun(w, async (ctx): Promise<BodyResult> => {
    ctx.onSignal((s) => void seen.push(s));
    await ctx.phase('main');
    process.kill(process.pid, 'SIGTERM');
    await sleep(50);
    // Wait mode: the body reads ctx.signal and decides.
    return { status: 'interrupted', error: { message: `stopped by ${ctx.signal}` }, exitCode: 7 };
  });
  assert.deepEqual(seen, ['SIGTERM']);
  assert.equal(outcome.exitCode, 143, 'interrupted: 143 for SIGTERM, whatever the body returned (issue 12)');
  assert.equal(readRun(outcome.dir).status, 'interrupted');
});

test('a signal once the work is done says the files are being written, and the run ends completed, exit 0', async () => {
  const notices: string[] = [];
  let boundaries = 0;
  const o = options({
    signalNotice: (l) => void notices.push(l),
    beforeBoundary: async () => {
      // The boundary at the end of the run: the body has returned.
      if (++boundaries === 2) {
        process.kill(process.pid, 'SIGINT');
        await sleep(50);
      }
    },
  });
  const outcome = await executeRun(o, async (ctx) => {
    await ctx.phase('only');
  });
  assert.equal(boundaries, 2);
  assert.equal(notices.length, 1);
  assert.match(notices[0], /SIGINT: the run's work is done; writing its files/);
  assert.doesNotMatch(notices[0], /partial/);
  assert.equal(outcome.status, 'completed');
  assert.equal(outcome.exitCode, 0);
  assert.equal(readRun(outcome.dir).status, 'completed');
});

test('beforeBoundary runs before every boundary (baseline, each phase, the end), in order, and the mark waits for it', async () => {
  const events: string[] = [];
  let settled = 0;
  const o = options({
    beforeBoundary: async () => {
      events.push('sync');
      await sleep(40);
      settled = Date.now();
    },
  });
  const marks: { phase: string; syncedBefore: number }[] = [];
  const outcome = await executeRun(o, async (ctx: RunContext) => {
    await ctx.baseline(0.05);
    events.push('baseline');
    // Not awaited one by one: the queue keeps them in order, each after its own wait.
    const a = ctx.phase('a');
    const b = ctx.phase('b');
    await Promise.all([a, b]);
    marks.push({ phase: 'b', syncedBefore: settled });
    events.push('phases');
  });
  assert.deepEqual(events, ['sync', 'baseline', 'sync', 'sync', 'phases', 'sync']);
  const run = outcome.run;
  assert.deepEqual(
    run.phases.map((p) => p.name),
    ['a', 'b'],
  );
  assert.ok(Date.parse(run.phases[1].startedAt) >= marks[0].syncedBefore - 5, 'phase b starts after its wait ended');
  assert.ok(run.phases[0].durationS >= 0.035, `phase a lasts while b's wait runs (${run.phases[0].durationS} s)`);
  assert.ok(run.baseline && run.baseline.durationS >= 0.045);
});

test('a hook that fails at the end of a completed run makes it "failed", written', async () => {
  let calls = 0;
  const o = options({
    beforeBoundary: async () => {
      if (++calls === 2) throw new Error('device lost');
    },
  });
  const outcome = await executeRun(o, async (ctx) => {
    await ctx.phase('only');
  });
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.exitCode, 1);
  assert.match(readRun(outcome.dir).error?.message ?? '', /device lost/);
});

test('the run directory: an occupied --out is refused before anything runs; without --out a new folder under reportsRoot', async () => {
  const full = join(tmp, 'occupied');
  mkdirSync(full);
  writeFileSync(join(full, 'keep.txt'), 'earlier');
  let ran = false;
  await assert.rejects(
    executeRun(options({ out: full }), async () => {
      ran = true;
    }),
    /exists and is not empty/,
  );
  assert.equal(ran, false);
  assert.deepEqual(readdirSync(full), ['keep.txt']);
  const root = join(tmp, 'reports-root');
  const a = await executeRun(options({ out: undefined, reportsRoot: root, label: 'my run', reports: false }), async (ctx) => {
    await ctx.phase('x');
  });
  assert.match(a.dir, /reports-root\/\d{8}-\d{6}Z-my-run$/);
  assert.deepEqual(readdirSync(a.dir).sort(), ['run.json', 'samples.csv'], 'reports: false writes no report');
});

test('a measured command: markers start phases, stdout passes through without them, a time limit stops it', async () => {
  const o = options({ interruption: 'wait' });
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const node = resolveCommand(process.execPath);
  const outcome = await executeRun(o, async (ctx) => {
    await ctx.phase('main');
    const r = await runMeasuredCommand(ctx, {
      exe: node,
      argv0: 'node',
      args: ['-e', `console.log('hello'); console.log('::kdbench phase spin::'); setInterval(() => {}, 1000);`],
      stdout: out,
      timeoutMs: 1000,
    });
    assert.equal(r.timedOut, true);
    assert.equal(r.signal, 'SIGTERM');
    assert.equal(r.exitCode, 143);
    return { status: 'failed', error: { message: 'timed out' }, exitCode: r.exitCode };
  });
  assert.equal(text, 'hello\n');
  assert.equal(outcome.exitCode, 143);
  assert.deepEqual(
    outcome.run.phases.map((p) => p.name),
    ['main', 'spin'],
  );
  assert.ok(outcome.run.phases[1].durationS > 0);
  assert.ok(outcome.run.totals!.durationS >= 0.95, `stopped after the limit, not before (${outcome.run.totals!.durationS} s)`);
});
