/** Methodology, generated from the run: meters, sampling, baseline, uncertainty, carbon inputs, inventory, how to reproduce. */
import type { RunJson } from '../../core/contract.js';
import { h, list, p, table, warning, type Block, type Inline } from '../doc.js';
import { bytes, pct, sig } from '../format.js';
import { envInfo } from '../environment.js';

const METHOD_WORDS: Record<string, string> = {
  counter: 'counter (a cumulative energy register read at each sample and phase boundary: measured)',
  sampled: 'sampled (instantaneous power read every interval and integrated over time: measured)',
  estimated: 'ESTIMATED (a model of power from CPU time or memory: not a measurement)',
};

export function methodologyBlocks(run: RunJson): Block[] {
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
    'Uncertainty: each figure given as value ± bound adds the bounds of its devices (relative error of the meter, absolute error x duration, staleness of counter reads, and for sampled power the sample spacing and gaps). The bounds are worst cases, not standard deviations.',
  ]);
  if (run.totals)
    items.push([
      `Whole run: ${sig(run.totals.energyJ)} ± ${sig(run.totals.uncertaintyJ)} J (${pct(run.totals.energyJ > 0 ? run.totals.uncertaintyJ / run.totals.energyJ : undefined, 1)}).`,
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
    if (c.fallback) out.push(warning('the grid intensity is the world average (no region given); CO2e figures are indicative only.'));
    if (c.year === undefined) out.push(p('The dataset does not say which year its intensity is for: year n/a.'));
  } else out.push(p('n/a: no carbon figures in this run.'));

  out.push(h(3, 'Hardware and software'));
  const e = envInfo(run);
  const gpus =
    e.gpus === undefined
      ? 'n/a'
      : e.gpus.length === 0
        ? 'none found'
        : e.gpus.map((g) => `${g.model}${g.memoryBytes ? ` (${bytes(g.memoryBytes)})` : ''}`).join(', ');
  out.push(
    table(
      ['item', 'value'],
      [
        ['CPU', `${e.cpuModel ?? 'n/a'}; ${e.logicalCores ?? 'n/a'} logical / ${e.physicalCores ?? 'n/a'} physical cores`],
        ['memory', bytes(e.memoryBytes)],
        ['GPUs', gpus],
        ['system', `${e.system ?? 'n/a'}${e.virtual === true ? ' (virtual machine or container)' : ''}`],
        ['operating system', e.os ?? 'n/a'],
        ['host', e.hostname ?? 'n/a'],
        ['Node.js', e.node ?? 'n/a'],
        ['kdbench', `${e.kdbenchVersion ?? 'n/a'}${e.gitCommit ? ` (git ${e.gitCommit})` : ''}`],
        [
          'TensorFlow.js backend',
          `${e.tfjsBackend ?? 'n/a'}${run.models.length > 0 && run.models.every((m) => m.runtime) ? ' (no TensorFlow.js model in this run)' : ''}`,
        ],
        // Models kdbench did not run in TensorFlow.js (command, hf-onnx): what ran them, where.
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
        ...Object.entries(e.packages ?? {}).map(([k, v]) => [`package ${k}`, v ?? 'not installed / not found']),
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

  out.push(h(3, 'Reproduce'));
  out.push(p('The command (from the kdbench folder; the suite file must hash to the sha256 below):'));
  out.push({ kind: 'code', text: run.reproduce ?? run.command.argv.join(' ') });
  if (run.suite)
    out.push(
      p(
        `Suite ${run.suite.name}, file ${run.suite.file}, sha256 `,
        { code: run.suite.sha256 },
        `, seed ${run.suite.seed}${run.suite.quick ? ', --quick' : ''}.`,
      ),
    );
  out.push(p('Rebuild this report from run.json and samples.csv without re-running anything: ', { code: 'kdbench report RUN_DIR' }, '.'));
  return out;
}
