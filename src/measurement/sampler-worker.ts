/**
 * The sampler: runs in a worker thread so that the main thread (the workload) never waits on it.
 * Polls every source every interval and at each phase boundary, streams every sample to
 * samples.csv as it arrives, and hands the whole trace back when stopped.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { Clock, type ClockAnchor } from './clock.js';
import { Integrator } from './integrator.js';
import { createSource } from './sources/index.js';
import { readStat } from './proc.js';
import type { DomainInfo, EnergySource, Sample, SourceSpec, Trace } from './types.js';
import { SAMPLE_COLUMNS } from '../core/contract.js';
import { ioCause } from '../core/files.js';

export interface WorkerInit {
  anchor: ClockAnchor;
  intervalMs: number;
  csvPath: string;
  sources: SourceSpec[];
}

export type ToWorker =
  { type: 'phase'; name: string; t: number } | { type: 'attach'; pid: number; ownChildrenS0: number } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready'; domains: DomainInfo[]; failed: string[] }
  | { type: 'trace'; trace: Trace }
  /** Failed to start; `path` and `code` where samples.csv could not be written. */
  | { type: 'error'; message: string; path?: string; code?: string }
  /** samples.csv could not be written any more (a full disk ...): the trace goes on in memory. */
  | { type: 'write-error'; message: string; path: string; code?: string };

const init = workerData as WorkerInit;
const port = parentPort!;
const clock = new Clock(init.anchor);
const integrator = new Integrator();
const samples: Sample[] = [];
const problems: string[] = [];
let phase = '';
let methods = new Map<string, string>();
const threadCpu0 = readStat('/proc/thread-self/stat')?.selfS ?? 0;
/** samples.csv while it can be written; undefined once a write failed (the trace goes on in memory). */
let fd: number | undefined;
let writeError: string | undefined;

/** Appends to samples.csv; the first failure closes it, is reported, and every later reading stays in memory only. */
function writeCsv(text: string): void {
  if (fd === undefined) return;
  try {
    writeSync(fd, text);
  } catch (e) {
    csvFailed(e);
  }
}

function csvFailed(e: unknown): void {
  writeError = `cannot write ${init.csvPath}: ${ioCause(e)}`;
  problems.push(
    `${writeError}: samples.csv stops at t = ${clock.now().toFixed(2)} s; the readings after it are kept in memory and counted in run.json`,
  );
  try {
    if (fd !== undefined) closeSync(fd);
  } catch {
    /* closing a file on a failed device may fail too; it is not used again */
  }
  fd = undefined;
  port.postMessage({
    type: 'write-error',
    message: writeError,
    path: init.csvPath,
    code: (e as NodeJS.ErrnoException)?.code,
  } satisfies FromWorker);
}

function poll(sources: EnergySource[]): void {
  const now = clock.now();
  const rows: unknown[][] = [];
  for (const src of sources) {
    let readings;
    try {
      readings = src.poll(now);
    } catch (e) {
      if (problems.length < 50) problems.push(`${src.name}: ${(e as Error).message}`);
      continue;
    }
    for (const r of readings) {
      const s = integrator.add(r, now, phase);
      if (!s) continue;
      samples.push(s);
      rows.push([
        s.t.toFixed(4),
        clock.iso(s.t),
        s.device,
        methods.get(s.device) ?? '',
        s.powerW.toFixed(3),
        s.energyJ.toFixed(4),
        s.phase,
      ]);
    }
  }
  if (rows.length > 0) writeCsv(stringify(rows));
}

async function main(): Promise<void> {
  try {
    fd = openSync(init.csvPath, 'a');
    writeSync(fd, stringify([[...SAMPLE_COLUMNS]]));
  } catch (e) {
    port.postMessage({
      type: 'error',
      message: `cannot write ${init.csvPath}: ${ioCause(e)}`,
      path: init.csvPath,
      code: (e as NodeJS.ErrnoException).code,
    } satisfies FromWorker);
    if (fd !== undefined) closeSync(fd);
    return;
  }
  const sources: EnergySource[] = [];
  const domains: DomainInfo[] = [];
  const failed: string[] = [];
  for (const spec of init.sources) {
    const src = createSource(spec, clock);
    try {
      domains.push(...(await src.start()));
      sources.push(src);
    } catch (e) {
      failed.push(`${spec.kind}: ${(e as Error).message}`);
    }
  }
  methods = new Map(domains.map((d) => [d.device, d.method]));
  poll(sources);
  const timer = setInterval(() => poll(sources), init.intervalMs);
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'attach') {
      for (const s of sources) s.attach?.(msg.pid, msg.ownChildrenS0);
      poll(sources);
      return;
    }
    if (msg.type === 'phase') {
      poll(sources); // read counters exactly at the boundary
      phase = msg.name;
      for (const s of sources) s.boundary?.(clock.now());
      return;
    }
    void finish(sources, domains, timer);
  });
  port.postMessage({ type: 'ready', domains, failed } satisfies FromWorker);
}

let finishing = false;
/** Stops: waits for streaming sources to deliver readings up to now, polls a last time, hands the trace back. */
async function finish(sources: EnergySource[], domains: DomainInfo[], timer: NodeJS.Timeout): Promise<void> {
  if (finishing) return;
  finishing = true;
  for (const s of sources) s.boundary?.(clock.now());
  const lag = Math.max(0, ...sources.map((s) => s.lagMs ?? 0));
  if (lag > 0) {
    const until = clock.now() + lag / 1000;
    await new Promise((r) => setTimeout(r, lag));
    while (clock.now() < until) await new Promise((r) => setTimeout(r, 5));
  }
  clearInterval(timer);
  poll(sources);
  let helperCpuS = 0;
  let gpuSharing;
  for (const s of sources) {
    s.stop();
    problems.push(...s.problems());
    helperCpuS += s.overheadCpuS?.() ?? 0;
    gpuSharing ??= s.sharing?.();
  }
  if (fd !== undefined) {
    try {
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
    } catch (e) {
      csvFailed(e);
    }
  }
  const samplerCpuS = (readStat('/proc/thread-self/stat')?.selfS ?? threadCpu0) - threadCpu0 + helperCpuS;
  const trace: Trace = {
    startWallMs: init.anchor.wallMs0,
    domains,
    samples,
    problems,
    gaps: integrator.gaps,
    samplerCpuS,
    intervalMs: init.intervalMs,
    ...(gpuSharing ? { gpuSharing } : {}),
    ...(writeError ? { writeError } : {}),
  };
  port.postMessage({ type: 'trace', trace } satisfies FromWorker);
}

main().catch((e) => port.postMessage({ type: 'error', message: (e as Error).message } satisfies FromWorker));
