import type { ChartConfiguration } from 'chart.js';
import type { RunJson } from '../../core/contract.js';
import { ROLE_COLOURS, ROLE_LEGEND, roleOf } from './common.js';

/** gCO2e per phase (operational: energy x PUE x intensity). Undefined when the run has no carbon figures. */
export function co2PerPhaseChart(run: RunJson): ChartConfiguration | undefined {
  const phases = run.phases.filter((p) => p.gCO2e !== undefined && Number.isFinite(p.gCO2e));
  if (!run.carbon || phases.length === 0) return undefined;
  const c = run.carbon;
  return {
    type: 'bar',
    data: {
      labels: phases.map((p) => p.name),
      datasets: [
        {
          label: 'gCO2e',
          data: phases.map((p) => p.gCO2e as number),
          backgroundColor: phases.map((p) => ROLE_COLOURS[roleOf(run, p.model)]),
        },
      ],
    },
    options: {
      indexAxis: 'y',
      plugins: {
        title: {
          display: true,
          text: `CO2e per phase at ${Number(c.intensityGCO2ePerKWh.toPrecision(3))} gCO2e/kWh (${c.region || c.intensityKind || 'given'}${c.fallback ? ', world-average FALLBACK' : ''}), PUE ${c.pue}`,
        },
        legend: { display: true, position: 'bottom', labels: { generateLabels: () => ROLE_LEGEND } },
      },
      scales: { x: { title: { display: true, text: 'grams CO2e (operational)' }, beginAtZero: true } },
    },
  };
}
