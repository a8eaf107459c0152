/** Typed reading of run.environment (a free-form record in the contract); absent fields stay undefined. */
import type { RunJson } from '../core/contract.js';
import { bytes } from './format.js';

export interface GpuEntry {
  model: string;
  index?: number;
  memoryBytes?: number;
  driverVersion?: string;
  powerLimitW?: number;
  pciBusId?: string;
}

export interface EnvInfo {
  hostname?: string;
  cpuModel?: string;
  cpuVendor?: string;
  /** CPUID family / model / stepping, microarchitecture, sockets, hypervisor flag (newer runs). */
  cpuFamily?: number;
  cpuModelNumber?: number;
  cpuStepping?: number;
  microarchitecture?: string;
  sockets?: number;
  hypervisor?: boolean;
  /** W per busy logical CPU of the CPU estimate, and its source (newer runs). */
  wattsPerCore?: number;
  wattsPerCoreSource?: string;
  logicalCores?: number;
  physicalCores?: number;
  memoryBytes?: number;
  /** undefined: not recorded; []: recorded, none found. */
  gpus?: GpuEntry[];
  /** DMI identity; null: recorded as not readable; undefined: not recorded (older runs). */
  dmi?: { productName?: string; sysVendor?: string; productVersion?: string; boardName?: string } | null;
  cloud?: { provider: string; instanceType?: string } | null;
  container?: string | null;
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
    ? e.gpus.map((g): GpuEntry => {
        const o = obj(g);
        return {
          model: str(o.model) ?? str(o.name) ?? 'unknown GPU',
          index: num(o.index),
          memoryBytes: num(o.memoryBytes),
          driverVersion: str(o.driverVersion),
          powerLimitW: num(o.powerLimitW),
          pciBusId: str(o.pciBusId),
        };
      })
    : undefined;
  const dmiRaw = e.dmi === null ? null : e.dmi === undefined ? undefined : obj(e.dmi);
  const cloudRaw = e.cloud === null ? null : e.cloud === undefined ? undefined : obj(e.cloud);
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
    cpuVendor: str(cpu.vendor),
    cpuFamily: num(cpu.family),
    cpuModelNumber: num(cpu.modelNumber),
    cpuStepping: num(cpu.stepping),
    microarchitecture: str(cpu.microarchitecture),
    sockets: num(cpu.sockets),
    hypervisor: typeof cpu.hypervisor === 'boolean' ? cpu.hypervisor : undefined,
    wattsPerCore: num(cpu.wattsPerCore),
    wattsPerCoreSource: str(cpu.wattsPerCoreSource),
    logicalCores: num(cpu.logicalCores),
    physicalCores: num(cpu.physicalCores),
    memoryBytes: num(e.memoryBytes),
    gpus,
    dmi:
      dmiRaw === undefined || dmiRaw === null
        ? dmiRaw
        : {
            productName: str(dmiRaw.productName),
            sysVendor: str(dmiRaw.sysVendor),
            productVersion: str(dmiRaw.productVersion),
            boardName: str(dmiRaw.boardName),
          },
    cloud:
      cloudRaw === undefined || cloudRaw === null
        ? cloudRaw
        : { provider: str(cloudRaw.provider) ?? 'unknown', instanceType: str(cloudRaw.instanceType) },
    container: e.container === null ? null : str(e.container),
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

/** The W per core the CPU estimate used: the run's record, else read from the CPU domain's source (older runs). */
function wattsPerCore(run: RunJson, e: EnvInfo): { w?: number; source?: string; used: boolean } {
  const cpu = run.meter.domains.find((d) => d.device === 'cpu' || d.device.startsWith('cpu'));
  const used = cpu?.method === 'estimated';
  const fromSource = cpu && used ? /x ([\d.]+) W per busy core \(([^;]*)/.exec(cpu.source) : null;
  return {
    w: e.wattsPerCore ?? (fromSource ? Number(fromSource[1]) : undefined),
    source: e.wattsPerCoreSource ?? fromSource?.[2],
    used,
  };
}

/** The inventory table of the report: every item, "n/a" where the run did not record it (older runs), never 0. */
export function inventoryRows(run: RunJson): string[][] {
  const e = envInfo(run);
  const cpuId = [
    e.cpuFamily !== undefined ? `family ${e.cpuFamily}` : undefined,
    e.cpuModelNumber !== undefined ? `model ${e.cpuModelNumber}` : undefined,
    e.cpuStepping !== undefined ? `stepping ${e.cpuStepping}` : undefined,
  ].filter(Boolean);
  const cpu = `${e.cpuModel ?? 'n/a'}${cpuId.length > 0 ? ` (${[e.cpuVendor, cpuId.join(', ')].filter(Boolean).join(' ')}${e.microarchitecture ? `: ${e.microarchitecture}` : ''})` : ''}${e.hypervisor ? '; virtualised (hypervisor flag): the model name is what the hypervisor shows' : ''}`;
  const cores = `${e.logicalCores ?? 'n/a'} logical / ${e.physicalCores ?? 'n/a'} physical${e.sockets !== undefined ? `, ${e.sockets} socket${e.sockets === 1 ? '' : 's'}` : ''}`;
  const w = wattsPerCore(run, e);
  const perCore =
    w.w === undefined
      ? 'n/a (not recorded by this run)'
      : `${Number(w.w.toPrecision(3))} W per busy logical CPU${w.source ? ` (${w.source})` : ''}; ${w.used ? 'used: CPU energy is ESTIMATED from CPU time' : 'not used: the CPU was measured by a counter'}`;
  const gpus =
    e.gpus === undefined
      ? 'n/a'
      : e.gpus.length === 0
        ? 'none found'
        : e.gpus
            .map((g) => {
              const bits = [
                g.driverVersion ? `driver ${g.driverVersion}` : undefined,
                g.powerLimitW !== undefined ? `power limit ${Number(g.powerLimitW.toPrecision(4))} W` : undefined,
                g.memoryBytes !== undefined ? bytes(g.memoryBytes) : undefined,
                g.pciBusId ? `bus ${g.pciBusId}` : undefined,
              ].filter(Boolean);
              return `${g.index !== undefined ? `${g.index}: ` : ''}${g.model}${bits.length > 0 ? ` (${bits.join(', ')})` : ' (driver, power limit: n/a)'}`;
            })
            .join('; ');
  const dmi =
    e.dmi === undefined
      ? 'n/a (not recorded by this run)'
      : e.dmi === null
        ? 'not readable (/sys/class/dmi/id absent: a container or a VM that hides it)'
        : [
            e.dmi.productName && `product ${e.dmi.productName}`,
            e.dmi.sysVendor && `vendor ${e.dmi.sysVendor}`,
            e.dmi.productVersion && `version ${e.dmi.productVersion}`,
            e.dmi.boardName && `board ${e.dmi.boardName}`,
          ]
            .filter(Boolean)
            .join(', ') || 'n/a';
  const cloud =
    e.cloud === undefined
      ? 'n/a (not recorded by this run)'
      : e.cloud === null
        ? e.dmi === null
          ? 'unknown (no DMI to tell)'
          : 'none detected'
        : `${e.cloud.provider}${e.cloud.instanceType ? `, instance type ${e.cloud.instanceType}` : ', instance type not in DMI'}`;
  return [
    ['CPU', cpu],
    ['cores', cores],
    ['CPU estimate', perCore],
    ['memory', bytes(e.memoryBytes)],
    ['GPUs', gpus],
    ['machine (DMI)', dmi],
    ['cloud', cloud],
    ['container', e.container === undefined ? 'n/a (not recorded by this run)' : (e.container ?? 'none detected')],
    ['system (systeminformation)', `${e.system ?? 'n/a'}${e.virtual === true ? ' (virtual machine or container)' : ''}`],
    ['operating system', e.os ?? 'n/a'],
    ['host', e.hostname ?? 'n/a'],
    ['Node.js', e.node ?? 'n/a'],
    ['kdbench', `${e.kdbenchVersion ?? 'n/a'}${e.gitCommit ? ` (git ${e.gitCommit})` : ''}`],
    ['TensorFlow.js backend', e.tfjsBackend ?? 'n/a'],
    ...Object.entries(e.packages ?? {}).map(([k, v]) => [`package ${k}`, v ?? 'not installed / not found']),
  ];
}
