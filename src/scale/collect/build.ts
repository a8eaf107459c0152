/** The merged report of a sweep: cells and their state, then per machine class and GPU model the figures of every model with intervals across repeats. */
import type { Block } from '../../report/doc.js';
import { h, list, p, table, warning } from '../../report/doc.js';
import { pct, sig } from '../../report/format.js';
import { inferencesInWords } from '../../report/breakeven.js';
import { envInfo } from '../../report/environment.js';
import { renderPng } from '../../report/render.js';
import { groupedBars } from '../../report/compare/charts.js';
import type { SchedulerRecord } from '../../core/contract.js';
import { carbonLabel } from '../matrix.js';
import { groupRuns, gpuModel, type Group, type Stat } from './aggregate.js';
import type { CollectedSweep, CollectedCell } from './load.js';

type ChartBlock = Extract<Block, { kind: 'chart' }>;

const statText = (s: Stat | undefined, fmt: (x: number) => string = (x) => sig(x)): string => {
  if (!s) return 'n/a';
  const interval = s.ci95 ? ` [${fmt(s.ci95[0])}, ${fmt(s.ci95[1])}]` : '';
  return `${fmt(s.median)}${interval} (n=${s.n})`;
};

const pctText = (s: Stat | undefined) => statText(s, (x) => pct(x));

function breakEvenText(r: Group['models'][number]): string {
  if (r.role !== 'student') return '';
  const n = (r.breakEven?.n ?? 0) + r.breakEvenNever;
  if (n === 0) return 'n/a';
  const words = (x: number) => inferencesInWords(x);
  const never = r.breakEvenNever > 0 ? `never in ${r.breakEvenNever} of ${n} runs` : '';
  return [r.breakEven ? statText(r.breakEven, words) : '', never].filter(Boolean).join('; ');
}

function settings(c: CollectedCell): string {
  const x = c.cell;
  return [
    x.suiteName,
    x.backend ?? 'backend: first that loads',
    x.carbon === undefined ? 'world-average grid' : carbonLabel(x.carbon),
    x.pue === undefined ? '' : `PUE ${x.pue}`,
    x.seed === undefined ? '' : `seed ${x.seed}`,
    `repeat ${x.repeat}`,
  ]
    .filter(Boolean)
    .join(', ');
}

function where(c: CollectedCell): string {
  const run = c.used?.run;
  if (!run) return '';
  const s = run.environment?.scheduler as SchedulerRecord | null | undefined;
  const sched = s?.scheduler ? `${s.scheduler} job ${s.jobId ?? 'n/a'}${s.taskId !== undefined ? ` task ${s.taskId}` : ''}` : 'local';
  return `${s?.node ?? envInfo(run).hostname ?? 'n/a'} (${sched}), ${gpuModel(run)}`;
}

export function buildCollect(sweep: CollectedSweep): {
  title: string;
  blocks: Block[];
  charts: ChartBlock[];
  csv: (string | number)[][];
  cellsCsv: string[][];
} {
  const m = sweep.manifest;
  const cells = sweep.cells;
  const done = cells.filter((c) => c.state === 'completed');
  const groups = groupRuns(cells);
  const title = `kdbench collect: plan ${m.plan.name}, ${done.length} of ${cells.length} cells completed`;
  const blocks: Block[] = [h(1, title)];
  const notDone = cells.filter((c) => c.state !== 'completed');
  if (notDone.length > 0) {
    const by = (s: string) => notDone.filter((c) => c.state === s).map((c) => c.cell.id);
    const parts = ['missing', 'failed', 'interrupted']
      .map((s) => (by(s).length ? `${by(s).length} ${s} (${by(s).join(', ')})` : ''))
      .filter(Boolean);
    blocks.push(
      warning(`${notDone.length} of ${cells.length} cells are not in the figures: ${parts.join('; ')}. See "Cells not collected" below.`),
    );
  }
  if (m.quick)
    blocks.push(warning('the plan runs every cell with --quick: the sweep checks the machinery, its numbers are not for citing.'));
  const est = groups.filter((g) => g.estimated);
  if (est.length > 0)
    blocks.push(
      warning(
        `energy partly ESTIMATED (not measured) in ${est.length} of ${groups.length} group(s): ${est.map((g) => `${g.machine} / ${g.gpuModel}`).join(', ')} (see the "measured" column).`,
      ),
    );
  if (done.some((c) => c.used?.run?.carbon?.fallback))
    blocks.push(warning('cells without a region or intensity used the world-average grid intensity: their CO2e is indicative only.'));
  blocks.push(
    p(
      `Plan "${m.plan.name}" (sha256 ${m.plan.sha256.slice(0, 12)}), emitted ${m.createdAt}, folder ${sweep.dir}. Every run was checked to be of this plan and of its cell's suite (sha256). A group is one suite on one machine class and GPU model with one backend, grid setting and PUE; its runs differ only by repeat and seed. Figures are medians over the group's runs with percentile-bootstrap 95 % intervals of the median in brackets (n: runs with the figure; no interval with one run). Energy is gross (idle power included) at the batch size shown, with each run's meters (method per device in the "measured" column).`,
    ),
  );

  blocks.push(h(2, 'Results per machine class and GPU model'));
  for (const g of groups) {
    blocks.push(
      h(3, `${g.suite} on ${g.machine} (${g.gpuModel}), ${g.backend}, ${g.carbon}, PUE ${g.pue}`),
      p(
        `${g.cells.length} run(s): ${g.cells.map((c) => c.cell.id).join(', ')}; hosts ${g.hosts.join(', ')}; measured: ${g.methods.join(', ') || 'n/a'}${g.estimated ? ' (ESTIMATED devices are not measurements)' : ''}.`,
      ),
      table(
        [
          'model',
          'role',
          'accuracy',
          'J per 1,000 inferences',
          'gCO2e per 1,000 inferences',
          'energy vs teacher',
          'distillation cost (J)',
          'break-even (inferences)',
        ],
        g.models.map((r) => [
          r.model,
          r.role,
          pctText(r.accuracy),
          `${statText(r.energyJPer1000)}${r.energyUncertaintyJPer1000 !== undefined ? ` ± ${sig(r.energyUncertaintyJPer1000, 2)} meter bound` : ''}${r.batchSizes.length ? ` (batch ${r.batchSizes.join('/')})` : ''}`,
          statText(r.gCO2ePer1000),
          r.role === 'teacher' ? '' : statText(r.energyVsTeacher, (x) => `${sig(x)}x`),
          r.role === 'student' ? statText(r.distillationJ) : '',
          breakEvenText(r),
        ]),
      ),
    );
  }
  if (groups.length === 0) blocks.push(p('No cell completed: nothing to show.'));

  const charts: ChartBlock[] = [];
  if (groups.length > 0) {
    const names = [...new Set(groups.flatMap((g) => g.models.map((r) => r.model)))];
    const label = (g: Group) =>
      `${g.machine} / ${g.gpuModel} / ${g.carbon}${groups.some((x) => x.suite !== g.suite) ? ` / ${g.suite}` : ''}`;
    const chart = (file: string, t: string, axis: string, value: (r: Group['models'][number] | undefined) => number | undefined) => {
      const c: ChartBlock = {
        kind: 'chart',
        file,
        title: t,
        png: renderPng(
          groupedBars(
            t,
            axis,
            names,
            groups.map((g) => ({ label: label(g), values: names.map((n) => value(g.models.find((r) => r.model === n))) })),
          ),
          1000,
          460,
        ),
      };
      charts.push(c);
      return c;
    };
    blocks.push(
      h(2, 'Charts'),
      chart(
        'charts/collect-energy-per-1000.png',
        'Energy per 1,000 inferences (median over runs), per group',
        'joules per 1,000 inferences',
        (r) => r?.energyJPer1000?.median,
      ),
      chart(
        'charts/collect-gco2e-per-1000.png',
        'gCO2e per 1,000 inferences (median over runs), per group',
        'grams CO2e per 1,000 inferences',
        (r) => r?.gCO2ePer1000?.median,
      ),
    );
  }

  blocks.push(h(2, 'Cells'));
  blocks.push(
    table(
      ['cell', 'machine class', 'settings', 'state', 'run directory, or why not', 'where'],
      cells.map((c) => [
        c.cell.id,
        c.cell.machine,
        settings(c),
        c.state,
        c.used ? `${c.used.name}${c.reason ? ` (${c.reason})` : ''}` : (c.reason ?? ''),
        where(c),
      ]),
    ),
  );
  if (notDone.length > 0) {
    blocks.push(
      h(2, 'Cells not collected'),
      list(notDone.map((c) => [{ b: c.cell.id }, ` ${c.state.toUpperCase()}: ${c.reason ?? ''}`])),
      p(
        `Re-run a cell with the task command of its scheduler (kdbench sweep --task INDEX ${sweep.dir}); a new attempt gets a folder of its own and the latest completed one is used.`,
      ),
    );
  }

  const csv: (string | number)[][] = [
    [
      'suite',
      'machine_class',
      'gpu_model',
      'backend',
      'carbon',
      'pue',
      'model',
      'role',
      'runs',
      'accuracy',
      'accuracy_ci_lo',
      'accuracy_ci_hi',
      'energy_j_per_1000',
      'energy_j_per_1000_ci_lo',
      'energy_j_per_1000_ci_hi',
      'energy_meter_bound_j_per_1000',
      'gco2e_per_1000',
      'gco2e_per_1000_ci_lo',
      'gco2e_per_1000_ci_hi',
      'energy_vs_teacher',
      'distillation_j',
      'distillation_j_ci_lo',
      'distillation_j_ci_hi',
      'break_even_inferences',
      'break_even_ci_lo',
      'break_even_ci_hi',
      'break_even_never_runs',
      'estimated_energy',
      'cells',
    ],
  ];
  const n = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '' : x);
  const s3 = (s: Stat | undefined) => [n(s?.median), n(s?.ci95?.[0]), n(s?.ci95?.[1])];
  for (const g of groups)
    for (const r of g.models)
      csv.push([
        g.suite,
        g.machine,
        g.gpuModel,
        g.backend,
        g.carbon,
        g.pue,
        r.model,
        r.role,
        g.cells.length,
        ...s3(r.accuracy),
        ...s3(r.energyJPer1000),
        n(r.energyUncertaintyJPer1000),
        ...s3(r.gCO2ePer1000),
        n(r.energyVsTeacher?.median),
        ...s3(r.distillationJ),
        ...s3(r.breakEven),
        r.role === 'student' ? r.breakEvenNever : '',
        g.estimated ? 'yes' : 'no',
        g.cells.map((c) => c.cell.id).join(' '),
      ]);
  const cellsCsv = [
    ['index', 'cell', 'machine_class', 'state', 'run_dir', 'reason', 'attempts'],
    ...cells.map((c) => [
      String(c.cell.index),
      c.cell.id,
      c.cell.machine,
      c.state,
      c.used?.name ?? '',
      c.reason ?? '',
      String(c.attempts.length),
    ]),
  ];
  return { title, blocks, charts, csv, cellsCsv };
}
