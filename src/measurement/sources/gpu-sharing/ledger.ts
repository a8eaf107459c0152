/**
 * Which processes on the measured GPUs are not kdbench's, from the lists NVML or nvidia-smi give at
 * each check. Pure: the facts about processes (/proc) come in through ProcessFacts, so the rules are
 * tested without a GPU.
 *
 * Rules:
 * - a PID that is kdbench's process or one of its descendants is kdbench's own work: not recorded;
 * - a PID that exists here and is not in that tree is another process: recorded at once;
 * - a PID that does not exist here is of another PID namespace (in a container, NVML reports host
 *   PIDs, kdbench's own processes included) or has just exited. kdbench counts its own processes that
 *   hold a GPU device file; while more such PIDs are listed than that count allows, for at least
 *   INVISIBLE_PERSIST_S, they are recorded (visible: false): at least the excess are not kdbench's.
 */
import type { ForeignGpuProcess, GpuSharingRecord } from '../../../core/contract.js';

/** One process on one GPU at one check. */
export interface GpuProcessSighting {
  gpu: number;
  pid: number;
  usedMemoryBytes?: number;
  context: 'compute' | 'graphics';
}

export interface ProcessFacts {
  /** True: kdbench or its descendant; false: another process that exists here; undefined: no such PID here. */
  own(pid: number): boolean | undefined;
  command(pid: number): string | undefined;
  /** How many of kdbench's processes hold a GPU device file open (each may be listed under a PID of another namespace). */
  ownGpuHolders(): number;
}

/** How long more unmatched PIDs than kdbench's own GPU holders must persist before they are recorded (an exiting process lingers briefly). */
export const INVISIBLE_PERSIST_S = 1;

const key = (gpu: number, pid: number) => `${gpu}:${pid}`;

export class SharingLedger {
  private readonly foreign = new Map<string, ForeignGpuProcess>();
  /** Unmatched PIDs seen since the excess began, recorded once it has lasted INVISIBLE_PERSIST_S. */
  private pending = new Map<string, ForeignGpuProcess>();
  private excessSince?: number;
  checks = 0;

  observe(t: number, sightings: GpuProcessSighting[], facts: ProcessFacts): void {
    this.checks++;
    const pids = [...new Set(sightings.map((s) => s.pid))];
    const ownership = new Map(pids.map((p) => [p, facts.own(p)]));
    const ownVisible = pids.filter((p) => ownership.get(p) === true).length;
    const commands = new Map<number, string | undefined>();
    for (const s of sightings) {
      if (ownership.get(s.pid) !== false) continue;
      if (!commands.has(s.pid)) commands.set(s.pid, facts.command(s.pid));
      merge(this.foreign, s, t, true, commands.get(s.pid));
    }
    const unmatched = sightings.filter((s) => ownership.get(s.pid) === undefined);
    const unmatchedPids = new Set(unmatched.map((s) => s.pid)).size;
    if (unmatchedPids === 0 || unmatchedPids <= Math.max(0, facts.ownGpuHolders() - ownVisible)) {
      this.excessSince = undefined;
      this.pending = new Map();
      return;
    }
    this.excessSince ??= t;
    for (const s of unmatched) merge(this.pending, s, t, false);
    if (t - this.excessSince >= INVISIBLE_PERSIST_S) {
      for (const [k, r] of this.pending) {
        const old = this.foreign.get(k);
        this.foreign.set(k, old ? combine(old, r) : r);
      }
      this.pending = new Map();
    }
  }

  records(): ForeignGpuProcess[] {
    return [...this.foreign.values()].sort((a, b) => a.gpu - b.gpu || a.firstSeenS - b.firstSeenS || a.pid - b.pid);
  }
}

function merge(into: Map<string, ForeignGpuProcess>, s: GpuProcessSighting, t: number, visible: boolean, command?: string): void {
  const k = key(s.gpu, s.pid);
  const r: ForeignGpuProcess = {
    gpu: s.gpu,
    pid: s.pid,
    firstSeenS: t,
    lastSeenS: t,
    ...(s.usedMemoryBytes === undefined ? {} : { usedMemoryBytes: s.usedMemoryBytes }),
    contexts: [s.context],
    ...(command ? { command } : {}),
    visible,
  };
  const old = into.get(k);
  into.set(k, old ? combine(old, r) : r);
}

function combine(a: ForeignGpuProcess, b: ForeignGpuProcess): ForeignGpuProcess {
  const mem = Math.max(a.usedMemoryBytes ?? -1, b.usedMemoryBytes ?? -1);
  const contexts = (['compute', 'graphics'] as const).filter((c) => a.contexts.includes(c) || b.contexts.includes(c));
  return {
    ...a,
    firstSeenS: Math.min(a.firstSeenS, b.firstSeenS),
    lastSeenS: Math.max(a.lastSeenS, b.lastSeenS),
    ...(mem >= 0 ? { usedMemoryBytes: mem } : {}),
    contexts,
    ...((a.command ?? b.command) ? { command: a.command ?? b.command } : {}),
  };
}

function gib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`;
}

/** The lines for meter.problems: one per GPU that others used, and one where the check could not be made. */
export function sharingProblems(r: GpuSharingRecord): string[] {
  const out: string[] = [];
  if (!r.checked && r.gpus.length > 0)
    out.push(
      `GPU sharing NOT CHECKED (${r.error ?? 'no process list could be read'}): the whole-GPU energy of GPU(s) ${r.gpus.join(', ')} may include other processes' work`,
    );
  for (const gpu of [...new Set(r.foreignProcesses.map((p) => p.gpu))]) {
    const ps = r.foreignProcesses.filter((p) => p.gpu === gpu);
    const shown = ps.slice(0, 5).map((p) => {
      const who = p.visible ? `pid ${p.pid}${p.command ? ` ${p.command}` : ''}` : `pid ${p.pid} (outside kdbench's PID namespace)`;
      const mem = p.usedMemoryBytes === undefined ? '' : `, up to ${gib(p.usedMemoryBytes)}`;
      return `${who}, ${p.contexts.join('+')}, seen ${p.firstSeenS.toFixed(1)}-${p.lastSeenS.toFixed(1)} s${mem}`;
    });
    const hidden = ps.some((p) => !p.visible)
      ? " (PIDs of another PID namespace: at least the excess over kdbench's own GPU processes are not kdbench's)"
      : '';
    out.push(
      `GPU ${gpu} was SHARED: ${ps.length} other process(es) used it during the run${hidden}: ${shown.join('; ')}${ps.length > 5 ? `; and ${ps.length - 5} more` : ''}. Its meter covers the whole GPU, so this run's GPU energy includes their work (meter.gpuSharing)`,
    );
  }
  return out;
}
