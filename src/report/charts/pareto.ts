/** Accuracy against energy per 1,000 inferences, with the Pareto front (no other model is both cheaper and more accurate). */
import type { ChartConfiguration, Plugin } from 'chart.js';
import type { RunJson } from '../../run/contract.js';
import { modelFigures } from '../metrics.js';
import { ROLE_COLOURS } from './common.js';

export interface ParetoPoint {
  name: string;
  role: string;
  energy: number;
  accuracy: number;
}

/** Points no other point dominates (energy <= and accuracy >=, one strictly), sorted by energy. */
export function paretoFront<T extends { energy: number; accuracy: number }>(points: T[]): T[] {
  const sorted = [...points].sort((a, b) => a.energy - b.energy || b.accuracy - a.accuracy);
  const front: T[] = [];
  let best = -Infinity;
  for (const p of sorted) {
    if (p.accuracy > best) {
      front.push(p);
      best = p.accuracy;
    }
  }
  return front;
}

export function paretoPoints(run: RunJson): ParetoPoint[] {
  return modelFigures(run)
    .filter((f) => f.energyJPer1000 !== undefined && f.energyJPer1000 > 0 && Number.isFinite(f.model.accuracy))
    .map((f) => ({ name: f.model.name, role: f.model.role, energy: f.energyJPer1000 as number, accuracy: f.model.accuracy }));
}

/** Names next to the points; a label that would overlap an earlier one moves down a line. */
const labelsPlugin = (points: ParetoPoint[]): Plugin<'scatter'> => ({
  id: 'kdbench-point-labels',
  afterDatasetsDraw: (chart) => {
    const { ctx, scales } = chart;
    ctx.save();
    ctx.font = '12px sans-serif';
    ctx.fillStyle = '#222';
    ctx.textAlign = 'left';
    // The dots themselves, as boxes a label must not cover.
    const placed = points.map((p) => {
      const px = scales.x.getPixelForValue(p.energy);
      return { x0: px - 7, x1: px + 7, y: scales.y.getPixelForValue(p.accuracy * 100) + 4 };
    });
    const ordered = [...points].sort((a, b) => b.accuracy - a.accuracy || a.energy - b.energy);
    for (const p of ordered) {
      const x = scales.x.getPixelForValue(p.energy) + 8;
      let y = scales.y.getPixelForValue(p.accuracy * 100) - 6;
      const w = ctx.measureText(p.name).width;
      while (placed.some((q) => x < q.x1 && x + w > q.x0 && Math.abs(q.y - y) < 14)) y += 14;
      placed.push({ x0: x, x1: x + w, y });
      ctx.fillText(p.name, x, y);
    }
    ctx.restore();
  },
});

export function paretoChart(run: RunJson): ChartConfiguration<'scatter'> | undefined {
  const points = paretoPoints(run);
  if (points.length === 0) return undefined;
  const front = paretoFront(points);
  const energies = points.map((p) => p.energy);
  const logX = Math.max(...energies) / Math.min(...energies) > 20;
  const batch = modelFigures(run).find((f) => f.inf)?.inf?.batchSize;
  const roles = [...new Set(points.map((p) => p.role))];
  return {
    type: 'scatter',
    data: {
      datasets: [
        {
          label: 'Pareto front',
          data: front.map((p) => ({ x: p.energy, y: p.accuracy * 100 })),
          showLine: true,
          borderColor: '#555',
          borderDash: [6, 4],
          pointRadius: 0,
          backgroundColor: '#555',
        },
        ...roles.map((role) => ({
          label: role,
          data: points.filter((p) => p.role === role).map((p) => ({ x: p.energy, y: p.accuracy * 100 })),
          pointRadius: 6,
          backgroundColor: ROLE_COLOURS[role] ?? ROLE_COLOURS.other,
          borderColor: ROLE_COLOURS[role] ?? ROLE_COLOURS.other,
        })),
      ],
    },
    options: {
      layout: { padding: { right: 90 } },
      plugins: {
        title: { display: true, text: `Accuracy against energy per 1,000 inferences${batch ? ` (batch ${batch})` : ''}; up and left is better` },
        legend: { display: true, position: 'bottom' },
      },
      scales: {
        x: { type: logX ? 'logarithmic' : 'linear', title: { display: true, text: `joules per 1,000 inferences${logX ? ' (log scale)' : ''}` }, beginAtZero: !logX },
        y: { title: { display: true, text: 'accuracy (%)' }, suggestedMin: Math.max(0, Math.min(...points.map((p) => p.accuracy * 100)) - 5), suggestedMax: 100 },
      },
    },
    plugins: [labelsPlugin(points)],
  };
}
