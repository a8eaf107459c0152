/**
 * The GPUs allotted to this task, from the environment a scheduler or the user set, mapped onto the
 * GPUs the probes list (NVML numbering, else nvidia-smi's, which is the same PCI bus order).
 *
 * Whole-GPU meters count every process on a GPU: on a shared node, measuring every GPU counts the
 * other jobs' work too (CodeCarbon's Slurm double counting, their PR #1390). Sources, first found wins:
 *
 * - CUDA_VISIBLE_DEVICES: what CUDA in this task will use. Entries are CUDA indices, `GPU-<uuid>`
 *   (any unique prefix), `MIG-<uuid>` or `MIG-GPU-<uuid>/<gi>/<ci>`. As CUDA does, parsing stops at
 *   the first entry that names no GPU: CUDA ignores it and every entry after it. UUIDs are matched
 *   against the probes' UUIDs; a MIG instance stands for its parent GPU (the energy counter is per GPU).
 * - SLURM_STEP_GPUS, else SLURM_JOB_GPUS: Slurm's GPU indices on the node (its gres order).
 * - NVIDIA_VISIBLE_DEVICES: the GPUs a container runtime exposes (Kubernetes' device plugin sets it).
 *
 * Indices are not stable across views, UUIDs are: with cgroup device constraints Slurm renumbers
 * CUDA_VISIBLE_DEVICES from 0, and NVML inside the job lists only the job's GPUs, also from 0. So a
 * numeric list is mapped onto the GPUs NVML lists here, by position, and where Slurm's own node indices
 * differ from CUDA_VISIBLE_DEVICES (renumbered), they decide only when NVML here sees more GPUs than
 * the job has (it sees the whole node, whose numbering Slurm's indices are in).
 *
 * Pure: no probing here; select.ts passes the probes' GPUs in.
 */

/** A GPU as a probe lists it. */
export interface GpuIdentity {
  index: number;
  uuid: string;
  name?: string;
  pciBusId?: string;
  /** UUIDs of its MIG instances, where the probe read them. */
  migDevices?: string[];
}

export type AllotmentEntry =
  | { kind: 'index'; index: number; text: string }
  /** `GPU-...`, lower-cased; a prefix of a full UUID is allowed (CUDA accepts any unique prefix). */
  | { kind: 'uuid'; uuid: string; text: string }
  /** `MIG-...`; `parentUuid` where the old form `MIG-GPU-<uuid>/<gi>/<ci>` names its GPU. */
  | { kind: 'mig'; uuid: string; parentUuid?: string; text: string };

export interface ParsedList {
  entries: AllotmentEntry[];
  /** The first entry that is not a GPU id at all, and every entry after it (CUDA ignores them). */
  rejected: string[];
}

/** The variables read, in order of precedence. */
export const ALLOTMENT_VARIABLES = ['CUDA_VISIBLE_DEVICES', 'SLURM_STEP_GPUS', 'SLURM_JOB_GPUS', 'NVIDIA_VISIBLE_DEVICES'] as const;

/** Parses a CUDA_VISIBLE_DEVICES-style list (also NVIDIA_VISIBLE_DEVICES'); an empty value allots no GPU. */
export function parseDeviceList(value: string): ParsedList {
  const items = value.trim() === '' ? [] : value.split(',').map((x) => x.trim());
  const entries: AllotmentEntry[] = [];
  for (let i = 0; i < items.length; i++) {
    const text = items[i];
    let m: RegExpExecArray | null;
    if (/^\d+$/.test(text)) entries.push({ kind: 'index', index: Number(text), text });
    else if ((m = /^MIG-(GPU-[\w-]+)\/\d+\/\d+$/i.exec(text)))
      entries.push({ kind: 'mig', uuid: text.toLowerCase(), parentUuid: m[1].toLowerCase(), text });
    else if (/^MIG-[\w-]+$/i.test(text)) entries.push({ kind: 'mig', uuid: text.toLowerCase(), text });
    else if (/^GPU-[\w-]+$/i.test(text)) entries.push({ kind: 'uuid', uuid: text.toLowerCase(), text });
    else return { entries, rejected: items.slice(i) };
  }
  return { entries, rejected: [] };
}

/** Parses Slurm's GPU index list ("0,2", "0-3,6"); undefined where it is not one. */
export function parseSlurmIndices(value: string): number[] | undefined {
  const out: number[] = [];
  for (const part of value.split(',').map((x) => x.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 1024) return undefined;
    for (let i = a; i <= b; i++) if (!out.includes(i)) out.push(i);
  }
  return out;
}

/** "00000000:3B:00.0", "0000:3b:00.0" and "3b:00.0" name one device: domain, bus, device.function as numbers. */
export function normalBusId(id: string | undefined): string | undefined {
  const m = id ? /^(?:([0-9a-f]+):)?([0-9a-f]+):([0-9a-f]+)\.([0-9a-f]+)$/i.exec(id.trim()) : null;
  if (!m) return undefined;
  const hex = (s: string | undefined) => parseInt(s ?? '0', 16).toString(16);
  return `${hex(m[1])}:${hex(m[2])}:${hex(m[3])}.${hex(m[4])}`;
}

/** Whether two probes' GPUs are the same device: by UUID, else PCI bus id, else (neither known) index. */
export function sameGpu(a: GpuIdentity, b: GpuIdentity): boolean {
  if (a.uuid && b.uuid) return a.uuid.toLowerCase() === b.uuid.toLowerCase();
  const ba = normalBusId(a.pciBusId);
  const bb = normalBusId(b.pciBusId);
  if (ba && bb) return ba === bb;
  return a.index === b.index;
}

export interface ResolvedAllotment {
  /** The variable that allots the GPUs; undefined where the environment names none (every GPU is measured). */
  from?: { variable: string; value: string };
  /** The allotted GPUs (probe indices), in order; undefined: no allotment. May be empty (a task without GPU). */
  gpus?: number[];
  /** How the entries were mapped, for meter.notes. */
  notes: string[];
  /** Entries that name no GPU the probes list, and other doubts: for meter.problems. */
  problems: string[];
}

export interface ResolveOptions {
  /** MIG instance UUID (lower case) to its GPU's UUID, read only when a MIG entry is not found among `visible[].migDevices` (nvidia-smi -L). */
  migParents?: () => Map<string, string>;
}

const describe = (g: GpuIdentity): string => `GPU ${g.index}${g.name ? ` (${g.name})` : ''}`;

/**
 * Maps the allotment in `env` onto `visible` (the GPUs the probes list). Never throws: an entry that
 * names no listed GPU is a problem recorded with the run (the task runs anyway; its energy on that GPU
 * is then missing, and the run says so).
 */
export function resolveAllotment(env: NodeJS.ProcessEnv, visible: GpuIdentity[], opts: ResolveOptions = {}): ResolvedAllotment {
  const cvd = env.CUDA_VISIBLE_DEVICES;
  if (cvd !== undefined) return resolveCuda(cvd, env, visible, opts);
  for (const variable of ['SLURM_STEP_GPUS', 'SLURM_JOB_GPUS'] as const) {
    const value = env[variable];
    if (value !== undefined && value.trim() !== '') return resolveSlurm(variable, value, visible);
  }
  const nvd = env.NVIDIA_VISIBLE_DEVICES;
  if (nvd !== undefined && !['all', 'none', 'void', ''].includes(nvd.trim().toLowerCase())) {
    const parsed = parseDeviceList(nvd);
    const hostIndices = parsed.entries.filter((e) => e.kind === 'index');
    if (hostIndices.length > 0 && hostIndices.length === parsed.entries.length && visible.length === hostIndices.length) {
      // Host indices, and the container sees exactly that many GPUs: the runtime exposed only these, renumbered from 0.
      return {
        from: { variable: 'NVIDIA_VISIBLE_DEVICES', value: nvd },
        gpus: visible.map((g) => g.index),
        notes: [
          `GPU allotment: NVIDIA_VISIBLE_DEVICES=${nvd} are host indices; the container sees exactly these ${visible.length} GPU(s): ${visible.map(describe).join(', ')}`,
        ],
        problems: [],
      };
    }
    return resolveList('NVIDIA_VISIBLE_DEVICES', nvd, visible, opts, { stopAtFirstMiss: false, parsed });
  }
  return { notes: [], problems: [] };
}

function resolveCuda(value: string, env: NodeJS.ProcessEnv, visible: GpuIdentity[], opts: ResolveOptions): ResolvedAllotment {
  const parsed = parseDeviceList(value);
  const numeric = parsed.rejected.length === 0 && parsed.entries.length > 0 && parsed.entries.every((e) => e.kind === 'index');
  const slurmVar = env.SLURM_STEP_GPUS ? 'SLURM_STEP_GPUS' : env.SLURM_JOB_GPUS ? 'SLURM_JOB_GPUS' : undefined;
  const slurm = slurmVar ? parseSlurmIndices(env[slurmVar]!) : undefined;
  const cudaIdx = parsed.entries.map((e) => (e.kind === 'index' ? e.index : -1));
  if (numeric && slurm && slurm.length === cudaIdx.length && slurm.some((s, i) => s !== cudaIdx[i]) && visible.length > cudaIdx.length) {
    // Slurm renumbered CUDA_VISIBLE_DEVICES (cgroup device constraint) but NVML here lists more GPUs
    // than the job's: it sees the node, and Slurm's node indices name the job's GPUs in its numbering.
    const r = resolveSlurm(slurmVar!, env[slurmVar!]!, visible);
    r.from = { variable: 'CUDA_VISIBLE_DEVICES', value };
    r.notes.unshift(
      `GPU allotment: CUDA_VISIBLE_DEVICES=${value} is renumbered by Slurm (${slurmVar}=${env[slurmVar!]} on the node), and NVML here lists ${visible.length} GPUs (the node's): Slurm's node indices are used`,
    );
    return r;
  }
  const r = resolveList('CUDA_VISIBLE_DEVICES', value, visible, opts, { stopAtFirstMiss: true, parsed });
  if (numeric && slurm && slurm.some((s, i) => s !== cudaIdx[i]))
    r.notes.push(
      `GPU allotment: ${slurmVar}=${env[slurmVar!]} (node indices) differs from CUDA_VISIBLE_DEVICES=${value}: Slurm renumbered it for a job that sees only its own GPUs (cgroup device constraint); NVML here lists ${visible.length}, so CUDA's indices are mapped onto them in order`,
    );
  if (numeric) {
    const models = new Set(visible.map((g) => g.name ?? ''));
    if (models.size > 1 && env.CUDA_DEVICE_ORDER !== 'PCI_BUS_ID')
      r.problems.push(
        `GPU allotment: CUDA_VISIBLE_DEVICES=${value} gives indices, the GPUs here are of different models and CUDA_DEVICE_ORDER is not PCI_BUS_ID: CUDA may number them fastest first, unlike NVML; kdbench mapped them in PCI bus order (set CUDA_DEVICE_ORDER=PCI_BUS_ID, or give GPU UUIDs, to be sure)`,
      );
  }
  return r;
}

function resolveSlurm(variable: string, value: string, visible: GpuIdentity[]): ResolvedAllotment {
  const from = { variable, value };
  const idx = parseSlurmIndices(value);
  if (!idx)
    return {
      notes: [],
      problems: [`GPU allotment: cannot read ${variable}=${value} (expected GPU indices like 0,2 or 0-3); every GPU is measured`],
    };
  const listed = (i: number) => visible.find((g) => g.index === i);
  if (idx.every((i) => listed(i))) {
    const gpus = idx;
    return {
      from,
      gpus,
      notes: [`GPU allotment: ${variable}=${value} names ${gpus.map((i) => describe(listed(i)!)).join(', ')}`],
      problems: [],
    };
  }
  if (visible.length === idx.length) {
    // The job sees exactly as many GPUs as Slurm gave it: its own, renumbered from 0 (cgroup device constraint).
    return {
      from,
      gpus: visible.map((g) => g.index),
      notes: [
        `GPU allotment: ${variable}=${value} are node indices; NVML here lists only ${visible.length} GPU(s), the job's own (cgroup device constraint), so they are the allotment: ${visible.map(describe).join(', ')}`,
      ],
      problems: [],
    };
  }
  const gpus = idx.filter((i) => listed(i));
  const missing = idx.filter((i) => !listed(i));
  return {
    from,
    gpus,
    notes: gpus.length ? [`GPU allotment: ${variable}=${value} names ${gpus.map((i) => describe(listed(i)!)).join(', ')}`] : [],
    problems: [
      `GPU allotment: ${variable}=${value} names GPU index(es) ${missing.join(', ')}, which the probes do not list (they list ${visible.length} GPU(s)): NOT MEASURED`,
    ],
  };
}

function resolveList(
  variable: string,
  value: string,
  visible: GpuIdentity[],
  opts: ResolveOptions,
  how: { stopAtFirstMiss: boolean; parsed?: ParsedList },
): ResolvedAllotment {
  const parsed = how.parsed ?? parseDeviceList(value);
  const gpus: number[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  const mapped: string[] = [];
  let migMap: Map<string, string> | undefined;
  const migParent = (uuid: string): string | undefined => {
    for (const g of visible) if (g.migDevices?.some((m) => m.toLowerCase() === uuid)) return g.uuid.toLowerCase();
    migMap ??= opts.migParents?.() ?? new Map();
    return migMap.get(uuid);
  };
  let stoppedAt: number | undefined;
  for (let i = 0; i < parsed.entries.length; i++) {
    const e = parsed.entries[i];
    let hit: GpuIdentity | undefined;
    let why = '';
    if (e.kind === 'index') {
      // The i-th GPU this process can see: NVML numbers the GPUs it lists from 0, in PCI bus order.
      hit = visible.find((g) => g.index === e.index);
      if (!hit) why = `index ${e.index}, but the probes list ${visible.length} GPU(s)`;
    } else if (e.kind === 'uuid') {
      const matches = visible.filter((g) => g.uuid.toLowerCase().startsWith(e.uuid));
      if (matches.length === 1) hit = matches[0];
      else
        why =
          matches.length === 0 ? 'a UUID no GPU listed here has' : `a UUID prefix shared by GPUs ${matches.map((g) => g.index).join(', ')}`;
    } else {
      const parent = e.parentUuid ?? migParent(e.uuid);
      hit = parent ? visible.find((g) => g.uuid.toLowerCase() === parent) : undefined;
      if (!hit) why = 'a MIG instance of no GPU listed here';
      else
        notes.push(
          `GPU ${hit.index}: allotted as MIG instance ${e.text}; its energy counter covers the whole GPU, every MIG instance on it included`,
        );
    }
    if (!hit) {
      problems.push(
        how.stopAtFirstMiss
          ? `GPU allotment: ${variable} entry "${e.text}" is ${why}: NOT MEASURED; CUDA ignores it and every entry after it${
              i + 1 < parsed.entries.length || parsed.rejected.length
                ? ` (${[...parsed.entries.slice(i + 1).map((x) => x.text), ...parsed.rejected].join(', ')})`
                : ''
            }, and so does kdbench`
          : `GPU allotment: ${variable} entry "${e.text}" is ${why}: NOT MEASURED`,
      );
      if (how.stopAtFirstMiss) {
        stoppedAt = i;
        break;
      }
      continue;
    }
    if (!gpus.includes(hit.index)) gpus.push(hit.index);
    mapped.push(`${e.text} -> ${describe(hit)}${e.kind === 'uuid' ? '' : ` ${hit.uuid}`}`);
  }
  if (parsed.rejected.length > 0 && stoppedAt === undefined)
    problems.push(
      `GPU allotment: ${variable} entry "${parsed.rejected[0]}" is not a GPU index, GPU-UUID or MIG-UUID: ${
        how.stopAtFirstMiss ? 'CUDA ignores it and every entry after it, and so does kdbench' : 'ignored'
      }`,
    );
  notes.unshift(
    gpus.length === 0
      ? `GPU allotment: ${variable}=${value} allots no GPU that the probes list: no GPU is measured`
      : `GPU allotment: ${variable}=${value}: ${mapped.join('; ')}`,
  );
  return { from: { variable, value }, gpus, notes, problems };
}
