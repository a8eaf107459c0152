/**
 * Suite benchmark: runs the default suite in full (with interleaved inference repeats) and with
 * --quick, times them, and checks the targets of the distillation suites:
 *   whole suite <= 10 min, --quick <= 60 s on our 2-core machine;
 *   the best student keeps >= 97 % of the teacher's accuracy with >= 10x fewer parameters and
 *   >= 5x less energy per inference; the distilled student beats its control.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComparisonRecord, RunJson } from '../src/core/contract.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');

export interface SuiteTarget {
  name: string;
  target: string;
  value: string;
  met: boolean;
}

export interface SuiteBenchRun {
  suite: string;
  args: string[];
  wallS: number;
  exitCode: number | null;
  models: { name: string; role: string; kind: string; params: number; accuracy: number; macroF1: number }[];
  inference: {
    model: string;
    batchSize: number;
    energyJPer1000: number;
    ci95?: [number, number];
    throughputPerS: number;
    repeats?: number;
  }[];
  comparisons: ComparisonRecord[];
  phases: { name: string; durationS: number; energyJ: number }[];
}

export interface SuitesBenchResult {
  startedAt: string;
  cores: number;
  runs: SuiteBenchRun[];
  targets: SuiteTarget[];
}

function runOnce(suite: string, args: string[], log: (s: string) => void): SuiteBenchRun {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-bench-suite-'));
  const out = join(tmp, 'run');
  const argv = [CLI, 'run', suite, '--out', out, '--quiet', ...args];
  log(`suites: ${argv.slice(1).join(' ')}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { cwd: REPO, encoding: 'utf8', timeout: 30 * 60_000 });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  try {
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
    return {
      suite,
      args,
      wallS,
      exitCode: r.status,
      models: run.models.map((m) => ({
        name: m.name,
        role: m.role,
        kind: m.kind,
        params: m.params,
        accuracy: m.accuracy,
        macroF1: m.macroF1,
      })),
      inference: run.inference.map((i) => ({
        model: i.model,
        batchSize: i.batchSize,
        energyJPer1000: i.energyJPer1000,
        ...(i.energyJPer1000CI95 ? { ci95: i.energyJPer1000CI95 } : {}),
        throughputPerS: i.throughputPerS,
        ...(i.repeats ? { repeats: i.repeats } : {}),
      })),
      comparisons: run.comparisons ?? [],
      phases: run.phases.map((p) => ({ name: p.name, durationS: p.durationS, energyJ: p.energyJ })),
    };
  } catch (e) {
    throw new Error(`suite run ${argv.join(' ')} left no run.json (exit ${r.status}): ${(e as Error).message}\n${r.stderr.slice(-2000)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

/** Checks the targets on a full run and a quick run. */
export function suiteTargets(full: SuiteBenchRun, quick: SuiteBenchRun): SuiteTarget[] {
  const t: SuiteTarget[] = [
    {
      name: `whole suite (${full.suite})`,
      target: '<= 600 s',
      value: `${full.wallS.toFixed(0)} s`,
      met: full.wallS <= 600 && full.exitCode === 0,
    },
    { name: '--quick', target: '<= 60 s', value: `${quick.wallS.toFixed(1)} s`, met: quick.wallS <= 60 && quick.exitCode === 0 },
  ];
  const teacher = full.models.find((m) => m.role === 'teacher');
  const students = full.models.filter((m) => m.role === 'student').sort((a, b) => b.accuracy - a.accuracy);
  if (!teacher || students.length === 0) return t;
  const best = students[0];
  const bs = Math.max(...full.inference.map((i) => i.batchSize));
  const energy = (m: string, b: number) => full.inference.find((i) => i.model === m && i.batchSize === b)?.energyJPer1000 ?? NaN;
  const ratioAt = (b: number) => energy(teacher.name, b) / energy(best.name, b);
  const cmp = full.comparisons.find((c) => c.metric === 'energyJPer1000' && c.a === best.name && c.batchSize === bs);
  t.push(
    {
      name: `accuracy kept (${best.name} / ${teacher.name})`,
      target: '>= 97 %',
      value: `${pct(best.accuracy / teacher.accuracy)} (${pct(best.accuracy)} vs ${pct(teacher.accuracy)})`,
      met: best.accuracy / teacher.accuracy >= 0.97,
    },
    {
      name: 'fewer parameters',
      target: '>= 10x',
      value: `${(teacher.params / best.params).toFixed(1)}x (${best.params.toLocaleString('en-US')} vs ${teacher.params.toLocaleString('en-US')})`,
      met: teacher.params / best.params >= 10,
    },
    {
      name: `less energy per inference (batch ${bs})`,
      target: '>= 5x, CI excluding 5x',
      value: `${ratioAt(bs).toFixed(1)}x${cmp?.ci95 ? ` (95 % CI of student/teacher ${cmp.ci95.map((x) => x.toFixed(4)).join('-')}: ${(1 / cmp.ci95[1]).toFixed(1)}x-${(1 / cmp.ci95[0]).toFixed(1)}x)` : ''}; batch 1: ${ratioAt(Math.min(...full.inference.map((i) => i.batchSize))).toFixed(1)}x`,
      met: cmp?.ci95 ? cmp.ci95[1] <= 0.2 : ratioAt(bs) >= 5,
    },
  );
  for (const s of students) {
    const c = full.comparisons.find((x) => x.metric === 'accuracy' && x.a === s.name);
    const control = full.models.find((m) => m.role === 'control' && m.name === c?.b);
    if (!c || !control) continue;
    t.push({
      name: `distilled beats control (${s.name})`,
      target: 'accuracy difference > 0, 95 % CI above 0',
      value: `${(c.estimate * 100).toFixed(2)} points (${pct(s.accuracy)} vs ${pct(control.accuracy)}; CI ${c.ci95 ? c.ci95.map((x) => (x * 100).toFixed(2)).join(' to ') : 'n/a'})`,
      met: Boolean(c.ci95 && c.ci95[0] > 0),
    });
  }
  return t;
}

export async function runSuitesBench(log: (s: string) => void = () => {}, suite = 'default', repeats = 5): Promise<SuitesBenchResult> {
  const startedAt = new Date().toISOString();
  const quick = runOnce(suite, ['--quick'], log);
  const full = runOnce(suite, ['--repeats', String(repeats)], log);
  return { startedAt, cores: (await import('node:os')).cpus().length, runs: [full, quick], targets: suiteTargets(full, quick) };
}

export function suitesMarkdown(r: SuitesBenchResult): string {
  const [full] = r.runs;
  const L: string[] = [
    `# Suite benchmark (${r.startedAt}, ${r.cores} cores)`,
    '',
    '## Targets',
    '',
    '| target | wanted | measured | met |',
    '|---|---|---|---|',
  ];
  for (const t of r.targets) L.push(`| ${t.name} | ${t.target} | ${t.value} | ${t.met ? 'yes' : '**no**'} |`);
  for (const run of r.runs) {
    L.push(
      '',
      `## kdbench run ${run.suite} ${run.args.join(' ')} (${run.wallS.toFixed(1)} s, exit ${run.exitCode})`,
      '',
      '| model | role | kind | params | accuracy | macro-F1 |',
      '|---|---|---|---:|---:|---:|',
    );
    for (const m of run.models)
      L.push(`| ${m.name} | ${m.role} | ${m.kind} | ${m.params} | ${pct(m.accuracy)} | ${m.macroF1.toFixed(4)} |`);
    L.push('', '| model | batch | J / 1,000 | 95 % CI | per s | rounds |', '|---|---:|---:|---|---:|---:|');
    for (const i of run.inference)
      L.push(
        `| ${i.model} | ${i.batchSize} | ${i.energyJPer1000.toPrecision(3)} | ${i.ci95 ? i.ci95.map((x) => x.toPrecision(3)).join(' - ') : ''} | ${i.throughputPerS.toFixed(0)} | ${i.repeats ?? 1} |`,
      );
    if (run === full) {
      L.push('', '| comparison | batch | estimate | 95 % CI | warning |', '|---|---:|---:|---|---|');
      for (const c of run.comparisons)
        L.push(
          `| ${c.metric} ${c.a} ${c.kind === 'ratio' ? '/' : '-'} ${c.b} | ${c.batchSize ?? ''} | ${c.estimate.toPrecision(3)} | ${c.ci95 ? c.ci95.map((x) => x.toPrecision(3)).join(' - ') : ''} | ${c.warning ?? ''} |`,
        );
    }
  }
  return L.join('\n') + '\n';
}
