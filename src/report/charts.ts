import type { ChartConfiguration } from 'chart.js';
import type { RunJson } from '../run/contract.js';

export const ROLE_COLOURS: Record<string, string> = {
  teacher: '#c0392b',
  student: '#2471a3',
  control: '#7f8c8d',
  other: '#b7950b',
};

function roleOf(run: RunJson, model: string | undefined): string {
  return run.models.find((m) => m.name === model)?.role ?? (model ? 'other' : 'other');
}

/** Energy per phase, bars coloured by the role of the model the phase belongs to, with error bars as labels. */
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
        title: { display: true, text: `Energy per phase${estimated ? ' (includes ESTIMATED domains)' : ''}: teacher red, students blue, controls grey` },
        legend: { display: false },
      },
      scales: { x: { title: { display: true, text: 'joules (all domains)' }, beginAtZero: true } },
    },
  };
}
