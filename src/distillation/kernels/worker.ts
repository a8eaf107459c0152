/**
 * The kernel worker thread (threads.ts): instantiates the kernels on the shared memory and runs the
 * program it is pointed at each time the main thread bumps the request counter.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { instantiate } from './module.js';
import { runProgram } from './program.js';
import { CTRL, type WorkerData } from './threads.js';

const data = workerData as WorkerData;
const k = instantiate(data.memory, data.stackBase);
const ctrl = new Int32Array(data.ctrl);
const message = new Uint8Array(data.message);
let seen = Atomics.load(ctrl, CTRL.request);
parentPort?.postMessage('ready');

for (;;) {
  // Spin briefly (the next request often follows within microseconds), then sleep.
  let spins = 0;
  while (Atomics.load(ctrl, CTRL.request) === seen && spins++ < 2000);
  if (Atomics.load(ctrl, CTRL.request) === seen) Atomics.wait(ctrl, CTRL.request, seen);
  seen = Atomics.load(ctrl, CTRL.request);
  if (Atomics.load(ctrl, CTRL.stop)) break;
  try {
    const buffer = data.memory.buffer;
    runProgram(k, new Int32Array(buffer), new Float32Array(buffer), Atomics.load(ctrl, CTRL.program));
    Atomics.store(ctrl, CTRL.status, 0);
  } catch (e) {
    const text = new TextEncoder().encode(String((e as Error)?.message ?? e)).subarray(0, message.length);
    message.fill(0);
    message.set(text);
    Atomics.store(ctrl, CTRL.status, 1);
  }
  Atomics.store(ctrl, CTRL.done, seen);
  Atomics.notify(ctrl, CTRL.done);
}
