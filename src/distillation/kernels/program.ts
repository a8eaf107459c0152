/**
 * A program: a list of kernel calls with their arguments, encoded in the shared memory so that the
 * main thread or the worker thread can run it (runProgram). A chunk of a batch is one program; the
 * same program gives the same result whichever thread runs it.
 *
 * Layout (int32 words): count, then per call: kernel index, argument count, arguments (float
 * arguments as float32 bits, at the positions FLOAT_ARGS names).
 */
import { FLOAT_ARGS, KERNEL_NAMES, type KernelExports, type KernelMemory, type KernelName } from './module.js';

type Args<K extends KernelName> = Parameters<KernelExports[K]>;

export class ProgramBuilder {
  private readonly calls: { fn: KernelName; args: number[] }[] = [];

  call<K extends KernelName>(fn: K, ...args: Args<K>): this {
    this.calls.push({ fn, args: args as number[] });
    return this;
  }

  get length(): number {
    return this.calls.length;
  }

  /** int32 words needed by encode(). */
  words(): number {
    return 1 + this.calls.reduce((a, c) => a + 2 + c.args.length, 0);
  }

  /** Writes the program at byte offset ptr (words() * 4 bytes). */
  encode(mem: KernelMemory, ptr: number): void {
    const i32 = mem.I32;
    const f32 = mem.F32;
    let w = ptr >> 2;
    i32[w++] = this.calls.length;
    for (const c of this.calls) {
      i32[w++] = KERNEL_NAMES.indexOf(c.fn);
      i32[w++] = c.args.length;
      const floats = FLOAT_ARGS[c.fn];
      c.args.forEach((a, i) => {
        if (floats.includes(i)) f32[w] = a;
        else {
          if (!Number.isInteger(a)) throw new Error(`program: ${c.fn} argument ${i} is ${a}, not an integer`);
          i32[w] = a;
        }
        w++;
      });
    }
  }

  /** Runs the calls directly (no encoding), on this thread. */
  run(k: KernelExports): void {
    for (const c of this.calls) (k[c.fn] as (...a: number[]) => void)(...c.args);
  }
}

/** Time per kernel: milliseconds and calls, by kernel name. */
export type KernelProfile = Map<string, { ms: number; calls: number }>;

/** Runs the program at byte offset ptr with the kernels k over memory views i32/f32 of the same memory. */
export function runProgram(k: KernelExports, i32: Int32Array, f32: Float32Array, ptr: number, profile?: KernelProfile): void {
  let w = ptr >> 2;
  const n = i32[w++];
  const args: number[] = [];
  for (let c = 0; c < n; c++) {
    const name = KERNEL_NAMES[i32[w++]];
    const argc = i32[w++];
    const floats = FLOAT_ARGS[name];
    args.length = argc;
    for (let i = 0; i < argc; i++) args[i] = floats.includes(i) ? f32[w + i] : i32[w + i];
    w += argc;
    if (!profile) {
      (k[name] as (...a: number[]) => void)(...args);
      continue;
    }
    const t0 = performance.now();
    (k[name] as (...a: number[]) => void)(...args);
    const e = profile.get(name) ?? { ms: 0, calls: 0 };
    e.ms += performance.now() - t0;
    e.calls++;
    profile.set(name, e);
  }
}
