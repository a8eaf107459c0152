/** Energy per phase, inference benchmarks and carbon: the detailed figures. */
import type { RunJson } from '../../core/contract.js';
import { h, list, p, table, warning, type Block, type Inline } from '../doc.js';
import { plusMinus, sig } from '../format.js';
import { co2Labels, energyWord, estimateSuffix } from '../metrics.js';

export function phaseBlocks(run: RunJson): Block[] {
  if (run.phases.length === 0) return [];
  const est = estimateSuffix(run);
  const out: Block[] = [
    h(2, 'Energy per phase'),
    table(
      ['phase', 'model', 'duration (s)', `energy (J${est})`, 'net of idle (J)', `gCO2e${co2Labels(run)}`, 'devices'],
      run.phases.map((ph) => [
        ph.name,
        ph.model ?? '',
        sig(ph.durationS, 4),
        plusMinus(ph.energyJ, ph.uncertaintyJ),
        sig(ph.netEnergyJ),
        sig(ph.gCO2e),
        ph.domains
          .map(
            (d) =>
              `${d.device} ${sig(d.energyJ)} J (${d.method === 'estimated' ? 'ESTIMATED' : d.method}${d.coverage < 1 ? `, ${sig(d.coverage * 100)} % covered` : ''})`,
          )
          .join('; '),
      ]),
    ),
  ];
  if (run.totals)
    out.push(
      p(
        `Total: ${plusMinus(run.totals.energyJ, run.totals.uncertaintyJ)} J${est} over ${sig(run.totals.durationS, 4)} s (net of idle: ${run.totals.netEnergyJ === undefined ? 'n/a, no idle baseline' : `${sig(run.totals.netEnergyJ)} J`}). Phase energies add up to the total.`,
      ),
    );
  return out;
}

export function inferenceBlocks(run: RunJson): Block[] {
  if (run.inference.length === 0) return [];
  const est = estimateSuffix(run);
  return [
    h(2, 'Inference benchmarks'),
    table(
      [
        'model',
        'batch',
        'inferences',
        `J / 1,000${est}`,
        `gCO2e / 1,000${co2Labels(run)}`,
        'latency mean / p50 / p99 (ms per batch)',
        'throughput (inferences/s)',
      ],
      run.inference.map((r) => [
        r.model,
        String(r.batchSize),
        String(r.inferences),
        plusMinus(
          r.energyJPer1000,
          r.inferences > 0 && typeof r.uncertaintyJ === 'number' ? (r.uncertaintyJ / r.inferences) * 1000 : undefined,
        ),
        sig(r.gCO2ePer1000),
        `${sig(r.latencyMsMean)} / ${sig(r.latencyMsP50)} / ${sig(r.latencyMsP99)}`,
        sig(r.throughputPerS),
      ]),
    ),
  ];
}

export function carbonBlocks(run: RunJson): Block[] {
  const c = run.carbon;
  if (!c) return [h(2, 'Carbon'), p('n/a: the run has no carbon figures (it stopped before they were computed).')];
  const out: Block[] = [h(2, 'Carbon')];
  if (c.fallback)
    out.push(
      warning(
        'no region was given: the WORLD average grid intensity was used. Rerun with --region (or --carbon-intensity / --carbon-series) for a figure that belongs to the place the run ran.',
      ),
    );
  const how = energyWord(run);
  out.push(
    p(
      `${sig(c.gCO2e)} gCO2e${co2Labels(run)} operational (location-based) for ${sig(c.energyKWh)} kWh ${how === 'measured' ? 'measured' : how} (IT energy) x PUE ${c.pue} = ${sig(c.facilityEnergyKWh ?? c.energyKWh * c.pue)} kWh at the facility, at ${sig(c.intensityGCO2ePerKWh)} gCO2e/kWh.`,
      c.embodied?.included
        ? ` Embodied (manufacturing) share for the run's duration: ${sig(c.embodied.gCO2e)} gCO2e; total ${sig(c.totalGCO2e)} gCO2e.`
        : ' Embodied emissions are not included.',
    ),
  );
  const items: Inline[][] = [];
  if (c.marginal)
    items.push([`Marginal intensity (not in the totals): ${sig(c.marginal.gCO2ePerKWh)} gCO2e/kWh, ${sig(c.marginal.gCO2e)} gCO2e.`]);
  for (const e of c.equivalents ?? []) items.push([`Equivalent to ${sig(e.value)} ${e.unit ? `${e.unit} ` : ''}${e.label} (${e.source}).`]);
  for (const n of c.notes ?? []) items.push([`Note: ${n}`]);
  for (const pr of c.problems ?? []) items.push([{ b: 'Problem: ' }, pr]);
  if (items.length > 0) out.push(list(items));
  return out;
}
