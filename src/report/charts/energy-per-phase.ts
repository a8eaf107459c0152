import type { ChartConfiguration } from 'chart.js';
import type { RunJson } from '../../core/contract.js';
import { ROLE_COLOURS, ROLE_LEGEND, roleOf } from './common.js';

/** Energy per phase: one bar per phase, coloured by the role of the model the phase belongs to. */
export function energyPerPhaseChart(run: RunJson): ChartConfiguration {
  const phases = run.phases;
  const estimated = run.meter.domains.some((d) => d.method === 'estimated');
  return {
    type: 'bar',
    data: {
      labels: phases.map((p) => p.name),
      datasets: [
        {
          label: 'energy (J)',
          data: phases.map((p) => p.energyJ),
          backgroundColor: phases.map((p) => ROLE_COLOURS[roleOf(run, p.model)]),
        },
      ],
    },
    options: {
      indexAxis: 'y',
      plugins: {
        title: { display: true, text: `Energy per phase, teacher against students${estimated ? ' (includes ESTIMATED domains)' : ''}` },
        legend: { display: true, position: 'bottom', labels: { generateLabels: () => ROLE_LEGEND } },
      },
      scales: { x: { title: { display: true, text: 'joules (all measured devices)' }, beginAtZero: true } },
    },
  };
}
