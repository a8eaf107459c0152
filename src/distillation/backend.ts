/**
 * TensorFlow.js backend selection: tfjs-node-gpu, webgpu (./backends/webgpu.ts), tfjs-node, wasm, cpu —
 * the first that loads, or the one forced with --backend. Registers the O(N) UnsortedSegmentSum kernel that the
 * embedding gradient needs (missing on wasm, O(vocabulary) per row on cpu; see platform notes).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { UserError } from '../core/errors.js';
import { waitForDevice } from './backends/device.js';
import { probeWebGpu, startWebGpu, type WebGpuAdapterInfo } from './backends/webgpu.js';
import { kernelsDescription, startKernelThreads } from './kernels/runtime.js';

export const BACKENDS = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendChoice {
  name: string;
  /** Backends tried before this one and why they were not used. */
  skipped: string[];
  /** The GPU adapter the webgpu backend runs on. */
  adapter?: WebGpuAdapterInfo;
  /** Dawn's options, where KDBENCH_WEBGPU_DAWN gave some ("backend=null": an adapter that runs nothing). */
  dawnOptions?: string[];
  /**
   * Set where the backend's work runs asynchronously on a device (webgpu, tensorflow-gpu): resolves once
   * everything queued so far has finished. Phase boundaries wait for it, and timed inference reads its
   * results with `await data()`.
   */
  sync?: () => Promise<void>;
  /**
   * Which kernels train and run the models on this backend (kdbench's WebAssembly kernels on wasm and
   * cpu, and on how many threads; or TensorFlow.js's own), for the run's environment record.
   */
  kernels?: string;
}

const require = createRequire(import.meta.url);

interface SegmentSumBackend {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput?(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap?(t: tf.TensorInfo): Float32Array;
  makeTensorInfo?(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}

/** out[ids[i]] += x[i] over rows: the gradient of an embedding lookup, in one pass over the ids. */
export function scatterAdd(x: ArrayLike<number>, ids: ArrayLike<number>, rowSize: number, numSegments: number, out: Float32Array): void {
  out.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < 0 || id >= numSegments) continue;
    const src = i * rowSize;
    const dst = id * rowSize;
    for (let j = 0; j < rowSize; j++) out[dst + j] += x[src + j];
  }
}

function registerSegmentSum(backendName: 'wasm' | 'cpu'): void {
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const b = backend as unknown as SegmentSumBackend;
      const inner = x.shape.slice(segmentIds.shape.length);
      const rowSize = inner.reduce((a, v) => a * v, 1);
      const outShape = [numSegments, ...inner];
      const xv = b.readSync(x.dataId);
      const ids = b.readSync(segmentIds.dataId);
      if (backendName === 'wasm') {
        const out = b.makeOutput!(outShape, x.dtype);
        scatterAdd(xv, ids, rowSize, numSegments, b.typedArrayFromHeap!(out));
        return out;
      }
      const values = new Float32Array(numSegments * rowSize);
      scatterAdd(xv, ids, rowSize, numSegments, values);
      return b.makeTensorInfo!(outShape, x.dtype, values);
    },
  });
}

let kernelsRegistered = false;
function ensureKernels(): void {
  if (kernelsRegistered) return;
  kernelsRegistered = true;
  if (tf.getKernel('UnsortedSegmentSum', 'cpu')) tf.unregisterKernel('UnsortedSegmentSum', 'cpu');
  registerSegmentSum('cpu');
  if (tf.getKernel('UnsortedSegmentSum', 'wasm')) tf.unregisterKernel('UnsortedSegmentSum', 'wasm');
  registerSegmentSum('wasm');
}

function tryNode(pkg: string): string | undefined {
  try {
    require(pkg);
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

/** A user error unless `name` is one of BACKENDS (checked before any work starts). */
export function checkBackendName(name: string): BackendName {
  if (!(BACKENDS as readonly string[]).includes(name))
    throw new UserError(`--backend ${name}: unknown backend; allowed: ${BACKENDS.join(', ')}`);
  return name as BackendName;
}

/**
 * Selects and initialises the backend. A forced webgpu without an adapter is a user error with the
 * reason and the fix; in the automatic order it is skipped with its reason.
 */
export async function selectBackend(forced?: string, env: NodeJS.ProcessEnv = process.env): Promise<BackendChoice> {
  if (forced !== undefined) checkBackendName(forced);
  ensureKernels();
  const skipped: string[] = [];
  const order: BackendName[] = forced ? [forced as BackendName] : [...BACKENDS];
  for (const name of order) {
    if (name === 'tensorflow-gpu' || name === 'tensorflow') {
      const err = tryNode(name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
      if (err) {
        skipped.push(`${name}: ${err}`);
        continue;
      }
      // tfjs-node registers its backend as "tensorflow" for both packages.
      if (await tf.setBackend('tensorflow'))
        return {
          name,
          skipped,
          kernels: 'TensorFlow.js kernels (libtensorflow)',
          ...(name === 'tensorflow-gpu' ? { sync: waitForDevice } : {}),
        };
      skipped.push(`${name}: setBackend failed`);
      continue;
    }
    if (name === 'webgpu') {
      const probe = await probeWebGpu(env);
      if (!probe.ok) {
        if (forced) throw new UserError(`--backend webgpu: no WebGPU adapter here: ${probe.reason}.\n  fix: ${probe.fix}`);
        skipped.push(`webgpu: no adapter: ${probe.reason}`);
        continue;
      }
      try {
        const adapter = await startWebGpu(env);
        return {
          name,
          skipped,
          adapter,
          kernels: 'TensorFlow.js WebGPU kernels',
          ...(probe.dawnOptions.length ? { dawnOptions: probe.dawnOptions } : {}),
          sync: waitForDevice,
        };
      } catch (e) {
        skipped.push(`webgpu: ${(e as Error).message.split('\n')[0]}`);
        continue;
      }
    }
    let ready = false;
    try {
      ready = await tf.setBackend(name);
      if (ready) await tf.ready();
      else skipped.push(`${name}: setBackend returned false`);
    } catch (e) {
      ready = false;
      skipped.push(`${name}: ${(e as Error).message}`);
    }
    if (ready) {
      await startKernelThreads();
      return { name, skipped, kernels: kernelsDescription() };
    }
  }
  if (forced) throw new UserError(`--backend ${forced}: cannot be loaded here (${skipped.join('; ')})`);
  throw new Error(`no TensorFlow.js backend could be loaded: ${skipped.join('; ')}`);
}

export { tf };
