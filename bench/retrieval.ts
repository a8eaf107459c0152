/**
 * Retrieval suite benchmark (`npm run bench -- retrieval [SUITE...]`, default retrieval-spam and retrieval-brown):
 * each suite with --quick and in full, timed, with the targets whole suite <= 10 min and --quick <= 60 s, the
 * ranking metrics, the energy of index, query and scoring, and the break-even. Its results go into their own
 * section of reports/bench/suites.md (between RETRIEVAL_BEGIN and RETRIEVAL_END, kept when the default-suite
 * part of that file is rewritten) and into reports/bench/suites-retrieval.json.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunJson } from '../src/core/contract.js';
import { queriesToBreakEven, retrievalBreakEvens, retrievalCosts } from '../src/report/retrieval.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');
export const RETRIEVAL_BEGIN = '<!-- retrieval suites: written by npm run bench -- retrieval (bench/retrieval.ts) -->';
export const RETRIEVAL_END = '<!-- end of retrieval suites -->';

export interface RetrievalBenchRun {
  suite: string;
  args: string[];
  wallS: number;
  exitCode: number | null;
  /** Load average (1 min) when the run started and ended: other work on the machine. */
  load: [number, number];
  run?: RunJson;
}

function runOnce(suite: string, args: string[], log: (s: string) => void): RetrievalBenchRun {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-bench-retrieval-'));
  const out = join(tmp, 'run');
  const argv = [CLI, 'run', suite, '--out', out, '--quiet', ...args];
  log(`retrieval: ${argv.slice(1).join(' ')}`);
  const l0 = loadavg()[0];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { cwd: REPO, encoding: 'utf8', timeout: 30 * 60_000 });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  try {
    const full = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
    // Kept lean for reports/bench: no inventory, meter record or per-device phase energies (the run's report has them).
    const { environment: _e, meter: _m, command: _c, ...rest } = full;
    const run = { ...rest, phases: full.phases.map(({ domains: _d, ...p }) => p) } as unknown as RunJson;
    return { suite, args, wallS, exitCode: r.status, load: [l0, loadavg()[0]], run };
  } catch {
    return { suite, args, wallS, exitCode: r.status, load: [l0, loadavg()[0]] };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function runRetrievalBench(log: (s: string) => void, suites: string[]): RetrievalBenchRun[] {
  return suites.flatMap((s) => [runOnce(s, ['--quick'], log), runOnce(s, [], log)]);
}

const f3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(3));
const sig = (x: number | undefined | null) =>
  x === undefined || x === null || !Number.isFinite(x) ? 'n/a' : Number(x.toPrecision(3)).toLocaleString('en-US');
const never = (x: number | null) => (x === null ? 'never' : x === 0 ? '0 (index alone pays)' : sig(Math.ceil(x)));

export function retrievalMarkdown(runs: RetrievalBenchRun[], startedAt: string): string {
  const L: string[] = [
    RETRIEVAL_BEGIN,
    '',
    `# Retrieval suites (${startedAt}, ${cpus().length} cores)`,
    '',
    'Energy is what the machine offers (here: ESTIMATED from CPU time where there is no RAPL); load average is the 1-minute figure at start and end (other work shares the cores).',
    '',
    '| suite | run | wanted | wall time | met | exit | load average |',
    '|---|---|---|---:|---|---:|---|',
  ];
  for (const r of runs) {
    const quick = r.args.includes('--quick');
    const limit = quick ? 60 : 600;
    L.push(
      `| ${r.suite} | ${quick ? '--quick' : 'full'} | <= ${limit} s | ${r.wallS.toFixed(1)} s | ${r.wallS <= limit && r.exitCode === 0 ? 'yes' : '**no**'} | ${r.exitCode} | ${r.load.map((x) => x.toFixed(1)).join(' -> ')} |`,
    );
  }
  for (const r of runs.filter((x) => !x.args.includes('--quick') && x.run?.retrieval)) {
    const run = r.run!;
    const ret = run.retrieval!;
    L.push('', `## ${r.suite} (full, ${r.wallS.toFixed(0)} s): ${ret.queries} queries against ${ret.indexDocuments} documents`, '');
    const ex = (run.dataset as { excluded?: Record<string, number>; pairs?: number } | undefined) ?? {};
    if (ex.excluded)
      L.push(
        `Pairs: ${ex.pairs}; left out: ${Object.entries(ex.excluded)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}.`,
        '',
      );
    L.push('| model | role | params | recall@1 | recall@10 [95 % CI] | MRR@10 [95 % CI] | nDCG@10 |', '|---|---|---:|---:|---|---|---:|');
    for (const m of run.models) {
      const x = m.retrieval;
      const ci = (k: string) => (x?.ci95?.[k] ? ` [${x.ci95[k].map((v) => v.toFixed(3)).join(', ')}]` : '');
      L.push(
        `| ${m.name} | ${m.role} | ${m.params} | ${f3(x?.metrics['recall@1'])} | ${f3(x?.metrics['recall@10'])}${ci('recall@10')} | ${f3(x?.metrics['mrr@10'])}${ci('mrr@10')} | ${f3(x?.metrics['ndcg@10'])} |`,
      );
    }
    L.push('', '| comparison (a - b) | estimate | 95 % CI | warning |', '|---|---:|---|---|');
    for (const c of ret.comparisons.filter((c) => c.metric === ret.metrics[0]))
      L.push(
        `| ${c.metric} ${c.a} - ${c.b} | ${c.estimate.toFixed(3)} | ${c.ci95 ? c.ci95.map((v) => v.toFixed(3)).join(' - ') : ''} | ${c.warning ?? ''} |`,
      );
    L.push('', '| model | index J / 1,000 docs | query J / 1,000 | scoring J / 1,000 | method |', '|---|---:|---:|---:|---|');
    for (const [name, c] of retrievalCosts(run))
      L.push(`| ${name} | ${sig(c.index.jPer1000)} | ${sig(c.query.jPer1000)} | ${sig(c.scoring.jPer1000)} | ${c.query.method} |`);
    L.push(
      '',
      '| student | C (J) | saved J / 1,000 queries | saved J / 1,000 docs | index that alone pays | queries to pay back (run index) | (index 1,000,000) |',
      '|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const b of retrievalBreakEvens(run))
      L.push(
        `| ${b.student} | ${sig(b.distillationJ)} | ${sig(b.savedPerQueryJ * 1000)} | ${sig(b.savedPerDocumentJ * 1000)} | ${never(b.documentsAlone)} | ${never(b.queriesAtRunIndex)} | ${never(queriesToBreakEven(b, 1_000_000))} |`,
      );
  }
  L.push('', RETRIEVAL_END);
  return L.join('\n') + '\n';
}

/** suites.md with the retrieval section replaced (or appended): the rest of the file is left as it is. */
export function withRetrievalSection(existing: string, section: string): string {
  const a = existing.indexOf(RETRIEVAL_BEGIN);
  const b = existing.indexOf(RETRIEVAL_END);
  if (a >= 0 && b > a) return existing.slice(0, a) + section.trimEnd() + existing.slice(b + RETRIEVAL_END.length);
  return `${existing.trimEnd()}\n\n${section}`;
}

/** The retrieval section of an existing suites.md, to keep when the rest of the file is rewritten ('' if none). */
export function retrievalSectionOf(existing: string): string {
  const a = existing.indexOf(RETRIEVAL_BEGIN);
  const b = existing.indexOf(RETRIEVAL_END);
  return a >= 0 && b > a ? existing.slice(a, b + RETRIEVAL_END.length) + '\n' : '';
}
