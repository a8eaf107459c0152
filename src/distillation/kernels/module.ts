/**
 * The WebAssembly kernels (kernels.c, compiled into wasm-binary.ts) over one shared memory, with a
 * first-fit allocator for the buffers that models place in it. The same memory is handed to the
 * worker thread (threads.ts), which instantiates the same module on it.
 */
import { KERNELS_WASM_BASE64 } from './wasm-binary.js';

const PAGE = 65536;
/** Upper bound of the shared memory (the module is linked with --max-memory=2 GiB). */
const MAX_PAGES = 32768;
const ALIGN = 64;
/** Each instance (main thread, worker) gets its own stack region, although the kernels use none today. */
export const STACK_BYTES = 64 * 1024;

export interface KernelExports {
  gemm(
    M: number,
    N: number,
    K: number,
    A: number,
    sai: number,
    sak: number,
    B: number,
    ldb: number,
    C: number,
    ldc: number,
    bias: number,
    R: number,
    ldr: number,
  ): void;
  transpose(rows: number, cols: number, src: number, lds: number, dst: number, ldd: number): void;
  colsum(T: number, N: number, X: number, ldx: number, out: number): void;
  add_into(n: number, dst: number, src: number): void;
  fill(n: number, dst: number, v: number): void;
  vexp(n: number, x: number, y: number): void;
  gelu_fwd(n: number, u: number, y: number): void;
  gelu_bwd(n: number, u: number, dy: number, du: number): void;
  layernorm_fwd(T: number, D: number, x: number, g: number, b: number, eps: number, y: number, xhat: number, rstd: number): void;
  layernorm_bwd(
    T: number,
    D: number,
    dy: number,
    xhat: number,
    rstd: number,
    g: number,
    dx: number,
    R: number,
    dg: number,
    db: number,
  ): void;
  embed_fwd(S: number, L: number, D: number, ids: number, tok: number, pos: number, x: number): void;
  embed_bwd(S: number, L: number, D: number, ids: number, dx: number, dtok: number, dpos: number): void;
  pool_fwd(S: number, L: number, D: number, x: number, mask: number, out: number): void;
  pool_bwd(S: number, L: number, D: number, dout: number, mask: number, dx: number): void;
  attention_fwd(
    S: number,
    H: number,
    L: number,
    dh: number,
    qkv: number,
    keyBias: number,
    scale: number,
    P: number,
    ctx: number,
    scratch: number,
  ): void;
  attention_bwd(
    S: number,
    H: number,
    L: number,
    dh: number,
    qkv: number,
    P: number,
    dctx: number,
    scale: number,
    dqkv: number,
    scratch: number,
  ): void;
  adam(
    n: number,
    p: number,
    g: number,
    m: number,
    v: number,
    b1: number,
    omb1: number,
    b2: number,
    omb2: number,
    omab1: number,
    omab2: number,
    eps: number,
    neglr: number,
  ): void;
}

export type KernelName = keyof KernelExports;

/**
 * Float arguments of each kernel, by position (the program interpreter in program.ts passes the
 * others as int32 and these as float32). Kept beside the signatures above; a test compares them with
 * the module's own function types.
 */
export const FLOAT_ARGS: Record<KernelName, readonly number[]> = {
  gemm: [],
  transpose: [],
  colsum: [],
  add_into: [],
  fill: [2],
  vexp: [],
  gelu_fwd: [],
  gelu_bwd: [],
  layernorm_fwd: [5],
  layernorm_bwd: [],
  embed_fwd: [],
  embed_bwd: [],
  pool_fwd: [],
  pool_bwd: [],
  attention_fwd: [6],
  attention_bwd: [7],
  adam: [5, 6, 7, 8, 9, 10, 11, 12],
};

export const KERNEL_NAMES = Object.keys(FLOAT_ARGS) as KernelName[];

let compiled: WebAssembly.Module | undefined;
/** The compiled module (compiled once per thread). */
export function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  return compiled;
}

/** An instance of the kernels on `memory`, its stack at [stackBase, stackBase + STACK_BYTES). */
export function instantiate(memory: WebAssembly.Memory, stackBase: number): KernelExports {
  const instance = new WebAssembly.Instance(kernelModule(), { env: { memory } });
  const sp = instance.exports.__stack_pointer as WebAssembly.Global;
  sp.value = stackBase + STACK_BYTES;
  return instance.exports as unknown as KernelExports;
}

interface Block {
  start: number;
  size: number;
}

/** The kernels of this thread over the process's shared memory, and the allocator of that memory. */
export class KernelMemory {
  readonly memory: WebAssembly.Memory;
  readonly k: KernelExports;
  private f32 = new Float32Array(0);
  private i32 = new Int32Array(0);
  private free: Block[] = [];
  private top: number;
  /** Bytes handed out and not freed. */
  allocated = 0;

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    const instance = new WebAssembly.Instance(kernelModule(), { env: { memory: this.memory } });
    this.top = align((instance.exports.__heap_base as WebAssembly.Global).value as number);
    this.refresh();
    const stack = this.alloc(STACK_BYTES);
    (instance.exports.__stack_pointer as WebAssembly.Global).value = stack + STACK_BYTES;
    this.k = instance.exports as unknown as KernelExports;
  }

  /** Allocates `bytes` (64-byte aligned, not zeroed); grows the memory when needed. */
  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 4));
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b.size < size) continue;
      const start = b.start;
      if (b.size === size) this.free.splice(i, 1);
      else {
        b.start += size;
        b.size -= size;
      }
      this.allocated += size;
      return start;
    }
    const start = this.top;
    const end = start + size;
    if (end > this.memory.buffer.byteLength) {
      const pages = Math.ceil((end - this.memory.buffer.byteLength) / PAGE);
      if (this.memory.buffer.byteLength / PAGE + pages > MAX_PAGES)
        throw new Error(`kernel memory: ${bytes} more bytes exceed the 2 GiB limit of the WebAssembly kernels`);
      this.memory.grow(pages);
      this.refresh();
    }
    this.top = end;
    this.allocated += size;
    return start;
  }

  /** Returns a block from alloc(bytes) (same `bytes`). */
  release(ptr: number, bytes: number): void {
    const size = align(Math.max(bytes, 4));
    this.allocated -= size;
    this.free.push({ start: ptr, size });
    this.free.sort((a, b) => a.start - b.start);
    const merged: Block[] = [];
    for (const b of this.free) {
      const last = merged[merged.length - 1];
      if (last && last.start + last.size === b.start) last.size += b.size;
      else merged.push({ ...b });
    }
    if (merged.length && merged[merged.length - 1].start + merged[merged.length - 1].size === this.top) this.top = merged.pop()!.start;
    this.free = merged;
  }

  /** float32 view of the whole memory (renewed after growth). */
  get F32(): Float32Array {
    if (this.f32.buffer.byteLength !== this.memory.buffer.byteLength) this.refresh();
    return this.f32;
  }

  get I32(): Int32Array {
    if (this.i32.buffer.byteLength !== this.memory.buffer.byteLength) this.refresh();
    return this.i32;
  }

  /** A float32 view of n values at byte offset ptr. */
  floats(ptr: number, n: number): Float32Array {
    return this.F32.subarray(ptr >> 2, (ptr >> 2) + n);
  }

  private refresh(): void {
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

let shared: KernelMemory | undefined | null;
let loadError: string | undefined;

/** The process's kernels, or undefined when WebAssembly SIMD or shared memory is unavailable (see kernelsUnavailable()). */
export function kernels(): KernelMemory | undefined {
  if (shared === undefined) {
    try {
      shared = new KernelMemory();
    } catch (e) {
      shared = null;
      loadError = (e as Error).message;
    }
  }
  return shared ?? undefined;
}

/** Why kernels() is undefined. */
export function kernelsUnavailable(): string | undefined {
  kernels();
  return loadError;
}
