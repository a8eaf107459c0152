/**
 * Waiting for a device. On a GPU backend (webgpu, tensorflow-gpu) an op returns when its work is queued,
 * not done: a phase boundary marked then puts the rest of the phase's energy into the next phase.
 * waitForDevice returns once everything queued so far has finished.
 */
import * as tf from '@tensorflow/tfjs';
import type { GpuQueueLike } from './dawn.js';

/**
 * Queues one tiny op on the device and reads it back: the device runs its queue in order, so the read
 * completes after all earlier work. (tf.fill has no inputs, so tfjs-backend-webgpu runs it on the GPU;
 * ops on small CPU-resident tensors it would run on the CPU.) Where the backend exposes its WebGPU
 * queue, it then also waits for onSubmittedWorkDone.
 */
export async function waitForDevice(): Promise<void> {
  const marker = tf.fill([1], 0, 'float32');
  try {
    await marker.data();
  } finally {
    marker.dispose();
  }
  const queue = (tf.backend() as { queue?: Partial<GpuQueueLike> }).queue;
  if (queue && typeof queue.onSubmittedWorkDone === 'function') await queue.onSubmittedWorkDone();
}
