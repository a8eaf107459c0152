/** Accuracy against energy per 1,000 inferences, with the Pareto front (no other model is both cheaper and more accurate). */
import type { ChartConfiguration, Plugin } from 'chart.js';
import type { RunJson } from '../../core/contract.js';
import { estimateLabel, modelFigures } from '../metrics.js';
import { font, ROLE_COLOURS } from './common.js';

export interface ParetoPoint {
  name: string;
  role: string;
  /** The legend group: the role, or in a run with compression the method ("teacher", "distillation", "quantization", "distillation + quantization", "control"). */
  group: string;
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

/** Colours of the method groups of a run with compression (roles keep ROLE_COLOURS). */
export const METHOD_COLOURS: Record<string, string> = {
  distillation: '#2471a3',
  quantization: '#8e44ad',
  pruning: '#27ae60',
  'distillation + quantization': '#d35400',
  'distillation + pruning': '#16a085',
};
const EXTRA_COLOURS = ['#6c3483', '#117a65', '#b03a2e', '#7d6608', '#2e4053', '#a04000'];

export function groupColour(group: string, i: number): string {
  return ROLE_COLOURS[group] ?? METHOD_COLOURS[group] ?? EXTRA_COLOURS[i % EXTRA_COLOURS.length];
}

export function paretoPoints(run: RunJson): ParetoPoint[] {
  const byMethod = run.models.some((m) => m.compression !== undefined);
  return modelFigures(run)
    .filter((f) => f.energyJPer1000 !== undefined && f.energyJPer1000 > 0 && Number.isFinite(f.model.accuracy))
    .map((f) => ({
      name: f.model.name,
      role: f.model.role,
      group: byMethod ? (f.model.compression?.method ?? f.model.role) : f.model.role,
      energy: f.energyJPer1000 as number,
      accuracy: f.model.accuracy,
    }));
}

/** Names next to the points: the first of a few spots around the point that no dot or earlier label covers. */
const labelsPlugin = (points: ParetoPoint[]): Plugin<'scatter'> => ({
  id: 'kdbench-point-labels',
  afterDatasetsDraw: (chart) => {
    const { ctx, scales, chartArea } = chart;
    ctx.save();
    ctx.font = font(12);
    ctx.fillStyle = '#222';
    ctx.textAlign = 'left';
    type Box = { x0: number; x1: number; y0: number; y1: number };
    const px = (p: ParetoPoint) => ({ x: scales.x.getPixelForValue(p.energy), y: scales.y.getPixelForValue(p.accuracy * 100) });
    const boxes: Box[] = points.map((p) => {
      const { x, y } = px(p);
      return { x0: x - 11, x1: x + 11, y0: y - 11, y1: y + 11 };
    });
    const hits = (b: Box) => boxes.filter((q) => b.x0 < q.x1 && b.x1 > q.x0 && b.y0 < q.y1 && b.y1 > q.y0).length;
    const ordered = [...points].sort((a, b) => b.accuracy - a.accuracy || a.energy - b.energy);
    for (const p of ordered) {
      const { x, y } = px(p);
      const w = ctx.measureText(p.name).width;
      // Baseline offsets in order of preference: right above, right below, left above, left below, further out.
      const spots: [number, number][] = [
        [12, -8],
        [12, 18],
        [-12 - w, -8],
        [-12 - w, 18],
        [12, -22],
        [12, 32],
        [-12 - w, -22],
        [-12 - w, 32],
        [12, -36],
        [12, 46],
      ];
      const box = ([dx, dy]: [number, number]): Box => {
        const x0 = Math.min(x + dx, chart.width - w - 2);
        return { x0, x1: x0 + w, y0: y + dy - 11, y1: y + dy + 3 };
      };
      const outside = (b: Box) => b.x0 < chartArea.left || b.y0 < chartArea.top - 4 || b.y1 > chartArea.bottom;
      // The first free spot; where none is, the one that covers the fewest others.
      const score = (o: [number, number], i: number) => hits(box(o)) * 10 + (outside(box(o)) ? 5 : 0) + i * 0.01;
      const spot = spots.reduce((best, o, i) => (score(o, i) < score(best, spots.indexOf(best)) ? o : best), spots[0]);
      const b = box(spot);
      boxes.push(b);
      ctx.fillText(p.name, b.x0, b.y1 - 3);
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
  // Legend groups: roles, or in a run with compression the method of each model (coloured by method).
  const roles = [...new Set(points.map((p) => p.group))];
  const byMethod = run.models.some((m) => m.compression !== undefined);
  const est = estimateLabel(run);
  return {
    type: 'scatter',
    data: {
      datasets: [
        {
          label: 'Pareto front (ringed)',
          data: front.map((p) => ({ x: p.energy, y: p.accuracy * 100 })),
          showLine: true,
          borderColor: '#555',
          borderDash: [6, 4],
          pointRadius: 10,
          pointStyle: 'circle',
          pointBorderWidth: 1.5,
          pointBorderColor: '#555',
          pointBackgroundColor: 'rgba(0,0,0,0)',
          backgroundColor: 'rgba(0,0,0,0)',
        },
        ...roles.map((role, i) => ({
          label: role,
          data: points.filter((p) => p.group === role).map((p) => ({ x: p.energy, y: p.accuracy * 100 })),
          pointRadius: 6,
          backgroundColor: byMethod ? groupColour(role, i) : (ROLE_COLOURS[role] ?? ROLE_COLOURS.other),
          borderColor: byMethod ? groupColour(role, i) : (ROLE_COLOURS[role] ?? ROLE_COLOURS.other),
        })),
      ],
    },
    options: {
      layout: { padding: { right: 90 } },
      plugins: {
        title: {
          display: true,
          text: `Accuracy against energy per 1,000 inferences${batch ? ` (batch ${batch})` : ''}${est ? `, energy ${est}` : ''}; up and left is better`,
        },
        legend: { display: true, position: 'bottom' },
      },
      scales: {
        x: {
          type: logX ? 'logarithmic' : 'linear',
          title: { display: true, text: `joules per 1,000 inferences${est ? ` (${est})` : ''}${logX ? ', log scale' : ''}` },
          beginAtZero: !logX,
        },
        y: {
          title: { display: true, text: 'accuracy (%)' },
          suggestedMin: Math.max(0, Math.min(...points.map((p) => p.accuracy * 100)) - 5),
          suggestedMax: Math.min(100, Math.max(...points.map((p) => p.accuracy * 100)) + 10),
        },
      },
    },
    plugins: [labelsPlugin(points)],
  };
}
