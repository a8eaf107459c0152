import type { RunJson } from '../run/contract.js';
import { referenceInference } from './summary.js';
import { pct, plusMinus, sig } from './format.js';

/** Escapes text for Markdown tables and inline text (also neutralises raw HTML). */
export function md(s: unknown): string {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/([*_`[\]])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

function table(head: string[], rows: (string | number)[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The headline: what distillation bought, in one sentence per student, with the method stated. */
export function headlines(run: RunJson): string[] {
  const teacher = run.models.find((m) => m.role === 'teacher');
  if (!teacher) return [];
  const tInf = referenceInference(run, teacher.name);
  const estimated = run.meter.domains.some((d) => d.method === 'estimated');
  const out: string[] = [];
  for (const s of run.models.filter((m) => m.role === 'student')) {
    const sInf = referenceInference(run, s.name);
    const control = run.models.find((m) => m.role === 'control' && m.pairedWith === s.name);
    let line = `Distilling **${md(teacher.name)}** (${teacher.params.toLocaleString('en-US')} parameters) into **${md(s.name)}** (${s.params.toLocaleString('en-US')}, ${sig(teacher.params / s.params)}x fewer) kept ${pct(s.accuracy / teacher.accuracy, 1)} of the teacher's accuracy (${pct(s.accuracy)} vs ${pct(teacher.accuracy)})`;
    if (tInf && sInf && Number.isFinite(sInf.energyJPer1000) && sInf.energyJPer1000 > 0) {
      line += ` and uses ${sig(tInf.energyJPer1000 / sInf.energyJPer1000)}x less energy per 1,000 inferences at batch ${sInf.batchSize} (${sig(sInf.energyJPer1000)} J vs ${sig(tInf.energyJPer1000)} J${estimated ? ', ESTIMATED' : ''})`;
    }
    line += '.';
    if (control) {
      const d = s.accuracy - control.accuracy;
      line += ` The same student trained without the teacher (control) reached ${pct(control.accuracy)}: distillation ${d >= 0 ? 'added' : 'cost'} ${Math.abs(d * 100).toFixed(2)} points.`;
    }
    out.push(line);
  }
  return out;
}

export function renderMarkdown(run: RunJson, charts: { file: string; title: string }[]): string {
  const L: string[] = [];
  const partial = run.status !== 'completed';
  L.push(`# kdbench run: ${md(run.suite?.name ?? run.kind)}${partial ? ` (PARTIAL: ${run.status.toUpperCase()})` : ''}`);
  L.push('');
  if (partial) {
    L.push(`> **This run did not complete** (status "${run.status}"${run.error ? `: ${md(run.error.message)}${run.error.phase ? `, in phase ${md(run.error.phase)}` : ''}` : ''}). The figures below cover what was measured until then.`);
    L.push('');
  }
  L.push(`Started ${run.startedAt}, ended ${run.endedAt ?? 'n/a'}; ${run.suite?.quick ? '**--quick smoke run**: small slice, few steps; not for citing. ' : ''}kdbench ${run.tool.version}.`);
  L.push('');
  const estimated = run.meter.domains.filter((d) => d.method === 'estimated');
  if (estimated.length > 0) {
    L.push(`> **Estimates, not measurements:** ${estimated.map((d) => md(d.device)).join(', ')} energy is a model estimate (${estimated.map((d) => md(d.scope)).join('; ')}). See Methodology.`);
    L.push('');
  }
  const hl = headlines(run);
  if (hl.length > 0) {
    L.push('## Headline', '', ...hl.map((h) => `- ${h}`), '');
  }
  if (run.models.length > 0) {
    L.push('## Models', '');
    const teacher = run.models.find((m) => m.role === 'teacher');
    const tInf = teacher ? referenceInference(run, teacher.name) : undefined;
    L.push(
      table(
        ['model', 'role', 'kind', 'params', 'accuracy', '% of teacher', 'macro-F1', 'batch', 'J / 1,000 inf.', 'vs teacher', 'gCO2e / 1,000 inf.', 'latency p50 / p99 (ms)', 'throughput (/s)'],
        run.models.map((m) => {
          const inf = referenceInference(run, m.name);
          return [
            md(m.name),
            m.role,
            m.kind,
            m.params.toLocaleString('en-US'),
            pct(m.accuracy),
            teacher ? pct(m.accuracy / teacher.accuracy, 1) : 'n/a',
            sig(m.macroF1, 4),
            inf?.batchSize ?? 'n/a',
            inf ? plusMinus(inf.energyJPer1000, (inf.uncertaintyJ / inf.inferences) * 1000) : 'n/a',
            inf && tInf ? `${sig(inf.energyJPer1000 / tInf.energyJPer1000)}x` : 'n/a',
            sig(inf?.gCO2ePer1000),
            inf ? `${sig(inf.latencyMsP50)} / ${sig(inf.latencyMsP99)}` : 'n/a',
            sig(inf?.throughputPerS),
          ];
        }),
      ),
    );
    L.push('');
  }
  for (const c of charts) L.push(`![${md(c.title)}](${c.file})`, '');
  if (run.phases.length > 0) {
    L.push('## Energy per phase', '');
    L.push(
      table(
        ['phase', 'model', 'duration (s)', 'energy (J)', 'net of idle (J)', 'gCO2e', 'domains'],
        run.phases.map((p) => [
          md(p.name),
          md(p.model ?? ''),
          sig(p.durationS, 4),
          plusMinus(p.energyJ, p.uncertaintyJ),
          sig(p.netEnergyJ),
          sig(p.gCO2e),
          p.domains.map((d) => `${md(d.device)} ${sig(d.energyJ)} J (${d.method})`).join('; '),
        ]),
      ),
    );
    L.push('');
    if (run.totals) L.push(`Total: ${plusMinus(run.totals.energyJ, run.totals.uncertaintyJ)} J over ${sig(run.totals.durationS, 4)} s (net of idle: ${sig(run.totals.netEnergyJ)} J).`, '');
  }
  if (run.inference.length > 0) {
    L.push('## Inference benchmarks', '');
    L.push(
      table(
        ['model', 'batch', 'inferences', 'J / 1,000', 'gCO2e / 1,000', 'latency mean / p50 / p99 (ms)', 'throughput (/s)'],
        run.inference.map((r) => [md(r.model), r.batchSize, r.inferences, plusMinus(r.energyJPer1000, (r.uncertaintyJ / r.inferences) * 1000), sig(r.gCO2ePer1000), `${sig(r.latencyMsMean)} / ${sig(r.latencyMsP50)} / ${sig(r.latencyMsP99)}`, sig(r.throughputPerS)]),
      ),
    );
    L.push('');
  }
  if (run.carbon) {
    const c = run.carbon;
    L.push('## Carbon', '');
    L.push(`${sig(c.gCO2e)} gCO2e for ${sig(c.energyKWh)} kWh: intensity ${sig(c.intensityGCO2ePerKWh)} gCO2e/kWh (${md(c.intensitySource)}${c.fallback ? '; **world average used as a fallback**: pass --region' : ''}), PUE ${c.pue} (${md(c.pueSource ?? '')}).`, '');
  }
  L.push('## Methodology', '');
  L.push(`Power was sampled every ${run.meter.intervalMs} ms in a worker thread (${run.meter.sampleCount} samples in samples.csv); every source was also read at each phase boundary, and phase energies are differences of the cumulative energy, interpolated at the boundaries, so they add up to the total.`, '');
  L.push(
    table(
      ['device', 'method', 'source', 'scope', 'uncertainty'],
      run.meter.domains.map((d) => [md(d.device), `**${d.method}**`, md(d.source), md(d.scope), md(`±${d.uncertainty.relative * 100} %${d.uncertainty.absoluteW ? ` ±${d.uncertainty.absoluteW} W` : ''}: ${d.uncertainty.basis}`)]),
    ),
  );
  L.push('');
  for (const n of run.meter.notes ?? []) L.push(`- ${md(n)}`);
  for (const f of run.meter.failed) L.push(`- meter not available: ${md(f)}`);
  for (const p of run.meter.problems) L.push(`- problem during the run: ${md(p)}`);
  if (run.baseline) L.push(`- Idle baseline: ${sig(run.baseline.durationS)} s; ${Object.entries(run.baseline.powerW).map(([d, w]) => `${md(d)} ${sig(w)} W`).join(', ')}.`);
  L.push(`- The harness's own sampler thread used ${sig(run.meter.samplerCpuS)} CPU s (${pct(run.meter.samplerCpuShare, 3)} of one core over the run); it is included in the process's CPU energy.`);
  L.push('');
  L.push('## Reproduce', '');
  if (run.reproduce) L.push('```', run.reproduce, '```', '');
  if (run.suite) L.push(`Suite file ${md(run.suite.file)}, sha256 \`${run.suite.sha256}\`, seed ${run.suite.seed}.`, '');
  const env = run.environment as Record<string, unknown> & { cpu?: { model?: string; logicalCores?: number }; memoryBytes?: number; node?: string; tfjsBackend?: string; packages?: Record<string, string | null> };
  L.push(`Hardware: ${md(env.cpu?.model ?? 'unknown CPU')}, ${env.cpu?.logicalCores ?? '?'} logical cores, ${sig((env.memoryBytes ?? NaN) / 2 ** 30)} GiB memory. Node ${md(env.node ?? '?')}, TensorFlow.js backend ${md(env.tfjsBackend ?? 'n/a')}.`, '');
  if (env.packages) L.push(`Packages: ${Object.entries(env.packages).map(([k, v]) => `${md(k)} ${v ?? 'not installed'}`).join(', ')}.`, '');
  return L.join('\n') + '\n';
}
