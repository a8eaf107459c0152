/** Assembles a run's report: charts (PNG) and the blocks both report.md and report.html are rendered from. */
import type { RunJson } from '../core/contract.js';
import { h, p, warning, type Block } from './doc.js';
import { renderPng } from './render.js';
import { isPartial, partialReason } from './load.js';
import type { SamplesFile } from './samples.js';
import { breakEvens } from './breakeven.js';
import { estimatedDevices, estimateLabel } from './metrics.js';
import { sig } from './format.js';
import { fontProblem } from './render.js';
import { trafficOf } from './decision.js';
import { decisionBlocks } from './sections/decision.js';
import { budgetOf } from './compression.js';
import { methodComparisonBlocks } from './sections/compression.js';
import { shellLine } from './reproduce.js';
import { powerChart } from './charts/power.js';
import { energyPerPhaseChart } from './charts/energy-per-phase.js';
import { paretoChart } from './charts/pareto.js';
import { co2PerPhaseChart } from './charts/co2-per-phase.js';
import { breakEvenChart } from './charts/breakeven.js';
import { headlineTable } from './sections/headline.js';
import { breakEvenBlocks } from './sections/breakeven.js';
import { comparisonBlocks } from './sections/comparisons.js';
import { carbonBlocks, inferenceBlocks, phaseBlocks } from './sections/tables.js';
import { methodologyBlocks } from './sections/methodology.js';
import { MAX_BANDS, MAX_PHASE_BARS, mergedNote, runForPhaseCharts } from './degrade.js';
import { implausibleWarnings } from './sections/reliability.js';
import { retrievalBlocks } from './sections/retrieval.js';

export type ChartBlock = Extract<Block, { kind: 'chart' }>;

/** A file name for a model's chart: safe characters only, and unique by its index. */
export function chartFileFor(prefix: string, name: string, i: number): string {
  return `charts/${prefix}-${i + 1}-${name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40)}.png`;
}

/** The measured command of a "kdbench measure" run, from its argv (after "--"), or undefined. */
export function measuredCommand(run: RunJson): string[] | undefined {
  const argv = run.command?.argv ?? [];
  return argv.includes('--') ? argv.slice(argv.indexOf('--') + 1) : undefined;
}

/** What the run ran: the suite's name, or for "kdbench measure" the measured command (shortened). */
function subject(run: RunJson): string {
  if (run.suite) return run.suite.name;
  const cmd = (measuredCommand(run) ?? []).join(' ');
  return cmd ? `${run.kind} ${cmd.length > 60 ? `${cmd.slice(0, 57)}...` : cmd}` : run.kind;
}

export function reportTitle(run: RunJson): string {
  return `kdbench report: ${subject(run)}${isPartial(run) ? ` (PARTIAL: ${run.status.toUpperCase()})` : ''}`;
}

function description(run: RunJson): string | undefined {
  const cfg = (run.environment as { suiteConfig?: { description?: unknown } }).suiteConfig;
  return typeof cfg?.description === 'string' ? cfg.description : undefined;
}

export interface ReportOptions {
  /** --requests-per-day given to kdbench report (overrides the run's setting and the default). */
  requestsPerDay?: number;
  /** --max-accuracy-drop given to kdbench report (a fraction; overrides the run's setting and the default of 1 point). */
  maxAccuracyDrop?: number;
}

export function buildReport(
  run: RunJson,
  samples: SamplesFile,
  opts: ReportOptions = {},
): { title: string; blocks: Block[]; charts: ChartBlock[] } {
  const charts: ChartBlock[] = [];
  const chart = (file: string, title: string, png: Buffer, caption?: ChartBlock['caption']): ChartBlock => {
    const c: ChartBlock = { kind: 'chart', file, title, png, caption };
    charts.push(c);
    return c;
  };
  const traffic = trafficOf(run, opts.requestsPerDay);
  const title = reportTitle(run);
  const blocks: Block[] = [h(1, title)];
  if (isPartial(run))
    blocks.push(
      warning(
        `PARTIAL RUN: this run did not complete (${partialReason(run)}). The figures below cover only what was measured until it stopped; phases, models or benchmarks that did not finish are missing, and totals are n/a where the run did not reach them.`,
      ),
    );
  if (run.suite?.quick)
    blocks.push(
      warning(
        '--quick smoke run: a small slice of the data and a few training steps. It checks that the suite works; its numbers are not for citing.',
      ),
    );
  const estimated = estimatedDevices(run);
  if (estimated.length > 0)
    blocks.push(
      warning(
        `${estimated.join(', ')} energy is ESTIMATED (a model of power), not measured: every energy and CO2e figure built from it is labelled ESTIMATED. See Methodology.`,
      ),
    );
  if (run.carbon?.fallback)
    blocks.push(
      warning(
        `every gCO2e figure uses the WORLD-average grid intensity (${sig(run.carbon.intensityGCO2ePerKWh)} gCO2e/kWh, year ${run.carbon.year ?? 'n/a'}) because no region was given: a FALLBACK, indicative only. Rerun with --region CODE (or --carbon-intensity / --carbon-series), or convert this run's energy with kdbench carbon --region CODE.`,
      ),
    );
  if (fontProblem) blocks.push(warning(fontProblem));
  for (const pr of samples.problems) blocks.push(warning(pr));
  blocks.push(...implausibleWarnings(run));
  // A retrieval run has its own decision (ranking metrics, index and query energy) in place of the classification one.
  blocks.push(...(run.retrieval ? retrievalBlocks(run, traffic) : decisionBlocks(run, traffic, budgetOf(run, opts.maxAccuracyDrop))));
  const cmd = measuredCommand(run);
  if (run.kind === 'measure' || !run.suite)
    blocks.push(
      p(
        cmd ? 'Measured command: ' : '',
        ...(cmd ? [{ code: shellLine(cmd) }, '; '] : []),
        `started ${run.startedAt}, ended ${run.endedAt ?? 'n/a'}; status ${run.status}; kdbench ${run.tool?.version ?? 'n/a'}.`,
      ),
    );
  else
    blocks.push(
      p(
        `Suite ${run.suite.name} (sha256 ${run.suite.sha256.slice(0, 12)}...); started ${run.startedAt}, ended ${run.endedAt ?? 'n/a'}; status ${run.status}; kdbench ${run.tool?.version ?? 'n/a'}.`,
        description(run) ? ` ${description(run)}` : '',
      ),
    );
  const be = breakEvens(run);
  blocks.push(...headlineTable(run), ...comparisonBlocks(run), ...methodComparisonBlocks(run));

  blocks.push(h(2, 'Charts'));
  const power = powerChart(run, samples.rows);
  if (power) {
    blocks.push(
      chart('charts/power.png', 'Power over time per device, phases as bands', renderPng(power.config, 1000, 420), [
        `Bands: ${power.bands.map((b, i) => `${i + 1} ${b.label}`).join('; ')}.${power.note ? ` ${power.note}` : ''}`,
        ...(mergedNote(run.phases.length, MAX_BANDS, 'bands') ? [` ${mergedNote(run.phases.length, MAX_BANDS, 'bands')}`] : []),
      ]),
    );
  } else blocks.push(p('Power over time: n/a (no samples).'));
  // Past MAX_PHASE_BARS phases the per-phase charts merge consecutive phases (degrade.ts), with a note.
  const barRun = runForPhaseCharts(run);
  const barNote = mergedNote(run.phases.length, MAX_PHASE_BARS, 'bars');
  if (run.phases.length > 0)
    blocks.push(
      chart(
        'charts/energy-per-phase.png',
        'Energy per phase',
        renderPng(energyPerPhaseChart(barRun), 1000, Math.max(320, 90 + barRun.phases.length * 28)),
        barNote ? [barNote] : undefined,
      ),
    );
  const pareto = paretoChart(run);
  if (pareto)
    blocks.push(
      chart('charts/pareto.png', 'Accuracy against energy per 1,000 inferences (Pareto front)', renderPng(pareto, 1000, 460), [
        'Dashed: the Pareto front, the models no other model beats on both energy and accuracy.',
      ]),
    );
  const co2 = co2PerPhaseChart(barRun);
  if (co2)
    blocks.push(
      chart(
        'charts/co2-per-phase.png',
        'CO2e per phase',
        renderPng(co2, 1000, Math.max(320, 90 + barRun.phases.length * 28)),
        barNote ? [barNote] : undefined,
      ),
    );
  else blocks.push(p('CO2e per phase: n/a (no carbon figures).'));
  const beCharts = be.map((b, i) =>
    chart(
      chartFileFor('breakeven', b.student, i),
      `Break-even for ${b.student}`,
      renderPng(breakEvenChart(b, estimateLabel(run)), 1000, 420),
    ),
  );

  if (!run.retrieval) blocks.push(...breakEvenBlocks(run, be, beCharts, traffic));
  blocks.push(...phaseBlocks(run), ...inferenceBlocks(run), ...carbonBlocks(run), ...methodologyBlocks(run, traffic));
  return { title, blocks, charts };
}
