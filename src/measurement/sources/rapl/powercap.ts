/**
 * Discovery of RAPL energy counters through Linux powercap (/sys/class/powercap/intel-rapl:N[:M]).
 * Decides which zones to read: packages and their DRAM sub-zones; core/uncore are parts of the
 * package and are not added; psys (the whole SoC platform) only where no package can be read;
 * zones that mirror one counter (multi-die AMD) counted once.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RaplZoneSpec } from '../../types.js';

export function powercapRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.KDBENCH_POWERCAP_ROOT || '/sys/class/powercap';
}

export interface RaplZone {
  /** Folder name: intel-rapl:0, intel-rapl:0:1 ... */
  zone: string;
  /** The zone's name file: package-0, dram, core, uncore, psys. */
  name: string;
  maxRangeUj: number;
  /** energy_uj at discovery, or undefined where it could not be read. */
  energyUj?: number;
  readError?: string;
}

export interface RaplDiscovery {
  root: string;
  zones: RaplZone[];
  /** What to read, in order. */
  chosen: RaplZoneSpec[];
  /** Why each zone is used or left out. */
  notes: string[];
  /** Set when zones exist but their energy cannot be read: how to grant access. */
  accessFix?: string;
}

export type ReadText = (path: string) => string;
const readText: ReadText = (p) => readFileSync(p, 'utf8');

/** Commands that give non-root users read access to the RAPL counters. */
export function raplAccessFix(root: string): string {
  return [
    `The RAPL energy files under ${root} exist but are readable by root only (the default since CVE-2020-8694, the PLATYPUS power side channel).`,
    'To let kdbench read them without running as root, either:',
    `  until the next reboot:  sudo chmod o+r ${root}/intel-rapl:*/energy_uj ${root}/intel-rapl:*:*/energy_uj`,
    '  permanently, a udev rule: echo \'ACTION=="add", SUBSYSTEM=="powercap", RUN+="/bin/chmod o+r /sys%p/energy_uj"\' | sudo tee /etc/udev/rules.d/99-kdbench-rapl.rules',
    '                           then: sudo udevadm control --reload && sudo udevadm trigger --subsystem-match=powercap',
    'This exposes fine-grained power to every local user; on a shared machine weigh that against the PLATYPUS attack (CVE-2020-8694).',
  ].join('\n');
}

const ZONE_RE = /^intel-rapl:(\d+)(?::(\d+))?$/;

function readZone(root: string, zone: string, read: ReadText): RaplZone | undefined {
  const dir = join(root, zone);
  let name: string;
  try {
    name = read(join(dir, 'name')).trim();
  } catch {
    return undefined;
  }
  let maxRangeUj = NaN;
  try {
    maxRangeUj = Number(read(join(dir, 'max_energy_range_uj')).trim());
  } catch {
    /* left NaN: wraps then cannot be undone, reported below */
  }
  try {
    const energyUj = Number(read(join(dir, 'energy_uj')).trim());
    if (!Number.isFinite(energyUj)) return { zone, name, maxRangeUj, readError: 'energy_uj is not a number' };
    return { zone, name, maxRangeUj, energyUj };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { zone, name, maxRangeUj, readError: err.code ?? err.message };
  }
}

/** A few back-to-back reads of each zone: mirrored zones show the same value in at least one round. */
function readRounds(root: string, zones: RaplZone[], read: ReadText, n = 3): Map<string, number[]> {
  const out = new Map(zones.map((z) => [z.zone, [z.energyUj ?? NaN]]));
  for (let i = 1; i < n; i++) {
    for (const z of zones) {
      let v = NaN;
      try {
        v = Number(read(join(root, z.zone, 'energy_uj')).trim());
      } catch {
        /* NaN never matches */
      }
      out.get(z.zone)!.push(v);
    }
  }
  return out;
}

function mirrors(a: number[], b: number[]): boolean {
  return a.some((v, i) => Number.isFinite(v) && v === b[i]);
}

function sortZones(a: string, b: string): number {
  const ma = ZONE_RE.exec(a)!;
  const mb = ZONE_RE.exec(b)!;
  return Number(ma[1]) - Number(mb[1]) || Number(ma[2] ?? -1) - Number(mb[2] ?? -1);
}

/**
 * Lists the RAPL zones under `root` and chooses the ones to read. `read` is injectable so tests can
 * simulate permission errors when they run as root.
 */
export function discoverRapl(root = powercapRoot(), read: ReadText = readText): RaplDiscovery {
  const notes: string[] = [];
  if (!existsSync(root)) return { root, zones: [], chosen: [], notes: [`no powercap folder at ${root} (usual in VMs and containers)`] };
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => ZONE_RE.test(n));
  } catch (e) {
    return { root, zones: [], chosen: [], notes: [`cannot list ${root}: ${(e as Error).message}`] };
  }
  names.sort(sortZones);
  const zones = names.map((n) => readZone(root, n, read)).filter((z): z is RaplZone => z !== undefined);
  if (zones.length === 0) return { root, zones, chosen: [], notes: [`no RAPL zones (intel-rapl:*) under ${root}`] };

  const unreadable = zones.filter((z) => z.readError !== undefined);
  const accessFix = unreadable.some((z) => z.readError === 'EACCES' || z.readError === 'EPERM') ? raplAccessFix(root) : undefined;
  for (const z of unreadable) notes.push(`RAPL ${z.zone} (${z.name}): energy_uj cannot be read (${z.readError})`);

  const readable = zones.filter((z) => z.readError === undefined);
  const chosen: RaplZoneSpec[] = [];
  const packages = readable.filter((z) => /^package-\d+$/.test(z.name) && !z.zone.slice('intel-rapl:'.length).includes(':'));
  const drams = readable.filter((z) => z.name === 'dram' && ZONE_RE.exec(z.zone)![2] !== undefined);
  const rounds = readRounds(root, [...packages, ...drams], read);
  const keep = (group: RaplZone[], device: (z: RaplZone) => string): void => {
    const kept: RaplZone[] = [];
    for (const z of group) {
      const twin = kept.find((k) => k.maxRangeUj === z.maxRangeUj && mirrors(rounds.get(k.zone)!, rounds.get(z.zone)!));
      if (twin) {
        notes.push(`RAPL ${z.zone} (${z.name}) mirrors ${twin.zone} (identical counter): counted once`);
        continue;
      }
      kept.push(z);
      chosen.push({ zone: z.zone, device: device(z), maxRangeUj: z.maxRangeUj });
    }
  };
  keep(packages, (z) => `cpu:${z.name}`);
  const chosenPkgs = new Set(chosen.map((c) => c.zone));
  keep(drams, (z) => `dram:${ZONE_RE.exec(z.zone)![1]}`);
  for (const z of readable) {
    const m = ZONE_RE.exec(z.zone)!;
    if (m[2] !== undefined && z.name !== 'dram' && chosenPkgs.has(`intel-rapl:${m[1]}`)) {
      notes.push(`RAPL ${z.zone} (${z.name}) is part of intel-rapl:${m[1]}'s package energy: not added`);
    }
  }
  const psys = readable.find((z) => z.name === 'psys');
  if (psys) {
    if (chosenPkgs.size > 0) notes.push(`RAPL ${psys.zone} (psys, the whole platform) includes the packages: not added on top of them`);
    else {
      chosen.push({ zone: psys.zone, device: 'cpu:psys', maxRangeUj: psys.maxRangeUj });
      notes.push(
        `RAPL ${psys.zone} (psys): no package counter readable, the platform counter stands for CPU (it also covers other SoC parts)`,
      );
    }
  }
  for (const c of chosen) {
    if (!(c.maxRangeUj > 0)) notes.push(`RAPL ${c.zone}: max_energy_range_uj unreadable; a wraparound cannot be undone`);
  }
  return { root, zones, chosen, notes, ...(accessFix ? { accessFix } : {}) };
}
