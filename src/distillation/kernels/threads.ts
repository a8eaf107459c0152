/**
 * The second core: one worker thread that runs kernel programs on the shared memory. The main thread
 * hands it one chunk of a batch and runs the other itself (runPair), then waits on an Atomics
 * counter, so a forward or backward pass stays a synchronous call (as TensorFlow.js kernels are).
 * Chunks are fixed by the batch, not by the number of threads, and their weight gradients are summed
 * in a fixed order: one thread or two give bit-identical results.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../../core/errors.js';
import { STACK_BYTES, type KernelMemory } from './module.js';
import { runProgram } from './program.js';

/** Indices in the control array shared with the worker. */
export const CTRL = { request: 0, program: 1, done: 2, status: 3, stop: 4 } as const;

export interface WorkerData {
  memory: WebAssembly.Memory;
  ctrl: SharedArrayBuffer;
  message: SharedArrayBuffer;
  stackBase: number;
}

/** How long the main thread waits for the worker before giving up on it. */
const WORKER_TIMEOUT_MS = 120_000;

export class KernelThreads {
  private worker?: Worker;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(8 * 4));
  private readonly message = new SharedArrayBuffer(1024);
  private starting?: Promise<boolean>;
  private stack = 0;
  /** Why the worker is not used, when it is not. */
  notUsed?: string;
  /** Programs the worker has run (tests check that two threads really ran). */
  workerRuns = 0;

  constructor(private readonly mem: KernelMemory) {}

  /** Threads in use: 2 once the worker runs, else 1. */
  get threads(): number {
    return this.worker ? 2 : 1;
  }

  /** Starts the worker (resolves false, with notUsed set, when it cannot start). */
  start(): Promise<boolean> {
    this.starting ??= new Promise<boolean>((resolve) => {
      this.stack = this.mem.alloc(STACK_BYTES);
      const data: WorkerData = {
        memory: this.mem.memory,
        ctrl: this.ctrl.buffer as SharedArrayBuffer,
        message: this.message,
        stackBase: this.stack,
      };
      let w: Worker;
      try {
        w = new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
      } catch (e) {
        this.notUsed = `kernel worker could not start: ${(e as Error).message}`;
        resolve(false);
        return;
      }
      w.once('message', () => {
        this.worker = w;
        w.unref();
        resolve(true);
      });
      w.once('error', (e) => {
        this.notUsed = `kernel worker failed: ${e.message}`;
        this.worker = undefined;
        resolve(false);
      });
      w.once('exit', () => {
        this.worker = undefined;
      });
    });
    return this.starting;
  }

  /** Stops the worker; later calls run on the main thread alone. */
  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.starting = undefined;
    if (!w) return;
    Atomics.store(this.ctrl, CTRL.stop, 1);
    Atomics.add(this.ctrl, CTRL.request, 1);
    Atomics.notify(this.ctrl, CTRL.request);
    await w.terminate();
    Atomics.store(this.ctrl, CTRL.stop, 0);
    this.mem.release(this.stack, STACK_BYTES);
  }

  /** Runs program a (byte offset) and, when given, program b: b on the worker when it runs, else after a. */
  runPair(a: number, b?: number): void {
    const mem = this.mem;
    if (b === undefined || !this.worker) {
      runProgram(mem.k, mem.I32, mem.F32, a);
      if (b !== undefined) runProgram(mem.k, mem.I32, mem.F32, b);
      return;
    }
    const ctrl = this.ctrl;
    Atomics.store(ctrl, CTRL.program, b);
    const seq = Atomics.add(ctrl, CTRL.request, 1) + 1;
    Atomics.notify(ctrl, CTRL.request);
    runProgram(mem.k, mem.I32, mem.F32, a);
    let spins = 0;
    while (Atomics.load(ctrl, CTRL.done) !== seq && spins++ < 20000);
    const t0 = Date.now();
    while (Atomics.load(ctrl, CTRL.done) !== seq) {
      Atomics.wait(ctrl, CTRL.done, Atomics.load(ctrl, CTRL.done), 1000);
      if (Atomics.load(ctrl, CTRL.done) !== seq && Date.now() - t0 > WORKER_TIMEOUT_MS)
        throw new Error(`kernel worker did not answer within ${WORKER_TIMEOUT_MS / 1000} s`);
    }
    this.workerRuns++;
    if (Atomics.load(ctrl, CTRL.status) !== 0) {
      const bytes = new Uint8Array(this.message);
      const end = bytes.indexOf(0);
      throw new Error(`kernel worker: ${new TextDecoder().decode(bytes.slice(0, end < 0 ? bytes.length : end))}`);
    }
  }
}

/** Threads wanted: KDBENCH_THREADS (1 or 2) or, by default, 2 where the machine has 2 or more cores. */
export function wantedThreads(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.KDBENCH_THREADS;
  if (v === undefined || v === '') return Math.min(2, availableParallelism());
  if (v === '1' || v === '2') return Number(v);
  throw new UserError(`environment variable KDBENCH_THREADS=${v}: expected 1 or 2 (threads for the training and inference kernels)`);
}
