/** Methodology, generated from the run: meters, sampling, baseline, uncertainty, carbon inputs, inventory, how to reproduce. */
import type { RunJson } from '../../core/contract.js';
import { h, list, p, table, warning, type Block, type Inline } from '../doc.js';
import { pct, sig } from '../format.js';
import { inventoryRows } from '../environment.js';
import { estimateSuffix } from '../metrics.js';
import { reproduceLine } from '../reproduce.js';
import { DEFAULT_REQUESTS_PER_DAY, trafficOf, type Traffic } from '../decision.js';

const METHOD_WORDS: Record<string, string> = {
  counter: 'counter (a cumulative energy register read at each sample and phase boundary: measured)',
  sampled: 'sampled (instantaneous power read every interval and integrated over time: measured)',
  estimated: 'ESTIMATED (a model of power from CPU time or memory: not a measurement)',
};

export function methodologyBlocks(run: RunJson, traffic: Traffic = trafficOf(run)): Block[] {
  const out: Block[] = [h(2, 'Methodology')];
  const m = run.meter;
  const est = m.domains.filter((d) => d.method === 'estimated');
  if (est.length > 0) {
    out.push(
      warning(
        `${est.map((d) => d.device).join(', ')} energy is ESTIMATED, not measured: ${est.map((d) => `${d.device}: ${d.source}`).join('; ')}. Use these figures to compare models on this machine, not as a measurement of its electricity use.`,
      ),
    );
  }
  if (m.domains.length === 0) out.push(warning('no device was measured: every energy figure is n/a.'));
  out.push(h(3, 'Meters'));
  out.push(
    table(
      ['device', 'how', 'source', 'scope', 'resolution', 'uncertainty'],
      m.domains.map((d) => [
        d.device,
        METHOD_WORDS[d.method] ?? d.method,
        d.source,
        d.scope,
        d.resolution ?? 'n/a',
        `±${sig(d.uncertainty.relative * 100)} %${d.uncertainty.absoluteW ? ` ±${sig(d.uncertainty.absoluteW)} W` : ''}${d.uncertainty.stalenessS ? `, readings up to ${sig(d.uncertainty.stalenessS)} s old` : ''}: ${d.uncertainty.basis}`,
      ]),
    ),
  );
  const items: Inline[][] = [];
  items.push([
    `Sampling: every ${m.intervalMs} ms in a worker thread (${m.sampleCount} samples in ${m.samplesFile}); every source is also read at each phase boundary, and phase energies are differences of the cumulative energy interpolated at the boundaries, so they add up to the total.`,
  ]);
  if (run.baseline) {
    items.push([
      `Idle baseline: ${sig(run.baseline.durationS)} s before the first phase; ${
        Object.entries(run.baseline.powerW)
          .map(([d, w]) => `${d} ${sig(w)} W`)
          .join(', ') || 'n/a'
      }. "Net of idle" subtracts this power times each phase's duration; all other figures are gross.`,
    ]);
  } else items.push(['Idle baseline: n/a (none measured); no net-of-idle figures.']);
  items.push([
    { b: 'Uncertainty, in two parts. ' },
    "The error bound (value ± bound) adds the bounds of the devices: the scale part (the meter's relative error or, for an estimate, the model bound, e.g. ±50 % for CPU time x W per core) and the window part (absolute error x duration, staleness of counter reads, and for sampled power the sample spacing and gaps). The bounds are worst cases, not standard deviations. ",
    'The scale part is one unknown factor per device and method, the same in every phase, so it is treated as fully correlated: in ratios (student against teacher) and in the break-even N* = C / (t - s) it cancels where one device and method holds the energy (with several, the range is taken over every combination of their factors at their bounds), while absolute figures (J, Wh, gCO2e, savings) keep it whole. ',
    'The run-to-run spread comes from the repeated, interleaved inference rounds: the 95 % intervals over rounds ([lo, hi], bootstrap) and the lowest-to-highest range over rounds of the savings and N*. Ratios and break-even are judged by this spread (the model bound cancels there); absolute figures by both.',
  ]);
  if (run.totals)
    items.push([
      `Whole run: ${sig(run.totals.energyJ)} ± ${sig(run.totals.uncertaintyJ)} J${estimateSuffix(run)} (${pct(run.totals.energyJ > 0 ? run.totals.uncertaintyJ / run.totals.energyJ : undefined, 1)}).`,
    ]);
  for (const n of m.notes ?? []) items.push([`Meter note: ${n}`]);
  for (const f of m.failed) items.push([{ b: 'Meter not available: ' }, f]);
  for (const pr of m.problems) items.push([{ b: 'Problem during the run: ' }, pr]);
  items.push([
    `The sampler thread used ${sig(m.samplerCpuS)} CPU s (${pct(m.samplerCpuShare, 3)} of one core over the run); it is inside the measured process.`,
  ]);
  out.push(list(items));

  out.push(h(3, 'Carbon inputs'));
  const c = run.carbon;
  if (c) {
    const ci: Inline[][] = [
      [
        `Grid intensity: ${sig(c.intensityGCO2ePerKWh)} gCO2e/kWh, location-based average; ${c.intensityKind ? `chosen as: ${c.intensityKind}` : ''}${c.region ? `; region ${c.region}` : ''}; year ${c.year ?? 'n/a'}${c.dataset ? `; dataset ${c.dataset}` : ''}${c.licence ? `; licence ${c.licence}` : ''}.`,
      ],
      [`Source: ${c.intensitySource}`],
      [`PUE ${c.pue}: ${c.pueSource}`],
    ];
    if (c.series)
      ci.push([
        `Series ${c.series.file} (sha256 ${c.series.sha256}): ${c.series.rows} rows, ${c.series.complete ? 'covers the whole run' : `INCOMPLETE, ${sig(c.series.uncoveredEnergyShare * 100)} % of the energy converted with the nearest value`}.`,
      ]);
    if (c.embodied)
      ci.push([
        `Embodied: ${c.embodied.included ? `${sig(c.embodied.gCO2e)} gCO2e; ${c.embodied.method}` : 'not included'}; ${c.embodied.source}`,
      ]);
    out.push(list(ci));
    if (c.year === undefined) out.push(p('The dataset does not say which year its intensity is for: year n/a.'));
  } else out.push(p('n/a: no carbon figures in this run.'));

  out.push(h(3, 'Hardware and software'));
  out.push(
    table(
      ['item', 'value'],
      [
        ...inventoryRows(run),
        ...run.models
          .filter((m) => m.runtime)
          .map((m) => [
            `model ${m.name} (${m.kind})`,
            [
              m.runtime!.framework,
              m.runtime!.device && `device ${m.runtime!.device}`,
              m.runtime!.executionProvider && `execution provider ${m.runtime!.executionProvider}`,
            ]
              .filter(Boolean)
              .join('; ') || 'not reported',
          ]),
      ],
    ),
  );
  const ds = run.dataset as { name?: unknown; description?: unknown; train?: { n?: unknown }; test?: { n?: unknown } } | undefined;
  if (ds)
    out.push(
      p(
        `Data set: ${String(ds.name ?? 'n/a')}${ds.description ? ` (${String(ds.description)})` : ''}; ${String(ds.train?.n ?? 'n/a')} training and ${String(ds.test?.n ?? 'n/a')} test examples.`,
      ),
    );

  for (const t of run.models.filter((x) => x.training?.pretraining)) {
    const pr = t.training.pretraining!;
    out.push(
      p(
        `Pretraining of ${t.name} (phase ${pr.phase}, counted as its training): ${pr.method} on ${pr.texts.toLocaleString('en-US')} training texts (labels not read; test texts never), ${pr.nextSpanPairs.toLocaleString('en-US')} paired with their next ${String((run.dataset as { seqLen?: unknown } | undefined)?.seqLen ?? '')} tokens and ${pr.selfCopyPairs.toLocaleString('en-US')} with a masked copy of themselves, ${sig(pr.maskProb * 100)} % of tokens masked; in-batch negatives (batch ${pr.batchSize}, scale ${pr.scale}), ${pr.epochs} epoch${pr.epochs === 1 ? '' : 's'}, ${pr.steps} steps, final loss ${sig(pr.finalLoss)}. Its encoder (${pr.variablesCopied} weight tensors, all but the output layer) starts the supervised training.`,
      ),
    );
  }

  if (run.models.some((x) => x.role === 'student'))
    out.push(
      h(3, 'Report settings'),
      p(
        `Payback in days assumes ${traffic.requestsPerDay.toLocaleString('en-US')} requests a day: ${traffic.source}${traffic.requestsPerDay === DEFAULT_REQUESTS_PER_DAY ? '' : ` (kdbench's default is ${DEFAULT_REQUESTS_PER_DAY.toLocaleString('en-US')})`}.`,
      ),
    );

  out.push(h(3, 'Reproduce'));
  const line = reproduceLine(run);
  if (run.kind === 'measure' || !run.suite) {
    out.push(p('The command (from the folder it was run in, ', { code: run.command?.cwd ?? 'n/a' }, '):'));
    out.push({ kind: 'code', text: line });
  } else {
    out.push(p('The command (from the kdbench folder; the suite file must hash to the sha256 below):'));
    out.push({ kind: 'code', text: line });
    out.push(
      p(
        `Suite ${run.suite.name}, file ${run.suite.file}, sha256 `,
        { code: run.suite.sha256 },
        `, seed ${run.suite.seed}${run.suite.quick ? ', --quick' : ''}.`,
      ),
    );
  }
  out.push(
    p(
      'Rebuild this report from run.json and samples.csv without re-running anything: ',
      { code: 'kdbench report RUN_DIR' },
      run.models.some((x) => x.role === 'student') ? ' (add --requests-per-day N for payback at other traffic).' : '.',
    ),
  );
  return out;
}
