/** The comparison report: runs side by side, per model (same suite) or per suite (each run as a whole). */
import type { Block } from '../doc.js';
import { h, list, p, table, warning } from '../doc.js';
import { bytes, int, pct, plusMinus, ratio, sig } from '../format.js';
import { envInfo } from '../environment.js';
import { isPartial, partialReason } from '../load.js';
import { breakEvens, inferencesInWords } from '../breakeven.js';
import { estimatedDevices, estimateSuffix, modelFigures, teacherOf, type ModelFigures } from '../metrics.js';
import { energyMethodCell, intensityFallbackCell } from '../summary.js';
import { renderPng } from '../render.js';
import { reproduceLine } from '../reproduce.js';
import { groupedBars } from './charts.js';
import { compareRetrievalBlocks } from './retrieval.js';
import { runName, type CompareMode, type LoadedRun } from './check.js';

type ChartBlock = Extract<Block, { kind: 'chart' }>;

function machine(r: LoadedRun): string {
  const e = envInfo(r.run);
  const gpus =
    e.gpus === undefined
      ? 'GPUs n/a'
      : e.gpus.length === 0
        ? 'no GPU'
        : e.gpus
            .map(
              (g) =>
                `${g.model}${g.driverVersion ? ` driver ${g.driverVersion}` : ''}${g.powerLimitW !== undefined ? ` ${sig(g.powerLimitW)} W limit` : ''}`,
            )
            .join(', ');
  const where = e.cloud?.instanceType
    ? `${e.cloud.provider} ${e.cloud.instanceType}, `
    : e.dmi?.productName
      ? `${e.dmi.productName}, `
      : '';
  return `${where}${e.cpuModel ?? 'CPU n/a'}${e.microarchitecture ? ` (${e.microarchitecture})` : ''} (${e.logicalCores ?? 'n/a'} logical / ${e.physicalCores ?? 'n/a'} physical cores), ${bytes(e.memoryBytes)}, ${gpus}`;
}

/** " (ESTIMATED)" for a run whose energy is (partly) estimated. */
const estOf = (r: LoadedRun) => estimateSuffix(r.run);
/** " (WORLD FALLBACK)" for a run whose gCO2e uses the world-average intensity. */
const fallbackOf = (r: LoadedRun) => (r.run.carbon?.fallback ? ' (WORLD FALLBACK)' : '');

function carbonWhere(r: LoadedRun): string {
  const c = r.run.carbon;
  if (!c) return 'n/a';
  return `${sig(c.intensityGCO2ePerKWh)} gCO2e/kWh (${c.region || c.intensityKind || 'given'}${c.fallback ? ', world FALLBACK' : ''}${c.year ? `, ${c.year}` : ''}), PUE ${c.pue}`;
}

function runsTable(runs: LoadedRun[]): Block {
  return table(
    ['run', 'directory', 'suite (sha256)', 'status', 'started', 'machine', 'meters', 'grid intensity, PUE'],
    runs.map((r) => [
      r.label,
      r.dir,
      `${r.run.suite?.name ?? 'n/a'} (${r.run.suite?.sha256.slice(0, 12) ?? 'n/a'})${r.run.suite?.quick ? ', --quick' : ''}`,
      isPartial(r.run) ? `PARTIAL: ${partialReason(r.run)}` : r.run.status,
      r.run.startedAt,
      machine(r),
      r.run.meter.domains.map((d) => `${d.device} ${d.method}`).join(', ') || 'none',
      carbonWhere(r),
    ]),
  );
}

function warnings(runs: LoadedRun[]): Block[] {
  const out: Block[] = [];
  for (const r of runs.filter((x) => isPartial(x.run)))
    out.push(warning(`${runName(r)} is a PARTIAL run (${partialReason(r.run)}): its missing figures are n/a.`));
  if (runs.every((r) => r.run.suite?.quick))
    out.push(warning('all runs are --quick smoke runs: the comparison checks the machinery, its numbers are not for citing.'));
  const est = runs.filter((r) => estimatedDevices(r.run).length > 0);
  if (est.length > 0)
    out.push(
      warning(
        `energy partly ESTIMATED (not measured) in ${est.map((r) => `${runName(r)} (${estimatedDevices(r.run).join(', ')})`).join(', ')}.`,
      ),
    );
  const methodSets = new Set(
    runs.map((r) =>
      r.run.meter.domains
        .map((d) => `${d.device}:${d.method}`)
        .sort()
        .join(','),
    ),
  );
  if (methodSets.size > 1)
    out.push(
      warning(
        'the runs measured different devices or measured them differently (see the meters column): energy differences include differences in what was measured, not only in the machines.',
      ),
    );
  const fallback = runs.filter((r) => r.run.carbon?.fallback);
  if (fallback.length > 0)
    out.push(
      warning(
        `${fallback.map(runName).join(', ')} used the world-average grid intensity (no region given): their CO2e is indicative only.`,
      ),
    );
  return out;
}

/** Rows = models, columns = runs, for one figure of the model. */
function perModelTable(
  runs: LoadedRun[],
  figs: ModelFigures[][],
  names: string[],
  head: string,
  value: (f: ModelFigures | undefined, r: LoadedRun) => string,
): Block {
  return table(
    [head, ...runs.map((r) => r.label)],
    names.map((n) => [
      n,
      ...figs.map((fs, i) =>
        value(
          fs.find((f) => f.model.name === n),
          runs[i],
        ),
      ),
    ]),
  );
}

/** Per model: which run used the least energy and the least CO2e per 1,000 inferences, and whether the difference stands out of the error bounds. */
function verdicts(runs: LoadedRun[], figs: ModelFigures[][], names: string[]): string[] {
  const out: string[] = [];
  for (const name of names) {
    const vals = runs
      .map((r, i) => ({ r, f: figs[i].find((f) => f.model.name === name) }))
      .filter((v): v is { r: LoadedRun; f: ModelFigures } => v.f?.energyJPer1000 !== undefined);
    if (vals.length < 2) continue;
    const byE = [...vals].sort((x, y) => (x.f.energyJPer1000 as number) - (y.f.energyJPer1000 as number));
    const lo = byE[0];
    const hi = byE[byE.length - 1];
    const e = (v: typeof lo) => v.f.energyJPer1000 as number;
    const u = (v: typeof lo) => v.f.energyUncertaintyJPer1000 ?? 0;
    const overlap = e(lo) + u(lo) >= e(hi) - u(hi);
    let line = `${name}: least energy on ${lo.r.label} (${sig(e(lo))} J${estOf(lo.r)} per 1,000 inferences, ${ratio(e(lo) / e(hi))} of ${hi.r.label}'s ${sig(e(hi))} J${estOf(hi.r)})`;
    line += overlap ? ', but within the measurement error bounds: not a difference to claim' : ', outside the measurement error bounds';
    const withG = vals
      .filter((v) => v.f.gCO2ePer1000 !== undefined)
      .sort((x, y) => (x.f.gCO2ePer1000 as number) - (y.f.gCO2ePer1000 as number));
    if (withG.length >= 2) {
      const g0 = withG[0];
      const g1 = withG[withG.length - 1];
      line += `; least CO2e on ${g0.r.label} (${sig(g0.f.gCO2ePer1000)} gCO2e${estOf(g0.r)}${fallbackOf(g0.r)} per 1,000 inferences, ${ratio((g0.f.gCO2ePer1000 as number) / (g1.f.gCO2ePer1000 as number))} of ${g1.r.label}'s)`;
    }
    out.push(`${line}.`);
  }
  return out;
}

export function buildCompare(
  runs: LoadedRun[],
  mode: CompareMode,
): { title: string; blocks: Block[]; charts: ChartBlock[]; csv: (string | number)[][] } {
  const charts: ChartBlock[] = [];
  const chart = (file: string, title: string, png: Buffer): ChartBlock => {
    const c: ChartBlock = { kind: 'chart', file, title, png };
    charts.push(c);
    return c;
  };
  const suites = [...new Set(runs.map((r) => r.run.suite?.name ?? 'n/a'))];
  const title =
    mode === 'model'
      ? `kdbench compare: suite ${suites[0]} on ${runs.length} runs`
      : `kdbench compare: ${runs.length} runs of ${suites.length} suite(s), each as a whole`;
  const blocks: Block[] = [h(1, title), ...warnings(runs)];
  blocks.push(
    p(
      mode === 'model'
        ? 'The same suite file (same sha256: data, models, steps and seed) on each run: differences come from the machine, the meters and the grid. This answers "which machine or region does this workload best".'
        : 'Different suites: each run is summarised as a whole (its teacher against its students), never model against model across suites.',
    ),
  );
  blocks.push(h(2, 'Runs'), runsTable(runs));
  const csv: (string | number)[][] = [
    [
      'run',
      'directory',
      'suite',
      'suite_sha256',
      'model',
      'role',
      'accuracy',
      'energy_j_per_1000',
      'gco2e_per_1000',
      'latency_ms_p50',
      'energy_vs_teacher',
      'run_energy_j',
      'run_gco2e',
      'status',
      'energy_method',
      'intensity_fallback',
    ],
  ];
  const figs = runs.map((r) => modelFigures(r.run));
  for (const [i, r] of runs.entries()) {
    for (const f of figs[i]) {
      const n = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : x);
      csv.push([
        r.label,
        r.dir,
        r.run.suite?.name ?? '',
        r.run.suite?.sha256 ?? '',
        f.model.name,
        f.model.role,
        n(f.model.accuracy),
        n(f.energyJPer1000),
        n(f.gCO2ePer1000),
        n(f.latency?.latencyMsP50),
        n(f.energyVsTeacher),
        n(r.run.totals?.energyJ),
        n(r.run.carbon?.gCO2e),
        r.run.status,
        energyMethodCell(r.run),
        intensityFallbackCell(r.run),
      ]);
    }
  }
  const series = (value: (f: ModelFigures | undefined) => number | undefined, names: string[]) =>
    runs.map((r, i) => ({ label: `${runName(r)}${estOf(r)}`, values: names.map((n) => value(figs[i].find((f) => f.model.name === n))) }));

  if (mode === 'model') {
    const names = [...new Set(figs.flat().map((f) => f.model.name))];
    const v = verdicts(runs, figs, names);
    if (v.length > 0)
      blocks.push(
        h(2, 'Verdict per model'),
        list(v.map((x) => [x])),
        p(
          "CO2e follows the grid intensity and PUE of each run's place; energy follows the machine. Figures are gross (idle power included) at the batch size shown below.",
        ),
      );
    blocks.push(h(2, 'Models side by side'));
    blocks.push(
      h(3, 'Accuracy'),
      perModelTable(runs, figs, names, 'model', (f) => pct(f?.model.accuracy)),
    );
    blocks.push(
      p(
        "The same suite and seed should give the same accuracy everywhere; a difference points to a different backend or numeric library (see each run's report).",
      ),
    );
    blocks.push(
      h(3, 'Energy per 1,000 inferences (J)'),
      perModelTable(runs, figs, names, 'model', (f, r) =>
        f ? `${plusMinus(f.energyJPer1000, f.energyUncertaintyJPer1000)} (batch ${f.inf?.batchSize ?? 'n/a'})${estOf(r)}` : 'n/a',
      ),
    );
    blocks.push(
      h(3, 'gCO2e per 1,000 inferences'),
      perModelTable(runs, figs, names, 'model', (f, r) =>
        f?.gCO2ePer1000 === undefined ? 'n/a' : `${sig(f.gCO2ePer1000)}${estOf(r)}${fallbackOf(r)}`,
      ),
    );
    blocks.push(
      h(3, 'Latency p50 (ms per batch)'),
      perModelTable(runs, figs, names, 'model', (f) =>
        f?.latency ? `${sig(f.latency.latencyMsP50)} (batch ${f.latency.batchSize})` : 'n/a',
      ),
    );
    const e = series((f) => f?.energyJPer1000, names);
    blocks.push(h(2, 'Charts'));
    blocks.push(
      chart(
        'charts/compare-energy-per-1000.png',
        'Energy per 1,000 inferences by run',
        renderPng(groupedBars('Energy per 1,000 inferences, per model and run', 'joules per 1,000 inferences', names, e), 1000, 440),
      ),
    );
    blocks.push(
      chart(
        'charts/compare-gco2e-per-1000.png',
        'gCO2e per 1,000 inferences by run',
        renderPng(
          groupedBars(
            'gCO2e per 1,000 inferences, per model and run',
            'grams CO2e per 1,000 inferences',
            names,
            series((f) => f?.gCO2ePer1000, names).map((x, i) => ({ ...x, label: `${x.label}${fallbackOf(runs[i])}` })),
          ),
          1000,
          440,
        ),
      ),
    );
    const phases = [...new Set(runs.flatMap((r) => r.run.phases.map((ph) => ph.name)))];
    blocks.push(
      chart(
        'charts/compare-energy-per-phase.png',
        'Energy per phase by run',
        renderPng(
          groupedBars(
            'Energy per phase, per run',
            'joules',
            phases,
            runs.map((r) => ({
              label: `${runName(r)}${estOf(r)}`,
              values: phases.map((n) => r.run.phases.find((ph) => ph.name === n)?.energyJ),
            })),
            true,
          ),
          1000,
          Math.max(360, 100 + phases.length * 16 * runs.length),
        ),
      ),
    );
  }

  blocks.push(h(2, mode === 'model' ? 'Each run as a whole' : 'Runs side by side'));
  blocks.push(
    table(
      [
        'run',
        'suite',
        'teacher accuracy',
        'students: accuracy (% of teacher), energy vs teacher, break-even',
        'run energy (J)',
        'run gCO2e',
        'duration (s)',
      ],
      runs.map((r, i) => {
        const t = teacherOf(r.run);
        const be = breakEvens(r.run);
        const students = figs[i].filter((f) => f.model.role === 'student');
        return [
          r.label,
          r.run.suite?.name ?? 'n/a',
          t ? `${pct(t.accuracy)} (${t.name}, ${int(t.params)} params)` : 'n/a',
          students
            .map((s) => {
              const b = be.find((x) => x.student === s.model.name);
              return `${s.model.name}: ${pct(s.model.accuracy)} (${pct(s.accuracyVsTeacher, 1)}), ${ratio(s.energyVsTeacher)}, N* ${b ? (b.nStar === null ? 'never' : inferencesInWords(b.nStar)) : 'n/a'}`;
            })
            .join('; ') || 'n/a',
          `${plusMinus(r.run.totals?.energyJ, r.run.totals?.uncertaintyJ)}${r.run.totals ? estOf(r) : ''}`,
          r.run.carbon ? `${sig(r.run.carbon.gCO2e)}${estOf(r)}${fallbackOf(r)}` : 'n/a',
          sig(r.run.totals?.durationS, 4),
        ];
      }),
    ),
  );
  const labels = runs.map((r) => `${runName(r)}${estOf(r)}`);
  blocks.push(
    chart(
      'charts/compare-run-totals.png',
      'Energy of each run',
      renderPng(
        groupedBars(
          'Energy of each run (all phases)',
          'joules',
          labels,
          [{ label: 'run energy (J)', values: runs.map((r) => r.run.totals?.energyJ) }],
          true,
        ),
        1000,
        Math.max(260, 100 + runs.length * 40),
      ),
    ),
  );
  if (runs.some((r) => r.run.carbon)) {
    blocks.push(
      chart(
        'charts/compare-run-gco2e.png',
        'CO2e of each run',
        renderPng(
          groupedBars(
            'CO2e of each run (operational: energy x PUE x grid intensity of its place)',
            'grams CO2e',
            labels,
            [
              {
                label: `run gCO2e${runs.some((r) => r.run.carbon?.fallback) ? ' (WORLD FALLBACK where marked in the table)' : ''}`,
                values: runs.map((r) => r.run.carbon?.gCO2e),
              },
            ],
            true,
          ),
          1000,
          Math.max(260, 100 + runs.length * 40),
        ),
      ),
    );
  }
  const ratioSeries = (role: string) => {
    const names = [
      ...new Set(
        figs
          .flat()
          .filter((f) => f.model.role === role)
          .map((f) => f.model.name),
      ),
    ];
    return names.map((n) => ({ label: n, values: figs.map((fs) => fs.find((f) => f.model.name === n)?.energyVsTeacher) }));
  };
  const studentRatios = ratioSeries('student');
  if (studentRatios.length > 0) {
    blocks.push(
      chart(
        'charts/compare-energy-ratio.png',
        'Student energy per inference relative to its teacher, per run',
        renderPng(
          groupedBars(
            'Student energy per inference / teacher energy per inference (lower is better)',
            'ratio to the teacher',
            labels,
            studentRatios,
            true,
          ),
          1000,
          Math.max(260, 100 + runs.length * 22 * studentRatios.length),
        ),
      ),
    );
  }
  // Retrieval runs (task: retrieval): ranking metrics and the energy of index, queries and scoring.
  blocks.push(...compareRetrievalBlocks(runs));
  blocks.push(h(2, 'Sources'));
  blocks.push(list(runs.map((r) => [`${r.label}: ${r.dir} (report: ${r.dir}/report.html); reproduce: `, { code: reproduceLine(r.run) }])));
  return { title, blocks, charts, csv };
}
