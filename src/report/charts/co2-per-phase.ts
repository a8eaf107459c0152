import type { ChartConfiguration } from 'chart.js';
import type { RunJson } from '../../core/contract.js';
import { estimateLabel } from '../metrics.js';
import { DEVICE_COLOURS, ROLE_COLOURS, ROLE_LEGEND, roleOf } from './common.js';

/** gCO2e per phase (operational: energy x PUE x intensity). Undefined when the run has no carbon figures. */
export function co2PerPhaseChart(run: RunJson): ChartConfiguration | undefined {
  const phases = run.phases.filter((p) => p.gCO2e !== undefined && Number.isFinite(p.gCO2e));
  if (!run.carbon || phases.length === 0) return undefined;
  const c = run.carbon;
  const models = run.models.length > 0;
  const est = estimateLabel(run);
  return {
    type: 'bar',
    data: {
      labels: phases.map((p) => p.name),
      datasets: [
        {
          label: 'gCO2e',
          data: phases.map((p) => p.gCO2e as number),
          backgroundColor: phases.map((p) => (models ? ROLE_COLOURS[roleOf(run, p.model)] : DEVICE_COLOURS[0])),
        },
      ],
    },
    options: {
      indexAxis: 'y',
      plugins: {
        title: {
          display: true,
          text: `CO2e per phase at ${Number(c.intensityGCO2ePerKWh.toPrecision(3))} gCO2e/kWh (${c.fallback ? `WORLD-average FALLBACK, year ${c.year ?? 'n/a'}` : c.region || c.intensityKind || 'given'}), PUE ${c.pue}${est ? `; energy ${est}` : ''}`,
        },
        legend: { display: models, position: 'bottom', labels: { generateLabels: () => ROLE_LEGEND } },
      },
      scales: {
        x: {
          title: {
            display: true,
            text: `grams CO2e (operational${est ? `, ${est}` : ''}${c.fallback ? ', WORLD FALLBACK intensity' : ''})`,
          },
          beginAtZero: true,
        },
      },
    },
  };
}
