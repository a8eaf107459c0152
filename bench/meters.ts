/**
 * Meter benchmarks.
 *  Accuracy: the real sampler (worker, sources, windows) reads fake meters whose power follows a
 *  known curve of the wall clock - a stub libnvidia-ml (src/measurement/sources/nvml, counter), a fake
 *  nvidia-smi (sources/nvidia-smi, sampled) and a fake powercap tree kept by a writer process
 *  (sources/rapl, counter) - and each window's energy is compared
 *  with the exact integral of the curve, for square-wave and ramp curves at 50, 100 and 500 ms.
 *  Overhead: one CPU-bound workload run with and without a meter, interleaved (ABBA), several times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Meter } from '../src/measurement/meter.js';
import { energyByWindow, type Window } from '../src/measurement/windows.js';
import { selectSources } from '../src/measurement/select.js';
import type { SourceSpec } from '../src/measurement/types.js';
import {
  buildStubNvml,
  curveEnergy,
  curveSpec,
  makePowercap,
  startPowercapWriter,
  writeFakeSmi,
  type Curve,
} from '../test/support/meters-fakes.js';

export interface AccuracyRow {
  curve: string;
  intervalMs: number;
  device: string;
  source: string;
  method: string;
  window: string;
  durationS: number;
  exactJ: number;
  measuredJ: number;
  errorPct: number;
  uncertaintyJ: number;
  withinUncertainty: boolean;
}

export interface OverheadResult {
  workload: string;
  sources: string[];
  intervalMs: number;
  pairs: { withoutS: number; withS: number; withoutCpuS?: number; withCpuS?: number }[];
  medianWithoutS: number;
  medianWithS: number;
  /** Median over the pairs of (with - without) / without, percent. */
  addedWallPct: number;
  /** Quartiles of the paired differences, percent (the noise of this machine). */
  addedWallPctQ1: number;
  addedWallPctQ3: number;
  /**
   * Median over the pairs of the change in the workload thread's own CPU time, percent: what the
   * meter costs the workload (cache, memory bandwidth) without the noise of other processes
   * competing for the cores, which moves wall time but not this.
   */
  addedWorkloadCpuPct?: number;
  samplerCpuS: number;
  samplerCpuShare: number;
  /** Sampler CPU seconds per second once running (a 7 s idle meter minus a 1 s one, over 6 s): start-up excluded. */
  steadySamplerCpuShare: number;
}

export interface MetersBenchResult {
  date: string;
  machine: { cpu: string; logicalCores: number; node: string };
  accuracy: AccuracyRow[];
  /** Worst |error| per method and interval. */
  worst: { method: string; intervalMs: number; maxAbsErrorPct: number; allWithinUncertainty: boolean }[];
  overhead: OverheadResult[];
  notes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CURVES: { label: string; curve: Curve }[] = [
  // Periods deliberately not multiples of the sampling intervals (no phase locking).
  // (A period that is a whole number of intervals, e.g. 1.3 s at 100 ms, locks every edge to the
  // same place between two samples: the trapezoid error then has one sign and adds up.)
  { label: 'square 50/250 W, 1.37 s period', curve: { kind: 'square', low: 50, high: 250, periodS: 1.37 } },
  { label: 'ramp 50->250 W, 2.13 s sawtooth', curve: { kind: 'ramp', low: 50, high: 250, periodS: 2.13 } },
];
const INTERVALS = [50, 100, 500];
const WINDOWS_S = [4.7, 4.3];

async function accuracyRun(
  tmp: string,
  stub: string | undefined,
  c: { label: string; curve: Curve },
  intervalMs: number,
  n: number,
): Promise<AccuracyRow[]> {
  const spec = curveSpec(c.curve);
  const root = join(tmp, `powercap-${n}`);
  // Range: above 250 W x 500 ms so that at most one wrap happens between reads; small enough to wrap often.
  makePowercap(root, [{ zone: 'intel-rapl:0', name: 'package-0', energyUj: 0, maxRangeUj: 200_000_000 }]);
  const writer = startPowercapWriter(root, 'intel-rapl:0', c.curve);
  process.env.KDBENCH_STUB_NVML_GPUS = '1';
  process.env.KDBENCH_STUB_NVML_CURVE = spec;
  delete process.env.KDBENCH_STUB_NVML_NO_COUNTER;
  try {
    await sleep(150);
    const smi = writeFakeSmi(join(tmp, `smi-${n}`), { FAKE_SMI_GPUS: '2', FAKE_SMI_CURVE: spec });
    const sources: SourceSpec[] = [
      ...(stub ? [{ kind: 'nvml' as const, library: stub, gpus: [0] }] : []),
      // nvidia-smi samples GPU 1 of the fake (the curve + 10 W) so that devices do not clash.
      { kind: 'nvidia-smi', binary: smi, intervalMs, gpus: [1] },
      ...selectSources({
        intervalMs,
        env: { KDBENCH_NVML_LIB: join(tmp, 'none.so'), KDBENCH_POWERCAP_ROOT: root, PATH: '' },
      }).sources.filter((s) => s.kind === 'rapl'),
    ];
    const m = await Meter.start({ intervalMs, csvPath: join(tmp, `samples-${n}.csv`), sources });
    if (m.failed.length > 0) throw new Error(`meter sources failed: ${m.failed.join('; ')}`);
    await sleep(300);
    const windows: Window[] = [];
    let t0 = m.mark('w1');
    for (let i = 0; i < WINDOWS_S.length; i++) {
      await sleep(WINDOWS_S[i] * 1000);
      const t1 = m.mark(i + 1 < WINDOWS_S.length ? `w${i + 2}` : '');
      windows.push({ name: `w${i + 1}`, t0, t1 });
      t0 = t1;
    }
    const trace = await m.stop();
    const wall0 = m.clock.anchor.wallMs0 / 1000;
    const rows: AccuracyRow[] = [];
    for (const w of energyByWindow(trace, windows)) {
      for (const d of w.domains) {
        const gpu = d.device === 'gpu:1' ? 1 : 0;
        const exactJ = curveEnergy(c.curve, wall0 + w.t0, wall0 + w.t1, gpu);
        const errorPct = ((d.energyJ - exactJ) / exactJ) * 100;
        rows.push({
          curve: c.label,
          intervalMs,
          device: d.device,
          source:
            d.device === 'gpu:0'
              ? 'stub NVML counter'
              : d.device === 'gpu:1'
                ? 'fake nvidia-smi power.draw.instant'
                : 'fake powercap RAPL (wrapping)',
          method: d.method,
          window: w.name,
          durationS: w.durationS,
          exactJ,
          measuredJ: d.energyJ,
          errorPct,
          uncertaintyJ: d.uncertaintyJ,
          withinUncertainty: Math.abs(d.energyJ - exactJ) <= d.uncertaintyJ,
        });
      }
    }
    return rows;
  } finally {
    writer.kill();
    delete process.env.KDBENCH_STUB_NVML_GPUS;
    delete process.env.KDBENCH_STUB_NVML_CURVE;
  }
}

/**
 * CPU time of the calling thread in seconds, ns resolution (clock_gettime CLOCK_THREAD_CPUTIME_ID
 * through koffi); undefined where libc cannot be loaded. Node 20 has no process.threadCpuUsage.
 */
const threadCpu: () => number | undefined = (() => {
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const libc = koffi.load('libc.so.6');
    const timespec = koffi.struct('kdbench_bench_timespec', { tv_sec: 'long', tv_nsec: 'long' });
    const clockGettime = libc.func('clock_gettime', 'int', ['int', koffi.out(koffi.pointer(timespec))]) as (
      clk: number,
      ts: { tv_sec?: number; tv_nsec?: number },
    ) => number;
    const CLOCK_THREAD_CPUTIME_ID = 3;
    return () => {
      const ts: { tv_sec?: number; tv_nsec?: number } = {};
      return clockGettime(CLOCK_THREAD_CPUTIME_ID, ts) === 0 ? Number(ts.tv_sec) + Number(ts.tv_nsec) / 1e9 : undefined;
    };
  } catch {
    return () => undefined;
  }
})();

/** A fixed amount of CPU-bound work on the main thread (SHA-256 chains): wall and thread CPU seconds. */
function timedWorkload(rounds: number): { wallS: number; cpuS?: number } {
  const c0 = threadCpu();
  const t = process.hrtime.bigint();
  let buf = Buffer.alloc(4096, 7);
  for (let i = 0; i < rounds; i++) buf = Buffer.concat([createHash('sha256').update(buf).digest(), buf.subarray(32)]);
  if (buf[0] === 256) throw new Error('unreachable');
  const wallS = Number(process.hrtime.bigint() - t) / 1e9;
  const c1 = threadCpu();
  return { wallS, ...(c0 !== undefined && c1 !== undefined ? { cpuS: c1 - c0 } : {}) };
}

function workload(rounds: number): number {
  return timedWorkload(rounds).wallS;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}
const median = (xs: number[]) => quantile(xs, 0.5);

async function overheadRun(
  tmp: string,
  label: string,
  sources: SourceSpec[],
  intervalMs: number,
  reps: number,
  rounds: number,
): Promise<OverheadResult> {
  const pairs: OverheadResult['pairs'] = [];
  let samplerCpuS = 0;
  let meteredS = 0;
  const metered = async (): Promise<{ wallS: number; cpuS?: number }> => {
    const m = await Meter.start({ intervalMs, csvPath: join(tmp, `overhead-${label}-${pairs.length}-${Math.random()}.csv`), sources });
    await sleep(150); // past the worker's start-up transient
    const s = timedWorkload(rounds);
    const trace = await m.stop();
    samplerCpuS += trace.samplerCpuS;
    meteredS += s.wallS;
    return s;
  };
  const pair = (a: { wallS: number; cpuS?: number }, b: { wallS: number; cpuS?: number }) => ({
    withoutS: a.wallS,
    withS: b.wallS,
    ...(a.cpuS !== undefined && b.cpuS !== undefined ? { withoutCpuS: a.cpuS, withCpuS: b.cpuS } : {}),
  });
  // Warm-up of both arms (JIT, worker start-up code paths), not counted.
  workload(rounds);
  await metered();
  samplerCpuS = 0;
  meteredS = 0;
  // Both arms start the same way, after 150 ms idle (the metered arm waits that long after the
  // meter starts): work that follows a pause runs on cold caches, and must not be compared with
  // work that follows work.
  const unmetered = async (): Promise<{ wallS: number; cpuS?: number }> => {
    await sleep(150);
    return timedWorkload(rounds);
  };
  for (let i = 0; i < reps; i++) {
    // ABBA: alternate which arm goes first, so drifts in machine load hit both equally.
    if (i % 2 === 0) {
      const without = await unmetered();
      pairs.push(pair(without, await metered()));
    } else {
      const withM = await metered();
      pairs.push(pair(await unmetered(), withM));
    }
  }
  const idleCpu = async (ms: number): Promise<number> => {
    const m = await Meter.start({ intervalMs, csvPath: join(tmp, `idle-${label}-${ms}.csv`), sources });
    await sleep(ms);
    return (await m.stop()).samplerCpuS;
  };
  const steadySamplerCpuShare = ((await idleCpu(7000)) - (await idleCpu(1000))) / 6;
  const medianWithoutS = median(pairs.map((p) => p.withoutS));
  const medianWithS = median(pairs.map((p) => p.withS));
  const diffs = pairs.map((p) => ((p.withS - p.withoutS) / p.withoutS) * 100);
  const cpuDiffs = pairs.filter((p) => p.withCpuS !== undefined).map((p) => ((p.withCpuS! - p.withoutCpuS!) / p.withoutCpuS!) * 100);
  return {
    workload: `${rounds} SHA-256 rounds over a 4 KiB buffer on the main thread`,
    sources: sources.map((s) => s.kind),
    intervalMs,
    pairs,
    medianWithoutS,
    medianWithS,
    addedWallPct: median(diffs),
    addedWallPctQ1: quantile(diffs, 0.25),
    addedWallPctQ3: quantile(diffs, 0.75),
    ...(cpuDiffs.length > 0 ? { addedWorkloadCpuPct: median(cpuDiffs) } : {}),
    samplerCpuS,
    samplerCpuShare: samplerCpuS / meteredS,
    steadySamplerCpuShare,
  };
}

export async function runMetersBench(log: (s: string) => void = () => {}): Promise<MetersBenchResult> {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-bench-'));
  const loadStart = loadavg()[0];
  try {
    const stub = buildStubNvml(tmp);
    const notes: string[] = [];
    if (!stub) notes.push('no C compiler: the NVML counter rows are missing');
    const accuracy: AccuracyRow[] = [];
    let n = 0;
    for (const c of CURVES) {
      for (const intervalMs of INTERVALS) {
        log(`accuracy: ${c.label} at ${intervalMs} ms`);
        accuracy.push(...(await accuracyRun(tmp, stub, c, intervalMs, n++)));
      }
    }
    const worst: MetersBenchResult['worst'] = [];
    for (const method of [...new Set(accuracy.map((r) => r.method))]) {
      for (const intervalMs of INTERVALS) {
        const rows = accuracy.filter((r) => r.method === method && r.intervalMs === intervalMs);
        if (rows.length === 0) continue;
        worst.push({
          method,
          intervalMs,
          maxAbsErrorPct: Math.max(...rows.map((r) => Math.abs(r.errorPct))),
          allWithinUncertainty: rows.every((r) => r.withinUncertainty),
        });
      }
    }

    // Many short pairs: on a shared machine the load drifts more slowly than one pair lasts, so the
    // median of paired differences resists it better than a few long runs. Workload ~0.4 s here.
    workload(20_000);
    const t = Math.min(workload(20_000), workload(20_000));
    const rounds = Math.max(5_000, Math.round((20_000 * 0.4) / t));
    const overhead: OverheadResult[] = [];
    const local = selectSources({ intervalMs: 100 }).sources;
    log(`overhead: this machine's own meters (${local.map((s) => s.kind).join(', ')}), 100 ms`);
    overhead.push(await overheadRun(tmp, 'local', local, 100, 24, rounds));
    process.env.KDBENCH_STUB_NVML_GPUS = '1';
    const gpuSources: SourceSpec[] = [
      ...(stub ? [{ kind: 'nvml' as const, library: stub, gpus: [0] }] : []),
      { kind: 'nvidia-smi', binary: writeFakeSmi(join(tmp, 'smi-overhead'), { FAKE_SMI_GPUS: '2' }), intervalMs: 100, gpus: [1] },
      ...local,
    ];
    log('overhead: + NVML counter and nvidia-smi child, 100 ms');
    overhead.push(await overheadRun(tmp, 'gpu', gpuSources, 100, 24, rounds));
    delete process.env.KDBENCH_STUB_NVML_GPUS;
    notes.push(
      'The fake nvidia-smi is a Node.js script (heavier than the real binary) and runs as a child of the metered process: its CPU time is in samplerCpuS.',
      `Load average (1 min) at the start: ${loadStart.toFixed(2)}, at the end: ${loadavg()[0].toFixed(2)}.`,
      `Machine: ${cpus().length} logical CPUs, shared with other work; the workload is single-threaded, so the sampler thread can run on another core. The quartiles of the paired differences show how noisy wall time is here: differences inside them are not resolved.`,
      'Sampler CPU in the runs includes the fixed start-up of each meter (worker thread, sources); the share once running is what a long run pays. CPU time is read in 10 ms ticks.',
    );
    return {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? 'unknown', logicalCores: cpus().length, node: process.version },
      accuracy,
      worst,
      overhead,
      notes,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const f = (x: number, d = 2) => x.toFixed(d);

export function metersMarkdown(r: MetersBenchResult): string {
  const out: string[] = [
    '# Meter benchmarks',
    '',
    `${r.date} - ${r.machine.cpu}, ${r.machine.logicalCores} logical CPUs, Node ${r.machine.node}.`,
    '',
    '## Accuracy against the exact integral',
    '',
    `Fake meters follow a known power curve of the wall clock; the real sampler reads them; each window (${WINDOWS_S.join(' s, ')} s) is compared with the exact integral. Sampled power's error comes from the power steps between two samples (bounded by half the step times the spacing, which the reported uncertainty includes); counters are exact up to boundary timing.`,
    '',
    '| method | interval | worst abs. error | every window within its reported uncertainty |',
    '|---|---:|---:|---|',
    ...r.worst.map((w) => `| ${w.method} | ${w.intervalMs} ms | ${f(w.maxAbsErrorPct, 3)} % | ${w.allWithinUncertainty ? 'yes' : 'NO'} |`),
    '',
    '| curve | interval | source | window | exact J | measured J | error | uncertainty J |',
    '|---|---:|---|---|---:|---:|---:|---:|',
    ...r.accuracy.map(
      (a) =>
        `| ${a.curve} | ${a.intervalMs} ms | ${a.source} | ${a.window} | ${f(a.exactJ)} | ${f(a.measuredJ)} | ${f(a.errorPct, 3)} % | ${f(a.uncertaintyJ)} |`,
    ),
    '',
    '## Overhead: the same CPU-bound workload with and without metering (interleaved)',
    '',
    '| meters | interval | pairs | median without | median with | added wall time (median of pairs) | quartiles of pairs | added CPU time of the workload thread (median of pairs) | sampler CPU in the runs (share of workload time) | sampler CPU once running (share of one core) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.overhead.map(
      (o) =>
        `| ${o.sources.join(', ')} | ${o.intervalMs} ms | ${o.pairs.length} | ${f(o.medianWithoutS, 3)} s | ${f(o.medianWithS, 3)} s | ${f(o.addedWallPct, 2)} % | ${f(o.addedWallPctQ1, 2)} % .. ${f(o.addedWallPctQ3, 2)} % | ${o.addedWorkloadCpuPct === undefined ? 'n/a' : `${f(o.addedWorkloadCpuPct, 2)} %`} | ${f(o.samplerCpuS, 3)} s (${f(o.samplerCpuShare * 100, 2)} %) | ${f(o.steadySamplerCpuShare * 100, 2)} % |`,
    ),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ];
  return out.join('\n');
}
