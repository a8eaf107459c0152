/**
 * Whether the WebAssembly kernels are used, and with how many threads. KDBENCH_KERNELS=off keeps
 * every model on TensorFlow.js's own kernels (the reference path); KDBENCH_THREADS=1 keeps the
 * kernels on one thread. Either way the numbers do not change beyond float32 rounding (tests).
 */
import { UserError } from '../../core/errors.js';
import { kernels, kernelsUnavailable, type KernelMemory } from './module.js';
import { KernelThreads, wantedThreads } from './threads.js';

let enabled: boolean | undefined;
let threads: KernelThreads | undefined;

function enabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.KDBENCH_KERNELS;
  if (v === undefined || v === '' || v === 'auto') return true;
  if (v === 'off') return false;
  throw new UserError(`environment variable KDBENCH_KERNELS=${v}: expected auto or off (off: TensorFlow.js kernels only)`);
}

/** Turns the kernels on or off for models built or run from now on (benchmarks and tests compare both paths). */
export function setKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** The kernel memory when the kernels are enabled and load here, else undefined. */
export function activeKernels(): KernelMemory | undefined {
  enabled ??= enabledByEnv();
  return enabled ? kernels() : undefined;
}

/** The worker threads of the kernels (started by startKernelThreads), if any. */
export function kernelThreads(): KernelThreads | undefined {
  return threads;
}

/**
 * Starts the second thread when wanted (KDBENCH_THREADS, default: 2 where there are 2 cores);
 * resolves to the number of threads in use. `n` overrides the environment (tests, benchmarks).
 */
export async function startKernelThreads(n?: number): Promise<number> {
  const mem = activeKernels();
  const want = n ?? wantedThreads();
  if (!mem) return 1;
  if (want < 2) {
    await threads?.stop();
    threads = undefined;
    return 1;
  }
  threads ??= new KernelThreads(mem);
  return (await threads.start()) ? 2 : 1;
}

/** One line for the run's environment: which kernels train and run the models, and on how many threads. */
export function kernelsDescription(): string {
  enabled ??= enabledByEnv();
  if (!enabled) return 'TensorFlow.js kernels only (KDBENCH_KERNELS=off)';
  if (!kernels()) return `TensorFlow.js kernels only (WebAssembly kernels unavailable: ${kernelsUnavailable()})`;
  const t = threads?.threads ?? 1;
  const why = t === 1 && threads?.notUsed ? ` (${threads.notUsed})` : '';
  return (
    `kdbench WebAssembly SIMD kernels for transformer training and inference and for Adam, ${t} thread${t > 1 ? 's' : ''}${why}; ` +
    'batches cut into 2 fixed chunks, so results do not depend on the thread count'
  );
}
