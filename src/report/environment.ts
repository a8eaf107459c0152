/** Typed reading of run.environment (a free-form record in the contract); absent fields stay undefined. */
import type { RunJson } from '../core/contract.js';

export interface EnvInfo {
  hostname?: string;
  cpuModel?: string;
  logicalCores?: number;
  physicalCores?: number;
  memoryBytes?: number;
  /** undefined: not recorded; []: recorded, none found. */
  gpus?: { model: string; memoryBytes?: number }[];
  system?: string;
  virtual?: boolean;
  os?: string;
  node?: string;
  kdbenchVersion?: string;
  gitCommit?: string;
  tfjsBackend?: string;
  packages?: Record<string, string | null>;
}

const str = (x: unknown): string | undefined => (typeof x === 'string' && x !== '' ? x : undefined);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const obj = (x: unknown): Record<string, unknown> => (typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {});

export function envInfo(run: RunJson): EnvInfo {
  const e = obj(run.environment);
  const cpu = obj(e.cpu);
  const sys = obj(e.system);
  const os = obj(e.os);
  const kd = obj(e.kdbench);
  const gpus = Array.isArray(e.gpus)
    ? e.gpus.map((g) => {
        const o = obj(g);
        return { model: str(o.model) ?? str(o.name) ?? 'unknown GPU', memoryBytes: num(o.memoryBytes) };
      })
    : undefined;
  const osText = [
    str(os.distro),
    str(os.release),
    str(os.platform) && `(${str(os.platform)} ${str(os.kernel) ?? ''} ${str(os.arch) ?? ''})`.replace(/\s+\)/, ')'),
  ]
    .filter(Boolean)
    .join(' ');
  const packages = typeof e.packages === 'object' && e.packages !== null ? (e.packages as Record<string, string | null>) : undefined;
  return {
    hostname: str(e.hostname),
    cpuModel: str(cpu.model),
    logicalCores: num(cpu.logicalCores),
    physicalCores: num(cpu.physicalCores),
    memoryBytes: num(e.memoryBytes),
    gpus,
    system: [str(sys.manufacturer), str(sys.model)].filter(Boolean).join(' ') || undefined,
    virtual: typeof sys.virtual === 'boolean' ? sys.virtual : undefined,
    os: osText || undefined,
    node: str(e.node),
    kdbenchVersion: str(kd.version) ?? run.tool?.version,
    gitCommit: str(kd.gitCommit),
    tfjsBackend: str(e.tfjsBackend),
    packages,
  };
}

/** "linux 6.1.0 x64" style, for CodeCarbon's os column. */
export function osShort(run: RunJson): string | undefined {
  const os = obj(obj(run.environment).os);
  const parts = [os.platform, os.kernel, os.arch].filter((x): x is string => typeof x === 'string' && x !== '');
  return parts.length > 0 ? parts.join('-') : undefined;
}
