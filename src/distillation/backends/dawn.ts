/**
 * Dawn's Node bindings (npm `webgpu`: a prebuilt dist/linux-x64/dawn.node), loaded on demand: the
 * WebGPU implementation under @tensorflow/tfjs-backend-webgpu. Both are optional dependencies, so
 * nothing here is imported statically, and this module does not import TensorFlow.js (the probe's
 * child process loads it alone).
 */

/** What run.json records about the GPU a WebGPU backend runs on (GPUAdapterInfo). */
export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

export interface GpuQueueLike {
  onSubmittedWorkDone(): Promise<void>;
}

interface AdapterLike {
  info?: Partial<WebGpuAdapterInfo>;
}

export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<AdapterLike | null>;
}

interface DawnModule {
  create(options: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/** Package names, in variables so that the type checker and the bundle never require them. */
export const WEBGPU_PACKAGE: string = 'webgpu';
export const TFJS_WEBGPU_PACKAGE: string = '@tensorflow/tfjs-backend-webgpu';

/**
 * Dawn's create() options from KDBENCH_WEBGPU_DAWN (space-separated, e.g. "backend=null": Dawn's null
 * adapter, which accepts every command and runs none: for tests of the plumbing on a machine without a
 * GPU; its numbers mean nothing). Default: none (Dawn picks the Vulkan adapter on Linux).
 */
export function dawnOptions(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KDBENCH_WEBGPU_DAWN ?? '').split(/\s+/).filter(Boolean);
}

/** True where the options ask for Dawn's null adapter (no GPU work is done). */
export function isNullAdapter(options: readonly string[]): boolean {
  return options.includes('backend=null');
}

/**
 * Loads Dawn, puts the WebGPU globals (GPUBufferUsage, GPUMapMode ...) on globalThis and creates the
 * GPU object. Setup order from the platform notes: this runs before @tensorflow/tfjs-backend-webgpu is
 * imported, which registers its backend only where navigator.gpu exists.
 */
export async function createGpu(options: string[]): Promise<GpuLike> {
  const dawn = (await import(WEBGPU_PACKAGE)) as DawnModule;
  Object.assign(globalThis, dawn.globals);
  return dawn.create(options);
}

/** Sets navigator.gpu (Node 20 has no navigator; Node 21+ has one without gpu). */
export function exposeGpu(gpu: GpuLike): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator && typeof g.navigator === 'object') Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}

/** The adapter WebGPU would use for compute: the high-performance one, as tfjs asks for it. */
export async function requestAdapter(gpu: GpuLike): Promise<WebGpuAdapterInfo | null> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const i = adapter.info ?? {};
  return { vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '' };
}
