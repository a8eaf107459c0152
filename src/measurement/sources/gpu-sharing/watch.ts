/**
 * The GPU sharing check. Not an energy source: it lives in the sampler worker beside them, lists the
 * measured GPUs' running processes about every second and at each phase boundary, and records those
 * that are not kdbench or its process tree (ledger.ts), for run.json's meter.gpuSharing and a line in
 * meter.problems.
 *
 * Lists from NVML (nvmlDeviceGetComputeRunningProcesses and, where the library has it,
 * nvmlDeviceGetGraphicsRunningProcesses: the newest of _v3, _v2, unversioned), else from
 * `nvidia-smi --query-compute-apps=gpu_uuid,pid,used_memory`, run asynchronously so that the energy
 * readings never wait on it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Clock } from '../../clock.js';
import type { DomainInfo, EnergySource, GpuSharingRecord, GpuSharingSpec, RawReading } from '../../types.js';
import { gpuDeviceHolders, inProcessTree, processCommand } from '../../proc-tree.js';
import { readStat } from '../../proc.js';
import { Nvml } from '../nvml/binding.js';
import { computeAppsArgs, COMPUTE_APPS_FIELDS, parseComputeApps } from '../nvidia-smi/apps.js';
import { SharingLedger, sharingProblems, type GpuProcessSighting, type ProcessFacts } from './ledger.js';

/** /proc facts about processes, relative to the tree under `root`. */
export function procFacts(root: number): ProcessFacts {
  let holders: number | undefined;
  return {
    own: (pid) => inProcessTree(pid, root),
    command: processCommand,
    ownGpuHolders: () => (holders ??= gpuDeviceHolders(root)),
  };
}

export class GpuSharingWatch implements EnergySource {
  readonly name = 'gpu-sharing';
  private readonly ledger = new SharingLedger();
  private readonly issues: string[];
  private readonly root: number;
  private nvml?: Nvml;
  /** Device index ("gpu:N") to NVML index, and whether graphics processes can be listed. */
  private readonly nvmlIndex = new Map<number, number>();
  private graphics = false;
  private smi?: string;
  private method = 'none';
  private error?: string;
  private readonly failing = new Set<number>();
  private lastCheck = -Infinity;
  private child?: ChildProcess;
  private helperCpuS = 0;
  private stopped = false;

  constructor(
    private readonly spec: GpuSharingSpec,
    private readonly clock: Clock,
  ) {
    this.issues = [...(spec.problems ?? [])];
    this.root = spec.rootPid ?? process.pid;
  }

  async start(): Promise<DomainInfo[]> {
    if (this.spec.gpus.length === 0) {
      this.error = 'no GPU measured';
      return [];
    }
    const why: string[] = [];
    if (this.spec.nvmlLibrary) {
      try {
        this.openNvml(this.spec.nvmlLibrary);
      } catch (e) {
        this.nvml?.close();
        this.nvml = undefined;
        why.push(`NVML: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    if (!this.nvml && this.spec.smiBinary) {
      this.smi = this.spec.smiBinary;
      this.method = `nvidia-smi --query-compute-apps=${COMPUTE_APPS_FIELDS.join(',')} (compute contexts only)`;
    }
    if (!this.nvml && !this.smi) this.error = why.join('; ') || 'neither NVML nor nvidia-smi is available';
    else if (why.length > 0) this.error = `${why.join('; ')}; nvidia-smi used instead`;
    this.check(this.clock.now());
    return [];
  }

  private openNvml(library: string): void {
    const nvml = Nvml.open(library);
    this.nvml = nvml;
    const byUuid = new Map<string, number>();
    for (let i = 0; i < nvml.count(); i++) byUuid.set(nvml.gpu(i).uuid.toLowerCase(), i);
    for (const g of this.spec.gpus) {
      const i = g.uuid ? byUuid.get(g.uuid.toLowerCase()) : g.index;
      if (i === undefined) throw new Error(`GPU ${g.index} (${g.uuid}) is not in NVML's list`);
      this.nvmlIndex.set(g.index, i);
      nvml.runningProcesses(i, 'compute'); // throws here (NOT_SUPPORTED, NO_PERMISSION ...), not at every check
    }
    try {
      for (const i of this.nvmlIndex.values()) nvml.runningProcesses(i, 'graphics');
      this.graphics = true;
    } catch {
      this.graphics = false;
    }
    const sfx = nvml.processFunctions?.suffix ?? '';
    this.method = `NVML nvmlDeviceGetComputeRunningProcesses${sfx}${this.graphics ? ` and nvmlDeviceGetGraphicsRunningProcesses${sfx}` : ' (compute contexts only)'}`;
  }

  poll(now: number): RawReading[] {
    if (now - this.lastCheck >= this.spec.intervalMs / 1000) this.check(now);
    return [];
  }

  boundary(now: number): void {
    this.check(now);
  }

  private check(now: number): void {
    if (this.stopped) return;
    this.lastCheck = now;
    if (this.nvml) this.checkNvml(now);
    else if (this.smi) this.checkSmi(now);
  }

  private checkNvml(now: number): void {
    const nvml = this.nvml!;
    const seen: GpuProcessSighting[] = [];
    let ok = 0;
    for (const [gpu, i] of this.nvmlIndex) {
      try {
        for (const p of nvml.runningProcesses(i, 'compute'))
          seen.push({ gpu, pid: p.pid, usedMemoryBytes: p.usedMemoryBytes, context: 'compute' });
        if (this.graphics)
          for (const p of nvml.runningProcesses(i, 'graphics'))
            seen.push({ gpu, pid: p.pid, usedMemoryBytes: p.usedMemoryBytes, context: 'graphics' });
        ok++;
        this.failing.delete(gpu);
      } catch (e) {
        if (!this.failing.has(gpu))
          this.issues.push(`gpu-sharing: listing GPU ${gpu}'s processes failed at t=${now.toFixed(1)} s (${(e as Error).message})`);
        this.failing.add(gpu);
      }
    }
    if (ok > 0) this.ledger.observe(now, seen, procFacts(this.root));
  }

  private checkSmi(now: number): void {
    if (this.child) return; // the previous check is still running: this one is skipped
    const child = spawn(this.smi!, computeAppsArgs(), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-300)));
    // Its CPU time, read while it is a zombie not yet reaped (best effort: 0 where it is already gone).
    child.stdout!.on('end', () => {
      if (child.pid !== undefined) this.helperCpuS += readStat(`/proc/${child.pid}/stat`)?.selfS ?? 0;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    let done = false;
    const finish = (): boolean => {
      clearTimeout(timer);
      if (this.child === child) this.child = undefined;
      const first = !done;
      done = true;
      return first && !this.stopped;
    };
    child.on('error', (e) => {
      if (finish()) this.smiFailed(now, e.message);
    });
    child.on('close', (code, signal) => {
      if (!finish()) return;
      if (code !== 0) {
        const said = err.trim() || out.trim().slice(0, 200);
        this.smiFailed(now, `exit code ${code}${signal ? ` (${signal})` : ''}${said ? `: ${said}` : ''}`);
        return;
      }
      this.failing.delete(-1);
      const index = new Map(this.spec.gpus.map((g) => [g.uuid.toLowerCase(), g.index]));
      const seen: GpuProcessSighting[] = [];
      for (const a of parseComputeApps(out)) {
        const gpu = index.get(a.gpuUuid.toLowerCase());
        if (gpu !== undefined) seen.push({ gpu, pid: a.pid, usedMemoryBytes: a.usedMemoryBytes, context: 'compute' });
      }
      this.ledger.observe(now, seen, procFacts(this.root));
    });
  }

  private smiFailed(now: number, why: string): void {
    if (!this.failing.has(-1)) this.issues.push(`gpu-sharing: nvidia-smi --query-compute-apps failed at t=${now.toFixed(1)} s (${why})`);
    this.failing.add(-1);
    this.error ??= `nvidia-smi --query-compute-apps failed (${why})`;
  }

  sharing(): GpuSharingRecord {
    return {
      checked: this.ledger.checks > 0,
      method: this.method,
      ...(this.error ? { error: this.error } : {}),
      gpus: this.spec.gpus.map((g) => g.index),
      ...(this.spec.allotment ? { allotment: this.spec.allotment } : {}),
      checks: this.ledger.checks,
      intervalS: this.spec.intervalMs / 1000,
      foreignProcesses: this.ledger.records(),
    };
  }

  problems(): string[] {
    return [...this.issues, ...sharingProblems(this.sharing())];
  }

  overheadCpuS(): number {
    return this.helperCpuS;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.child?.kill('SIGKILL');
    try {
      this.nvml?.close();
    } catch {
      /* stopping: nothing to do */
    }
  }
}
