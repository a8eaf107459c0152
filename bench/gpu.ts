/**
 * GPU benchmark (`npm run bench -- gpu`): on a machine where WebGPU finds a GPU, runs `kdbench doctor`,
 * then the gpu suite (suites/gpu.yaml) on the webgpu backend with --quick and in full, and writes
 * reports/bench/gpu.md and gpu.json: wall times, energy per phase and device, the GPU's energy against
 * its idle baseline, and student/teacher ratios. Target: the whole suite in <= 10 min on one H100/H200.
 * On a machine without a GPU it says so and runs nothing (exit 0).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DomainEnergy, PhaseRecord, RunJson } from '../src/core/contract.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');

interface DoctorJson {
  webgpu: { ok: true; adapter: Record<string, string>; dawnOptions: string[] } | { ok: false; reason: string; fix: string };
  probes: { nvml: { ok: boolean; gpus: { index: number; name: string; counter?: boolean }[] } };
}

/** Energy of one phase (or the whole run), by kind of device. */
export interface EnergySplit {
  name: string;
  durationS: number;
  totalJ: number;
  gpuJ: number;
  /** The GPUs' idle-baseline power times the duration (what they draw doing nothing). */
  gpuIdleJ: number | null;
  cpuJ: number;
  dramJ: number;
  /** Methods of the GPU figures (counter, sampled), or none where no GPU is measured. */
  gpuMethods: string[];
}

export interface GpuRunSummary {
  args: string[];
  wallS: number;
  exitCode: number | null;
  status: string;
  error?: string;
  backend: string | null;
  adapter: unknown;
  gpus: unknown;
  baselineGpuW: number | null;
  totals: EnergySplit | null;
  /** Training phases and the inference benchmark, summed. */
  parts: EnergySplit[];
  models: { name: string; role: string; kind: string; params: number; accuracy: number }[];
  inference: { model: string; batchSize: number; energyJPer1000: number; throughputPerS: number; latencyMsP50: number }[];
  /** Each student against the teacher: parameters, accuracy, training energy, energy per 1,000 inferences by batch. */
  ratios: { student: string; params: number; accuracy: number; trainingEnergy: number | null; energyPer1000: Record<string, number> }[];
}

export type GpuBenchResult =
  | { ran: false; reason: string; fix?: string }
  | { ran: true; startedAt: string; doctor: string; adapter: Record<string, string>; runs: GpuRunSummary[] };

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Splits a window's energy into GPU, CPU and DRAM. */
export function energySplit(name: string, durationS: number, domains: DomainEnergy[]): EnergySplit {
  const gpu = domains.filter((d) => d.device.startsWith('gpu'));
  const idle = gpu.map((d) => d.idleJ);
  return {
    name,
    durationS,
    totalJ: sum(domains.map((d) => d.energyJ)),
    gpuJ: sum(gpu.map((d) => d.energyJ)),
    gpuIdleJ: gpu.length > 0 && idle.every((x) => x !== undefined) ? sum(idle as number[]) : null,
    cpuJ: sum(domains.filter((d) => d.device.startsWith('cpu')).map((d) => d.energyJ)),
    dramJ: sum(domains.filter((d) => d.device.startsWith('dram')).map((d) => d.energyJ)),
    gpuMethods: [...new Set(gpu.map((d) => d.method))],
  };
}

/** Phases summed by a name prefix (every inference round, every distillation ...). */
function partOf(name: string, phases: PhaseRecord[], match: (p: PhaseRecord) => boolean): EnergySplit | null {
  const ps = phases.filter(match);
  if (ps.length === 0) return null;
  const byDevice = new Map<string, DomainEnergy>();
  for (const p of ps)
    for (const d of p.domains) {
      const cur = byDevice.get(d.device);
      if (!cur) byDevice.set(d.device, { ...d });
      else {
        cur.energyJ += d.energyJ;
        cur.idleJ = cur.idleJ !== undefined && d.idleJ !== undefined ? cur.idleJ + d.idleJ : undefined;
      }
    }
  return energySplit(name, sum(ps.map((p) => p.durationS)), [...byDevice.values()]);
}

/** What the benchmark reports of one run. */
export function summariseRun(run: RunJson, args: string[], wallS: number, exitCode: number | null): GpuRunSummary {
  const phases = run.phases;
  const parts = [
    partOf('data preparation', phases, (p) => p.name === 'data-preparation'),
    partOf('teacher training', phases, (p) => p.name === 'teacher-training'),
    partOf('distillation (all students)', phases, (p) => p.name.startsWith('distillation:')),
    partOf('controls (all)', phases, (p) => p.name.startsWith('control-training:')),
    partOf('evaluation', phases, (p) => p.name === 'evaluation'),
    partOf('inference benchmarks', phases, (p) => p.name.startsWith('inference:')),
  ].filter((x): x is EnergySplit => x !== null);
  const teacher = run.models.find((m) => m.role === 'teacher');
  const phaseEnergy = (name: string) => phases.find((p) => p.name === name)?.energyJ;
  const inf = (model: string, b: number) => run.inference.find((i) => i.model === model && i.batchSize === b)?.energyJPer1000;
  const ratios = teacher
    ? run.models
        .filter((m) => m.role === 'student')
        .map((s) => {
          const own = phaseEnergy(`distillation:${s.name}`);
          const t = phaseEnergy('teacher-training');
          const energyPer1000: Record<string, number> = {};
          for (const b of [...new Set(run.inference.map((i) => i.batchSize))]) {
            const a = inf(s.name, b);
            const c = inf(teacher.name, b);
            if (a !== undefined && c !== undefined && a > 0) energyPer1000[`b${b}`] = c / a;
          }
          return {
            student: s.name,
            params: teacher.params / s.params,
            accuracy: s.accuracy / teacher.accuracy,
            trainingEnergy: own && t ? t / own : null,
            energyPer1000,
          };
        })
    : [];
  const baselineGpuW = run.baseline
    ? sum(
        Object.entries(run.baseline.powerW)
          .filter(([d]) => d.startsWith('gpu'))
          .map(([, w]) => w),
      ) || null
    : null;
  return {
    args,
    wallS,
    exitCode,
    status: run.status,
    ...(run.error ? { error: run.error.message } : {}),
    backend: run.environment.tfjsBackend ?? null,
    adapter: run.environment.webgpuAdapter ?? null,
    gpus: run.environment.gpus ?? [],
    baselineGpuW,
    totals: run.totals ? energySplit('whole run', run.totals.durationS, run.totals.domains) : null,
    parts,
    models: run.models.map((m) => ({ name: m.name, role: m.role, kind: m.kind, params: m.params, accuracy: m.accuracy })),
    inference: run.inference.map((i) => ({
      model: i.model,
      batchSize: i.batchSize,
      energyJPer1000: i.energyJPer1000,
      throughputPerS: i.throughputPerS,
      latencyMsP50: i.latencyMsP50,
    })),
    ratios,
  };
}

function kdbench(args: string[], timeoutMs: number) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
}

function runSuite(args: string[], log: (s: string) => void, timeoutMs: number): GpuRunSummary {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-bench-gpu-'));
  const out = join(tmp, 'run');
  const argv = ['run', 'gpu', '--backend', 'webgpu', '--out', out, '--quiet', ...args];
  log(`gpu: kdbench ${argv.join(' ')}`);
  const t0 = process.hrtime.bigint();
  const r = kdbench(argv, timeoutMs);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  try {
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
    return summariseRun(run, args, wallS, r.status);
  } catch (e) {
    throw new Error(
      `kdbench ${argv.join(' ')} left no run.json (exit ${r.status}): ${(e as Error).message}\n${(r.stderr ?? '').slice(-2000)}`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Runs the GPU benchmark where WebGPU finds a GPU; otherwise says why not and runs nothing.
 * `quickOnly` (npm run bench -- gpu quick) skips the full run, for a machine lent for a few minutes.
 */
export async function runGpuBench(log: (s: string) => void = () => {}, quickOnly = false): Promise<GpuBenchResult> {
  const d = kdbench(['doctor', '--json'], 120_000);
  let doctor: DoctorJson;
  try {
    doctor = JSON.parse(d.stdout) as DoctorJson;
  } catch {
    throw new Error(`kdbench doctor --json gave no report (exit ${d.status}): ${d.stderr.slice(-1000)}`);
  }
  const w = doctor.webgpu;
  if (!w.ok) return { ran: false, reason: `no GPU that WebGPU can reach: ${w.reason}`, fix: w.fix };
  if (w.dawnOptions.includes('backend=null'))
    return { ran: false, reason: "KDBENCH_WEBGPU_DAWN selects Dawn's null adapter, which is not a GPU" };
  const startedAt = new Date().toISOString();
  const text = kdbench(['doctor'], 120_000).stdout;
  const quick = runSuite(['--quick'], log, 15 * 60_000);
  if (quickOnly) return { ran: true, startedAt, doctor: text, adapter: w.adapter, runs: [quick] };
  const full = runSuite([], log, 40 * 60_000);
  return { ran: true, startedAt, doctor: text, adapter: w.adapter, runs: [full, quick] };
}

const kj = (j: number) => (j >= 1000 ? `${(j / 1000).toFixed(2)} kJ` : `${j.toFixed(1)} J`);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function splitRow(s: EnergySplit): string {
  const above = s.gpuIdleJ !== null && s.gpuJ > 0 ? pct((s.gpuJ - s.gpuIdleJ) / s.gpuJ) : 'n/a';
  return `| ${s.name} | ${s.durationS.toFixed(1)} | ${kj(s.totalJ)} | ${kj(s.gpuJ)} (${s.gpuMethods.join(', ') || 'not measured'}) | ${s.totalJ > 0 ? pct(s.gpuJ / s.totalJ) : 'n/a'} | ${s.gpuIdleJ === null ? 'n/a' : kj(s.gpuIdleJ)} | ${above} | ${kj(s.cpuJ)} | ${kj(s.dramJ)} |`;
}

export function gpuMarkdown(r: GpuBenchResult): string {
  if (!r.ran) return `# GPU benchmark\n\nNot run: ${r.reason}.${r.fix ? `\n\nFix: ${r.fix}` : ''}\n`;
  const full = r.runs.find((x) => !x.args.includes('--quick'));
  const target = full
    ? `${full.wallS.toFixed(0)} s (${full.wallS <= 600 && full.exitCode === 0 ? 'met' : '**not met**'})`
    : 'not measured (--quick only)';
  const L: string[] = [
    `# GPU benchmark (${r.startedAt})`,
    '',
    `WebGPU adapter: ${Object.values(r.adapter).filter(Boolean).join(', ')}. Target: the whole gpu suite in <= 600 s on one H100/H200-class GPU: ${target}.`,
    '',
    "GPU share: the GPUs' part of all measured energy. Above idle: the part of the GPU energy that the idle baseline (its power x the duration) does not explain.",
  ];
  for (const run of r.runs) {
    L.push(
      '',
      `## kdbench run gpu --backend webgpu ${run.args.join(' ')}: ${run.wallS.toFixed(1)} s, exit ${run.exitCode}, ${run.status}${run.error ? ` (${run.error})` : ''}`,
      '',
      `Backend ${run.backend}; idle GPU power ${run.baselineGpuW === null ? 'n/a' : `${run.baselineGpuW.toFixed(1)} W`}.`,
      '',
      '| part | s | energy | GPU | GPU share | GPU idle | GPU above idle | CPU | DRAM |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const p of run.parts) L.push(splitRow(p));
    if (run.totals) L.push(splitRow(run.totals));
    L.push('', '| model | role | kind | params | accuracy |', '|---|---|---|---:|---:|');
    for (const m of run.models) L.push(`| ${m.name} | ${m.role} | ${m.kind} | ${m.params.toLocaleString('en-US')} | ${pct(m.accuracy)} |`);
    L.push('', '| model | batch | J / 1,000 | per s | p50 ms |', '|---|---:|---:|---:|---:|');
    for (const i of run.inference)
      L.push(
        `| ${i.model} | ${i.batchSize} | ${i.energyJPer1000.toPrecision(3)} | ${i.throughputPerS.toFixed(0)} | ${i.latencyMsP50.toFixed(2)} |`,
      );
    L.push(
      '',
      '| student | teacher/student params | student/teacher accuracy | teacher training / distillation energy | teacher/student J per 1,000 |',
      '|---|---:|---:|---:|---|',
    );
    for (const s of run.ratios)
      L.push(
        `| ${s.student} | ${s.params.toFixed(1)}x | ${pct(s.accuracy)} | ${s.trainingEnergy === null ? 'n/a' : `${s.trainingEnergy.toFixed(1)}x`} | ${Object.entries(
          s.energyPer1000,
        )
          .map(([b, x]) => `${b}: ${x.toFixed(1)}x`)
          .join(', ')} |`,
      );
  }
  L.push('', '## kdbench doctor', '', '```', r.doctor.trimEnd(), '```');
  return L.join('\n') + '\n';
}
