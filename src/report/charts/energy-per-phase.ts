import type { ChartConfiguration } from 'chart.js';
import type { RunJson } from '../../core/contract.js';
import { estimateSuffix } from '../metrics.js';
import { DEVICE_COLOURS, ROLE_COLOURS, ROLE_LEGEND, roleOf } from './common.js';

/** Energy per phase: one bar per phase, coloured by the role of the model the phase belongs to (one colour where the run has no models). */
export function energyPerPhaseChart(run: RunJson): ChartConfiguration {
  const phases = run.phases;
  const est = estimateSuffix(run);
  const models = run.models.length > 0;
  return {
    type: 'bar',
    data: {
      labels: phases.map((p) => p.name),
      datasets: [
        {
          label: 'energy (J)',
          data: phases.map((p) => p.energyJ),
          backgroundColor: phases.map((p) => (models ? ROLE_COLOURS[roleOf(run, p.model)] : DEVICE_COLOURS[0])),
        },
      ],
    },
    options: {
      indexAxis: 'y',
      plugins: {
        title: { display: true, text: `Energy per phase${models ? ', coloured by the role of its model' : ''}${est}` },
        legend: { display: models, position: 'bottom', labels: { generateLabels: () => ROLE_LEGEND } },
      },
      scales: { x: { title: { display: true, text: `joules, all devices${est}` }, beginAtZero: true } },
    },
  };
}
