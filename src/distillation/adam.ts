/**
 * Adam on kdbench's WebAssembly kernels: the same float32 operations, in the same order, as
 * tf.train.adam (TensorFlow.js 4.22's AdamOptimizer.applyGradients), in one kernel call per variable
 * instead of ~12 TensorFlow.js kernels. Moments live in the kernels' memory; each variable gets its
 * new values through one assign(). test/distillation/kernels-adam.test.ts compares it with tf.train.adam.
 */
import { tf } from './backend.js';
import type { KernelMemory } from './kernels/module.js';
import { activeKernels } from './kernels/runtime.js';
import { tensorFrom, valuesOf } from './kernels/tensor-io.js';

export interface Optimizer {
  /** Applies one step to the variables that have a gradient (by variable name). */
  applyGradients(grads: tf.NamedTensorMap): void;
  dispose(): void;
}

interface Slot {
  variable: tf.Variable;
  n: number;
  /** Byte offsets of the parameter copy and of the two moments. */
  p: number;
  m: number;
  v: number;
  /** The variable's dataId when the parameter copy was last in sync with it. */
  version: unknown;
}

export class KernelAdam implements Optimizer {
  private readonly slots = new Map<string, Slot>();
  private readonly blocks: [number, number][] = [];
  private grad = 0;
  private gradBytes = 0;
  private accBeta1: number;
  private accBeta2: number;
  private readonly f32 = Math.fround;

  constructor(
    private readonly mem: KernelMemory,
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-7,
  ) {
    this.accBeta1 = this.f32(beta1);
    this.accBeta2 = this.f32(beta2);
  }

  applyGradients(grads: tf.NamedTensorMap): void {
    const f32 = this.f32;
    const k = this.mem.k;
    const omab1 = f32(1 - this.accBeta1);
    const omab2 = f32(1 - this.accBeta2);
    tf.tidy(() => {
      for (const [name, g] of Object.entries(grads)) {
        const slot = this.slot(name, g);
        const F = this.mem.F32;
        if (slot.variable.dataId !== slot.version) F.set(valuesOf(slot.variable), slot.p >> 2);
        F.set(valuesOf(g), this.grad >> 2);
        k.adam(
          slot.n,
          slot.p,
          this.grad,
          slot.m,
          slot.v,
          this.beta1,
          1 - this.beta1,
          this.beta2,
          1 - this.beta2,
          omab1,
          omab2,
          this.epsilon,
          -this.learningRate,
        );
        slot.variable.assign(tensorFrom(this.mem.floats(slot.p, slot.n), slot.variable.shape));
        slot.version = slot.variable.dataId;
      }
    });
    this.accBeta1 = f32(this.accBeta1 * f32(this.beta1));
    this.accBeta2 = f32(this.accBeta2 * f32(this.beta2));
  }

  private slot(name: string, g: tf.Tensor): Slot {
    let s = this.slots.get(name);
    if (s) return s;
    const variable = tf.engine().registeredVariables[name];
    if (!variable) throw new Error(`Adam: no variable named ${name}`);
    const n = g.size;
    if (variable.size !== n) throw new Error(`Adam: gradient of ${name} has ${n} values, the variable ${variable.size}`);
    const bytes = 3 * n * 4;
    const base = this.mem.alloc(bytes);
    this.blocks.push([base, bytes]);
    this.mem.k.fill(2 * n, base + n * 4, 0);
    s = { variable, n, p: base, m: base + n * 4, v: base + 2 * n * 4, version: undefined };
    this.slots.set(name, s);
    if (n * 4 > this.gradBytes) {
      if (this.gradBytes) this.mem.release(this.grad, this.gradBytes);
      this.gradBytes = n * 4;
      this.grad = this.mem.alloc(this.gradBytes);
    }
    return s;
  }

  dispose(): void {
    for (const [p, b] of this.blocks) this.mem.release(p, b);
    this.blocks.length = 0;
    if (this.gradBytes) this.mem.release(this.grad, this.gradBytes);
    this.gradBytes = 0;
    this.slots.clear();
  }
}

/** Adam on kdbench's kernels on the wasm and cpu backends (the same float32 arithmetic as tf.train.adam), else tf.train.adam. */
export function adam(learningRate: number): Optimizer {
  const backend = tf.getBackend();
  const mem = backend === 'wasm' || backend === 'cpu' ? activeKernels() : undefined;
  if (mem) return new KernelAdam(mem, learningRate);
  const tfAdam = tf.train.adam(learningRate);
  return {
    applyGradients: (grads) => tfAdam.applyGradients(grads as Record<string, tf.Variable>),
    dispose: () => tfAdam.dispose(),
  };
}
