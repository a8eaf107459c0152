/**
 * Fakes for the meter tests and benchmarks, one per source folder of src/measurement/sources/: a stub
 * libnvidia-ml compiled from test/fixtures/stub-nvml.c (nvml/), a fake nvidia-smi (nvidia-smi/), fake
 * powercap trees (rapl/), and the exact integrals of the power curves they all follow.
 * Curves are functions of the wall clock (seconds since the Unix epoch); GPU i adds 10*i W.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { which } from '../../src/measurement/which.js';

/** Repository root, from dist/test/support. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = join(REPO, 'test', 'fixtures');

export type Curve = { kind: 'const'; w: number } | { kind: 'square' | 'ramp'; low: number; high: number; periodS: number };

export function curveSpec(c: Curve): string {
  return c.kind === 'const' ? `const:${c.w}` : `${c.kind}:${c.low}:${c.high}:${c.periodS}`;
}

export function curvePower(c: Curve, t: number, gpu = 0): number {
  if (c.kind === 'const') return c.w + 10 * gpu;
  const f = t - Math.floor(t / c.periodS) * c.periodS;
  const w = c.kind === 'square' ? (f < c.periodS / 2 ? c.low : c.high) : c.low + ((c.high - c.low) * f) / c.periodS;
  return w + 10 * gpu;
}

/** Exact energy of the curve between wall times t0 and t1 (seconds since the epoch), joules. */
export function curveEnergy(c: Curve, t0: number, t1: number, gpu = 0): number {
  const e = (t: number): number => {
    if (c.kind === 'const') return c.w * t;
    const p = c.periodS;
    const n = Math.floor(t / p);
    const f = t - n * p;
    const full = (n * p * (c.low + c.high)) / 2;
    if (c.kind === 'square') return full + (f < p / 2 ? c.low * f : (c.low * p) / 2 + c.high * (f - p / 2));
    return full + c.low * f + ((c.high - c.low) * f * f) / (2 * p);
  };
  // Subtract in pieces relative to t0 to keep precision with epoch-sized t.
  const base = Math.floor(t0 / (c.kind === 'const' ? 1 : c.periodS)) * (c.kind === 'const' ? 1 : c.periodS);
  return e(t1 - base) - e(t0 - base) + 10 * gpu * (t1 - t0);
}

/** Compiles test/fixtures/stub-nvml.c into `dir`; undefined where no C compiler exists. */
export function buildStubNvml(dir: string, defines: string[] = []): string | undefined {
  const cc = which('cc') ?? which('gcc') ?? which('clang');
  if (!cc) return undefined;
  const out = join(dir, `libnvidia-ml-stub${defines.length ? '-' + defines.join('-') : ''}.so`);
  execFileSync(cc, ['-shared', '-fPIC', '-O2', ...defines.map((d) => `-D${d}`), '-o', out, join(FIXTURES, 'stub-nvml.c'), '-lm'], {
    stdio: 'pipe',
  });
  return out;
}

/** Writes an executable `nvidia-smi` in `dir` running the fake with `env` baked in. */
export function writeFakeSmi(dir: string, env: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'nvidia-smi');
  const exports = Object.entries(env)
    .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`)
    .join('\n');
  writeFileSync(path, `#!/bin/sh\n${exports}\nexec '${process.execPath}' '${join(FIXTURES, 'fake-nvidia-smi.mjs')}' "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

export interface FakeZone {
  zone: string;
  name: string;
  energyUj?: number;
  maxRangeUj?: number;
}

/** A powercap tree of static files. */
export function makePowercap(root: string, zones: FakeZone[]): void {
  for (const z of zones) {
    const dir = join(root, z.zone);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'name'), `${z.name}\n`);
    writeFileSync(join(dir, 'max_energy_range_uj'), `${z.maxRangeUj ?? 262143328850}\n`);
    writeFileSync(join(dir, 'energy_uj'), `${z.energyUj ?? 0}\n`);
  }
}

export function setEnergy(root: string, zone: string, uj: number): void {
  writeFileSync(join(root, zone, 'energy_uj'), `${uj}\n`);
}

/** Starts a child that keeps `root/zone/energy_uj` on the exact integral of `curve`. */
export function startPowercapWriter(root: string, zone: string, curve: Curve): ChildProcess {
  return spawn(process.execPath, [join(FIXTURES, 'fake-powercap-writer.mjs'), join(root, zone), curveSpec(curve)], { stdio: 'ignore' });
}
