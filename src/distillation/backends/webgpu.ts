/**
 * TensorFlow.js on the GPU through WebGPU, from npm alone: Dawn's Node bindings (`webgpu`) under
 * @tensorflow/tfjs-backend-webgpu, running on Vulkan (measured on an NVIDIA H200: see the platform notes).
 *
 * probeWebGpu says whether an adapter exists here, and if not, why and how to fix it; it never throws.
 * It first checks for the Vulkan loader in this process (cheap: on a machine without libvulkan.so.1 Dawn
 * is never loaded), then asks Dawn for an adapter in a child process, so that Dawn's messages (Mesa's
 * lavapipe is refused: "shaderUniform*ArrayDynamicIndexing required") become the reason, and a driver
 * that crashes or hangs cannot take kdbench with it.
 *
 * startWebGpu then sets WebGPU up in this process (Dawn's globals, navigator.gpu, the adapter) before it
 * imports the tfjs backend, and switches tfjs to it.
 *
 * GPU work is asynchronous: tfjs queues it and returns. Read results with `await tensor.data()`
 * (`dataSync()` needs OffscreenCanvas, which Node lacks), and wait for the device with waitForDevice
 * (./device.ts) before a phase boundary.
 */
import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createGpu,
  dawnOptions,
  exposeGpu,
  isNullAdapter,
  requestAdapter,
  TFJS_WEBGPU_PACKAGE,
  WEBGPU_PACKAGE,
  type WebGpuAdapterInfo,
} from './dawn.js';

export type { WebGpuAdapterInfo } from './dawn.js';

export type WebGpuProbe =
  | { ok: true; adapter: WebGpuAdapterInfo; /** Dawn's create() options (KDBENCH_WEBGPU_DAWN). */ dawnOptions: string[] }
  | { ok: false; reason: string; fix: string };

const require = createRequire(import.meta.url);

/** How to get an adapter on a Linux machine with an NVIDIA GPU (Dawn runs on Vulkan there). */
export const VULKAN_FIX =
  'WebGPU reaches the GPU through Vulkan: install the Vulkan loader (Debian/Ubuntu: apt-get install libvulkan1) and ' +
  "the GPU's Vulkan driver (NVIDIA: nvidia_icd.json, which comes with the driver, in /usr/share/vulkan/icd.d or " +
  '/etc/vulkan/icd.d); in a container the NVIDIA runtime must expose the "graphics" driver capability ' +
  '(NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics, or all). Without a GPU, kdbench runs on wasm (its automatic choice there).';

const PACKAGE_FIX =
  'install the optional dependencies (npm ci or npm install without --omit=optional; webgpu 0.6.2 ships Dawn prebuilt ' +
  'for linux-x64 and needs no download).';

/** The Vulkan loader kdbench looks for before it starts Dawn: KDBENCH_VULKAN_LIB, else libvulkan.so.1. */
export function vulkanLibrary(env: NodeJS.ProcessEnv = process.env): string {
  return env.KDBENCH_VULKAN_LIB || 'libvulkan.so.1';
}

/** Why `lib` cannot be loaded by the dynamic loader, or undefined where it can. */
function loadError(lib: string): string | undefined {
  try {
    const koffi = require('koffi') as { load(path: string): { unload?(): void } };
    koffi.load(lib).unload?.();
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

/** Vulkan driver manifests (ICDs) where the Vulkan loader looks for them, by file name. */
export function vulkanDrivers(env: NodeJS.ProcessEnv = process.env): string[] {
  const explicit = env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES;
  if (explicit) return explicit.split(':').filter(Boolean);
  const dirs = [
    ...(env.XDG_CONFIG_DIRS || '/etc/xdg').split(':').map((d) => join(d, 'vulkan/icd.d')),
    '/etc/vulkan/icd.d',
    ...(env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':').map((d) => join(d, 'vulkan/icd.d')),
    join(env.HOME || homedir(), '.local/share/vulkan/icd.d'),
  ];
  const found: string[] = [];
  for (const d of [...new Set(dirs)]) {
    if (!existsSync(d)) continue;
    try {
      for (const f of readdirSync(d)) if (f.endsWith('.json')) found.push(join(d, f));
    } catch {
      // unreadable folder: nothing from it
    }
  }
  return found;
}

function resolvable(pkg: string): string | undefined {
  try {
    require.resolve(pkg);
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

/** Dawn's own lines from the child's stderr ("Warning: ..."), without its source locations. */
function dawnMessages(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !l.startsWith('- While'))
    .map((l) => l.replace(/^Warning:\s*/, ''))
    .slice(0, 3);
}

const CHILD = fileURLToPath(new URL('./webgpu-probe-child.js', import.meta.url));

/** Asks Dawn for an adapter in a child process. */
function probeChild(
  options: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ adapter?: WebGpuAdapterInfo | null; error?: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CHILD, JSON.stringify(options)], { env, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      try {
        const parsed = JSON.parse(line) as { adapter?: WebGpuAdapterInfo | null; error?: string };
        if ('adapter' in parsed || 'error' in parsed) return resolve({ ...parsed, stderr });
      } catch {
        // no answer: the child died or hung
      }
      const how = err ? ((err as { signal?: string }).signal ?? `exit ${(err as { code?: unknown }).code}`) : 'no answer';
      resolve({ error: `the WebGPU probe process ended without an answer (${how})`, stderr });
    });
  });
}

/**
 * Is there a WebGPU adapter here? Never throws: a missing piece is a reason and a fix.
 * Environment: KDBENCH_VULKAN_LIB (the Vulkan loader looked for), KDBENCH_WEBGPU_DAWN (Dawn's options).
 */
export async function probeWebGpu(env: NodeJS.ProcessEnv = process.env): Promise<WebGpuProbe> {
  const options = dawnOptions(env);
  if (process.platform === 'linux' && !isNullAdapter(options)) {
    const lib = vulkanLibrary(env);
    const err = loadError(lib);
    if (err) return { ok: false, reason: `the Vulkan loader ${lib} cannot be loaded (${err})`, fix: VULKAN_FIX };
  }
  for (const pkg of [WEBGPU_PACKAGE, TFJS_WEBGPU_PACKAGE]) {
    const err = resolvable(pkg);
    if (err) return { ok: false, reason: `the optional npm package ${pkg} is not installed (${err})`, fix: PACKAGE_FIX };
  }
  const r = await probeChild(options, env);
  if (r.adapter) return { ok: true, adapter: r.adapter, dawnOptions: options };
  const said = dawnMessages(r.stderr);
  const dawn = said.length ? `; Dawn says: ${said.join(' / ')}` : '';
  if (r.error) return { ok: false, reason: `${r.error}${dawn}`, fix: VULKAN_FIX };
  const drivers = process.platform === 'linux' ? vulkanDrivers(env) : [];
  const lavapipe = drivers.some((d) => /lvp/.test(d)) ? " (Mesa's lavapipe, lvp_icd, is a CPU implementation that Dawn refuses)" : '';
  const listed = process.platform === 'linux' ? `; Vulkan drivers found: ${drivers.length ? drivers.join(', ') : 'none'}${lavapipe}` : '';
  return { ok: false, reason: `Dawn found no GPU adapter it accepts${listed}${dawn}`, fix: VULKAN_FIX };
}

let started: WebGpuAdapterInfo | undefined;

/**
 * Sets WebGPU up in this process and makes it the tfjs backend: Dawn's globals and navigator.gpu first,
 * then @tensorflow/tfjs-backend-webgpu (which registers itself only where navigator.gpu exists), then
 * tf.setBackend('webgpu'). Call after probeWebGpu found an adapter; throws where it cannot start.
 */
export async function startWebGpu(env: NodeJS.ProcessEnv = process.env): Promise<WebGpuAdapterInfo> {
  if (!started) {
    const gpu = await createGpu(dawnOptions(env));
    exposeGpu(gpu);
    const adapter = await requestAdapter(gpu);
    if (!adapter) throw new Error('Dawn gave no adapter in this process, though the probe found one');
    await import(TFJS_WEBGPU_PACKAGE);
    started = adapter;
  }
  if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") returned false');
  await tf.ready();
  return started;
}
