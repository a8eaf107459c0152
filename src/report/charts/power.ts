/** Power over time per device, with the run's phases drawn as numbered bands behind the lines. */
import type { ChartConfiguration, Plugin } from 'chart.js';
import type { RunJson } from '../../core/contract.js';
import type { SampleRow } from '../samples.js';
import { DEVICE_COLOURS, ROLE_BANDS, roleOf } from './common.js';
import { limitBands } from '../degrade.js';

export interface Band {
  label: string;
  /** Seconds on the samples' time axis (since the meter started). */
  t0: number;
  t1: number;
  fill: string;
}

/** Phases (and the idle baseline) on the samples' clock: t = (wall time - offset), offset from the samples themselves. */
export function phaseBands(run: RunJson, rows: SampleRow[]): Band[] {
  const offsets = rows
    .filter((r) => Number.isFinite(r.timeMs))
    .map((r) => r.timeMs - r.t * 1000)
    .sort((a, b) => a - b);
  if (offsets.length === 0) return [];
  const offset = offsets[Math.floor(offsets.length / 2)];
  const at = (iso: string) => (Date.parse(iso) - offset) / 1000;
  const bands: Band[] = [];
  if (run.baseline)
    bands.push({ label: 'idle baseline', t0: at(run.baseline.startedAt), t1: at(run.baseline.endedAt), fill: 'rgba(39,174,96,0.13)' });
  for (const p of run.phases) bands.push({ label: p.name, t0: at(p.startedAt), t1: at(p.endedAt), fill: ROLE_BANDS[roleOf(run, p.model)] });
  return bands.filter((b) => Number.isFinite(b.t0) && Number.isFinite(b.t1) && b.t1 >= b.t0);
}

/** At most maxPoints per device: the mean power of each bucket (keeps the area, hence the energy). */
export function downsample(points: { x: number; y: number }[], maxPoints: number): { x: number; y: number }[] {
  if (points.length <= maxPoints) return points;
  const size = Math.ceil(points.length / maxPoints);
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < points.length; i += size) {
    const chunk = points.slice(i, i + size);
    out.push({ x: chunk.reduce((a, p) => a + p.x, 0) / chunk.length, y: chunk.reduce((a, p) => a + p.y, 0) / chunk.length });
  }
  return out;
}

function bandsPlugin(bands: Band[]): Plugin<'line'> {
  return {
    id: 'kdbench-phase-bands',
    beforeDatasetsDraw: (chart) => {
      const { ctx, chartArea, scales } = chart;
      const x = scales.x;
      ctx.save();
      bands.forEach((b, i) => {
        const x0 = Math.max(chartArea.left, x.getPixelForValue(b.t0));
        const x1 = Math.min(chartArea.right, x.getPixelForValue(b.t1));
        if (x1 <= x0) return;
        ctx.fillStyle = b.fill;
        ctx.fillRect(x0, chartArea.top, x1 - x0, chartArea.bottom - chartArea.top);
        ctx.strokeStyle = 'rgba(0,0,0,0.18)';
        ctx.beginPath();
        ctx.moveTo(x0, chartArea.top);
        ctx.lineTo(x0, chartArea.bottom);
        ctx.stroke();
        ctx.fillStyle = '#333';
        ctx.font = '11px sans-serif';
        ctx.textAlign = 'center';
        if (x1 - x0 >= 9) ctx.fillText(String(i + 1), (x0 + x1) / 2, chartArea.top + 12);
      });
      ctx.restore();
    },
  };
}

export function powerChart(run: RunJson, rows: SampleRow[]): { config: ChartConfiguration<'line'>; bands: Band[] } | undefined {
  if (rows.length === 0) return undefined;
  const devices = [...new Set(rows.map((r) => r.device))];
  const bands = limitBands(phaseBands(run, rows));
  const method = new Map(run.meter.domains.map((d) => [d.device, d.method]));
  const ends = [...rows.map((r) => r.t), ...bands.flatMap((b) => [b.t0, b.t1])];
  const xMin = Math.max(0, Math.min(...ends));
  const xMax = Math.max(...ends);
  const config: ChartConfiguration<'line'> = {
    type: 'line',
    data: {
      datasets: devices.map((d, i) => ({
        label: `${d} (${method.get(d) ?? rows.find((r) => r.device === d)?.method ?? 'n/a'})`,
        data: downsample(
          rows.filter((r) => r.device === d).map((r) => ({ x: r.t, y: r.powerW })),
          1500,
        ),
        borderColor: DEVICE_COLOURS[i % DEVICE_COLOURS.length],
        backgroundColor: DEVICE_COLOURS[i % DEVICE_COLOURS.length],
        borderWidth: 1.5,
        pointRadius: 0,
        stepped: 'before',
      })),
    },
    options: {
      parsing: false,
      plugins: {
        title: { display: true, text: 'Power over time per device; numbered bands are the phases (list below the chart)' },
        legend: { display: true, position: 'bottom' },
      },
      scales: {
        x: { type: 'linear', min: Math.floor(xMin), max: xMax, title: { display: true, text: 'seconds since the meter started' } },
        y: { beginAtZero: true, grace: '8%', title: { display: true, text: 'watts' } },
      },
    },
    plugins: [bandsPlugin(bands)],
  };
  return { config, bands };
}
