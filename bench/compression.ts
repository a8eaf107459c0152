/**
 * Compression benchmark: runs suites/compression.yaml (distillation, int8 dynamic quantization, 50 %
 * magnitude pruning unstructured and by neurons with fine-tuning, distillation + int8; all PyTorch) and
 * writes what each option costs and saves, with the honest-compute verdicts. Target: the whole suite in
 * <= 10 min on our 2-core machine. Needs a python3 with torch (Debian: apt-get install python3-torch); it
 * says so and writes nothing otherwise.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunJson } from '../src/core/contract.js';
import { bestOptions, budgetOf, methodBreakEven, methodRows } from '../src/report/compression.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
const TARGET_S = 600;

export interface CompressionBenchResult {
  ran: boolean;
  reason?: string;
  startedAt: string;
  args: string[];
  wallS: number;
  exitCode: number | null;
  loadBefore: number[];
  loadAfter: number[];
  torch: string;
  cpu: string;
  rows: {
    model: string;
    steps: string[];
    runtime: string;
    accuracy: number;
    accuracyChange?: { estimate: number; ci95?: [number, number] };
    batches: { batchSize: number; energyJPer1000: number; ci95?: [number, number]; vsTeacher?: number; breakEven?: number | null }[];
    sizeBytes?: number;
    baseSizeBytes?: number;
    productionJ?: number;
    changesArithmetic: boolean | null;
    note: string;
  }[];
  teacher?: { name: string; accuracy: number; batches: { batchSize: number; energyJPer1000: number }[]; sizeBytes?: number };
  best: { batchSize: number; model?: string }[];
  energyMethod: string;
}

function pythonWithTorch(): { py: string; version: string } | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__, ",".join(torch.backends.quantized.supported_engines))'], {
      encoding: 'utf8',
    });
    if (r.status === 0) return { py, version: r.stdout.trim() };
  }
  return undefined;
}

export async function runCompressionBench(log: (s: string) => void, quick = false): Promise<CompressionBenchResult> {
  const startedAt = new Date().toISOString();
  const args = quick ? ['--quick'] : [];
  const empty = {
    startedAt,
    args,
    wallS: NaN,
    exitCode: null,
    loadBefore: loadavg(),
    loadAfter: [],
    torch: '',
    cpu: '',
    rows: [],
    best: [],
    energyMethod: '',
  };
  const found = pythonWithTorch();
  if (!found) return { ran: false, reason: 'no python3 with torch (apt-get install python3-torch)', ...empty };
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-bench-compression-'));
  try {
    // The suite says "python3": the interpreter that has torch goes first on PATH.
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    const target = found.py.includes('/') ? found.py : spawnSync('which', [found.py], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(target, join(bin, 'python3'));
    const out = join(tmp, 'run');
    const argv = [CLI, 'run', 'compression', '--out', out, '--quiet', ...args];
    log(
      `compression: ${argv.slice(1).join(' ')} (torch ${found.version}, load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')})`,
    );
    const loadBefore = loadavg();
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, argv, {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 40 * 60_000,
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
    });
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const loadAfter = loadavg();
    if (r.status !== 0) log(`compression: exit ${r.status}: ${r.stderr.slice(-2000)}`);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
    const teacher = run.models.find((m) => m.role === 'teacher');
    const rows = methodRows(run).map((row) => ({
      model: row.model.name,
      steps: row.c.steps,
      runtime: row.c.runtime,
      accuracy: row.model.accuracy,
      ...(row.c.accuracyChange
        ? {
            accuracyChange: {
              estimate: row.c.accuracyChange.estimate,
              ...(row.c.accuracyChange.ci95 ? { ci95: row.c.accuracyChange.ci95 } : {}),
            },
          }
        : {}),
      batches: row.batches.map((b) => ({
        batchSize: b.batchSize,
        energyJPer1000: b.energyJPer1000,
        ...(b.ci95 ? { ci95: b.ci95 } : {}),
        ...(b.rootJPer1000 ? { vsTeacher: b.energyJPer1000 / b.rootJPer1000 } : {}),
        breakEven: methodBreakEven(row, b.batchSize),
      })),
      ...(row.model.sizeBytes !== undefined ? { sizeBytes: row.model.sizeBytes } : {}),
      ...(row.base?.sizeBytes !== undefined ? { baseSizeBytes: row.base.sizeBytes } : {}),
      ...(row.productionJ !== undefined ? { productionJ: row.productionJ } : {}),
      changesArithmetic: row.c.honestCompute.changesArithmetic,
      note: row.c.honestCompute.note,
    }));
    const best = bestOptions(run, budgetOf(run)).map((o) => ({ batchSize: o.batchSize, ...(o.best ? { model: o.best.model.name } : {}) }));
    return {
      ran: true,
      startedAt,
      args,
      wallS,
      exitCode: r.status,
      loadBefore,
      loadAfter,
      torch: found.version,
      cpu: String((run.environment as { cpu?: { model?: string } }).cpu?.model ?? 'n/a'),
      rows,
      ...(teacher
        ? {
            teacher: {
              name: teacher.name,
              accuracy: teacher.accuracy,
              batches: run.inference
                .filter((i) => i.model === teacher.name)
                .map((i) => ({ batchSize: i.batchSize, energyJPer1000: i.energyJPer1000 })),
              ...(teacher.sizeBytes !== undefined ? { sizeBytes: teacher.sizeBytes } : {}),
            },
          }
        : {}),
      best,
      energyMethod: run.meter.domains.map((d) => `${d.device}: ${d.method}`).join(', '),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const f = (x: number | undefined, d = 3) => (x === undefined || !Number.isFinite(x) ? 'n/a' : Number(x.toPrecision(d)).toString());
const pts = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}`;
const kib = (b: number | undefined) => (b === undefined ? 'n/a' : `${(b / 1024).toFixed(0)} KiB`);

/** Models whose method leaves the arithmetic unchanged measure the run-to-run noise floor: say how far from the teacher they came out. */
function noiseFloor(r: CompressionBenchResult): string[] {
  const same = r.rows.filter((row) => row.changesArithmetic === false);
  if (same.length === 0) return [];
  return [
    `Noise floor: ${same
      .map(
        (row) =>
          `${row.model} runs the same fp32 arithmetic as the teacher, yet measured ${row.batches.map((b) => `${f(b.vsTeacher)}x at batch ${b.batchSize}`).join(' and ')}`,
      )
      .join('; ')}. Ratios within that distance of 1 are not evidence of a saving on this machine under this load.`,
    '',
  ];
}

export function compressionMarkdown(r: CompressionBenchResult): string {
  const lines = [
    '# Compression benchmark',
    '',
    `\`npm run bench -- compression\`${r.args.length ? ` (${r.args.join(' ')})` : ''}: \`kdbench run compression\` (suites/compression.yaml), ${r.startedAt}.`,
    '',
    `- Wall time: ${f(r.wallS)} s (target <= ${TARGET_S} s: ${r.wallS <= TARGET_S ? 'met' : 'NOT met'}); exit code ${r.exitCode}.`,
    `- Load average (1, 5, 15 min) before: ${r.loadBefore.map((x) => x.toFixed(2)).join(', ')}; after: ${r.loadAfter.map((x) => x.toFixed(2)).join(', ')} (other work shared the 2 cores).`,
    `- CPU: ${r.cpu}; torch ${r.torch} (version, quantized engines). Energy: ${r.energyMethod}.`,
    `- Teacher ${r.teacher?.name ?? 'n/a'}: accuracy ${r.teacher ? (r.teacher.accuracy * 100).toFixed(2) : 'n/a'} %, ${kib(r.teacher?.sizeBytes)}, ${
      r.teacher?.batches.map((b) => `${f(b.energyJPer1000)} J / 1,000 inferences at batch ${b.batchSize}`).join(', ') ?? ''
    }.`,
    '',
    '| model | steps | accuracy | vs teacher, points [95 %] | batch | J / 1,000 inferences [95 %] | vs teacher | break-even, inferences | size (vs base) | production J | changes the arithmetic |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of r.rows)
    for (const b of row.batches)
      lines.push(
        `| ${row.model} | ${row.steps.join(' → ')} | ${(row.accuracy * 100).toFixed(2)} % | ${
          row.accuracyChange
            ? `${pts(row.accuracyChange.estimate)}${row.accuracyChange.ci95 ? ` [${pts(row.accuracyChange.ci95[0])}, ${pts(row.accuracyChange.ci95[1])}]` : ''}`
            : 'n/a'
        } | ${b.batchSize} | ${f(b.energyJPer1000)}${b.ci95 ? ` [${f(b.ci95[0])}, ${f(b.ci95[1])}]` : ''} | ${b.vsTeacher === undefined ? 'n/a' : `${f(b.vsTeacher)}x`} | ${
          b.breakEven === undefined ? 'n/a' : b.breakEven === null ? 'never' : Math.round(b.breakEven).toLocaleString('en-US')
        } | ${kib(row.sizeBytes)}${row.sizeBytes !== undefined && row.baseSizeBytes ? ` (${f((row.sizeBytes / row.baseSizeBytes) * 100)} %)` : ''} | ${f(row.productionJ)} | ${
          row.changesArithmetic === null ? 'unknown' : row.changesArithmetic ? 'yes' : 'NO'
        } |`,
      );
  lines.push(
    '',
    `Best option within 1 point of accuracy (the decision box's rule): ${r.best.map((b) => `batch ${b.batchSize}: ${b.model ?? 'none cheaper than the teacher'}`).join('; ')}.`,
    '',
    ...noiseFloor(r),
    'Honest compute, per model:',
    '',
    ...r.rows.map((row) => `- ${row.model}: ${row.note}.`),
    '',
  );
  return lines.join('\n');
}
