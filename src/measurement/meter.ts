import { Worker } from 'node:worker_threads';
import { FileWriteError } from '../core/files.js';
import { Clock } from './clock.js';
import type { FromWorker, ToWorker, WorkerInit } from './sampler-worker.js';
import type { DomainInfo, SourceSpec, Trace } from './types.js';

export interface MeterOptions {
  intervalMs: number;
  /** samples.csv, streamed by the sampler as readings arrive. */
  csvPath: string;
  sources: SourceSpec[];
}

/**
 * The main thread's handle on the sampler worker. Marking a phase posts one message and returns
 * at once; the worker reads every source at the boundary.
 */
export class Meter {
  private traceP?: Promise<Trace>;
  /** Set once samples.csv could not be written (the trace goes on in memory): the cause, naming the file. */
  writeError?: FileWriteError;

  private constructor(
    private readonly worker: Worker,
    readonly clock: Clock,
    readonly domains: DomainInfo[],
    /** Sources that could not start, with the reason. */
    readonly failed: string[],
    private readonly exited: Promise<Error>,
  ) {}

  static async start(opts: MeterOptions): Promise<Meter> {
    const clock = Clock.start();
    const init: WorkerInit = { anchor: clock.anchor, intervalMs: opts.intervalMs, csvPath: opts.csvPath, sources: opts.sources };
    const worker = new Worker(new URL('./sampler-worker.js', import.meta.url), { workerData: init });
    worker.unref();
    const exited = new Promise<Error>((resolve) => {
      worker.on('error', (e) => resolve(e));
      worker.on('exit', (code) => resolve(new Error(`sampler worker exited (code ${code})`)));
    });
    const ready = await Promise.race([
      new Promise<FromWorker>((resolve) => worker.once('message', resolve)),
      exited.then((e) => ({ type: 'error', message: e.message }) as FromWorker),
    ]);
    if (ready.type !== 'ready') {
      await worker.terminate();
      if (ready.type === 'error' && ready.path && ready.code) throw new FileWriteError(ready.path, { code: ready.code });
      throw new Error(`energy sampler failed to start: ${ready.type === 'error' ? ready.message : ready.type}`);
    }
    const meter = new Meter(worker, clock, ready.domains, ready.failed, exited);
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'write-error') meter.writeError ??= new FileWriteError(m.path, { code: m.code ?? 'EIO' });
    });
    return meter;
  }

  now(): number {
    return this.clock.now();
  }

  /** Starts phase `name` now (ending the previous one); returns the boundary time. */
  mark(name: string): number {
    const t = this.clock.now();
    this.worker.postMessage({ type: 'phase', name, t } satisfies ToWorker);
    return t;
  }

  /**
   * Names the process that sources started with `attach` follow (a command spawned after the
   * meter started). `ownChildrenS0`: this process's reaped-children CPU seconds read just before
   * the spawn, so the child's time is still found after it has been reaped.
   */
  attach(pid: number, ownChildrenS0: number): void {
    this.worker.postMessage({ type: 'attach', pid, ownChildrenS0 } satisfies ToWorker);
  }

  /** Stops sampling and returns the whole trace. Safe to call more than once. */
  stop(): Promise<Trace> {
    if (!this.traceP) {
      this.traceP = new Promise<Trace>((resolve, reject) => {
        this.worker.on('message', (m: FromWorker) => {
          if (m.type === 'trace') {
            resolve(m.trace);
            void this.worker.terminate();
          }
        });
        void this.exited.then(reject);
        this.worker.postMessage({ type: 'stop' } satisfies ToWorker);
      });
    }
    return this.traceP;
  }
}
