/** Power over time per device, with the run's phases drawn as numbered bands behind the lines. */
import type { ChartConfiguration, Plugin } from 'chart.js';
import type { RunJson } from '../../core/contract.js';
import type { SampleRow } from '../samples.js';
import { DEVICE_COLOURS, font, ROLE_BANDS, roleOf } from './common.js';
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

/** A label over one band or a run of consecutive bands ("12–26"), in one of a few rows at the top of the chart. */
export interface BandLabel {
  text: string;
  /** Indices (0-based) of the first and last band it names. */
  first: number;
  last: number;
  /** Centre and width in pixels; row 0 is the top row. */
  x: number;
  width: number;
  row: number;
}

/**
 * Numbers the bands without overlapping text: a band wide enough gets its own number; a run of bands too
 * narrow for their own numbers gets one range label ("12–26") over their joint span; labels that would
 * still touch their neighbour move to a second or third row. Returns the labels and the bands left
 * without one (only where even three rows do not fit).
 */
export function placeBandLabels(
  spans: { x0: number; x1: number }[],
  measure: (text: string) => number,
  rows = 3,
  gap = 4,
): { labels: BandLabel[]; unlabelled: number[] } {
  const fits = (i: number) => spans[i].x1 - spans[i].x0 >= measure(String(i + 1)) + gap;
  const groups: [number, number][] = [];
  for (let i = 0; i < spans.length;) {
    if (fits(i)) {
      groups.push([i, i]);
      i++;
      continue;
    }
    let j = i;
    const label = (a: number, b: number) => (a === b ? String(a + 1) : `${a + 1}\u2013${b + 1}`);
    while (j + 1 < spans.length && !fits(j + 1) && spans[j].x1 - spans[i].x0 < measure(label(i, j)) + gap) j++;
    groups.push([i, j]);
    i = j + 1;
  }
  const right = new Array<number>(rows).fill(-Infinity);
  const labels: BandLabel[] = [];
  const unlabelled: number[] = [];
  for (const [a, b] of groups) {
    const text = a === b ? String(a + 1) : `${a + 1}\u2013${b + 1}`;
    const width = measure(text);
    const x = (spans[a].x0 + spans[b].x1) / 2;
    const row = right.findIndex((r) => x - width / 2 >= r + gap);
    if (row < 0) {
      for (let k = a; k <= b; k++) unlabelled.push(k);
      continue;
    }
    right[row] = x + width / 2;
    labels.push({ text, first: a, last: b, x, width, row });
  }
  return { labels, unlabelled };
}

const LABEL_ROW_PX = 13;

function bandsPlugin(bands: Band[]): Plugin<'line'> {
  return {
    id: 'kdbench-phase-bands',
    beforeDatasetsDraw: (chart) => {
      const { ctx, chartArea, scales } = chart;
      const x = scales.x;
      ctx.save();
      const spans = bands.map((b) => ({
        x0: Math.max(chartArea.left, x.getPixelForValue(b.t0)),
        x1: Math.min(chartArea.right, x.getPixelForValue(b.t1)),
      }));
      spans.forEach((s, i) => {
        if (s.x1 <= s.x0) return;
        ctx.fillStyle = bands[i].fill;
        ctx.fillRect(s.x0, chartArea.top, s.x1 - s.x0, chartArea.bottom - chartArea.top);
        ctx.strokeStyle = 'rgba(0,0,0,0.18)';
        ctx.beginPath();
        ctx.moveTo(s.x0, chartArea.top);
        ctx.lineTo(s.x0, chartArea.bottom);
        ctx.stroke();
      });
      ctx.fillStyle = '#333';
      ctx.font = font(11);
      ctx.textAlign = 'center';
      const placed = placeBandLabels(
        spans.map((s) => ({ x0: s.x0, x1: Math.max(s.x0, s.x1) })),
        (t) => ctx.measureText(t).width,
      );
      // Above the plot area (the layout keeps room for three rows), so numbers never cover the lines.
      for (const l of placed.labels) ctx.fillText(l.text, l.x, chartArea.top - 4 - l.row * LABEL_ROW_PX);
      ctx.restore();
    },
  };
}

/**
 * The most a device can draw by the model that estimates it (W per busy core x logical cores; W/GB x
 * memory), where the run says so; undefined for measured devices (no model limit).
 */
export function modelLimitW(run: RunJson, device: string): number | undefined {
  const d = run.meter.domains.find((x) => x.device === device);
  if (!d || d.method !== 'estimated') return undefined;
  const env = run.environment as { cpu?: { logicalCores?: unknown; wattsPerCore?: unknown }; memoryBytes?: unknown };
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : undefined);
  const perCore = /x ([\d.]+) W per busy core/.exec(d.source)?.[1];
  const cores = num(env.cpu?.logicalCores);
  if (perCore !== undefined && cores !== undefined) return Number(perCore) * cores;
  const perGb = /x ([\d.]+) W\/GB/.exec(d.source)?.[1];
  const mem = num(env.memoryBytes);
  if (perGb !== undefined && mem !== undefined) return (Number(perGb) * mem) / 1e9;
  return undefined;
}

export interface PowerChart {
  config: ChartConfiguration<'line'>;
  bands: Band[];
  /** What the axis leaves out (start-up artefacts), in words; undefined when nothing. */
  note?: string;
}

export function powerChart(run: RunJson, rows: SampleRow[]): PowerChart | undefined {
  if (rows.length === 0) return undefined;
  const devices = [...new Set(rows.map((r) => r.device))];
  const bands = limitBands(phaseBands(run, rows));
  const method = new Map(run.meter.domains.map((d) => [d.device, d.method]));
  const ends = [...rows.map((r) => r.t), ...bands.flatMap((b) => [b.t0, b.t1])];
  const xMin = Math.max(0, Math.min(...ends));
  const xMax = Math.max(...ends);
  // The axis covers the samples inside the measured windows (baseline and phases) that the device's model
  // allows; samples before the first window or above the model's limit (start-up artefacts of CPU-time
  // accounting) stay in samples.csv but do not stretch the axis.
  const w0 = bands.length > 0 ? Math.min(...bands.map((b) => b.t0)) : -Infinity;
  const w1 = bands.length > 0 ? Math.max(...bands.map((b) => b.t1)) : Infinity;
  const limits = new Map(devices.map((d) => [d, modelLimitW(run, d)]));
  // 5 % over the limit is the jitter of CPU-time ticks over a short interval, not an artefact.
  const inAxis = (r: SampleRow) => r.t >= w0 && r.t <= w1 && r.powerW <= (limits.get(r.device) ?? Infinity) * 1.05;
  const kept = rows.filter(inAxis);
  const yTop = Math.max(0, ...(kept.length > 0 ? kept : rows).map((r) => r.powerW));
  const left = rows.filter((r) => r.powerW > yTop);
  let note: string | undefined;
  if (left.length > 0 && kept.length > 0) {
    const worst = left.reduce((a, r) => (r.powerW > a.powerW ? r : a));
    const limit = limits.get(worst.device);
    note = `${left.length} sample(s) above the axis (highest ${Number(worst.powerW.toPrecision(3))} W, ${worst.device} at ${Number(worst.t.toFixed(2))} s${
      limit !== undefined && worst.powerW > limit * 1.05
        ? `, above the ${Number(limit.toPrecision(3))} W its estimate allows`
        : worst.t < w0
          ? ', before the first measured window'
          : ''
    }: start-up artefacts) are left out of the axis range; they stay in samples.csv and in the energy figures.`;
  }
  const config: ChartConfiguration<'line'> = {
    type: 'line',
    data: {
      datasets: devices.map((d, i) => ({
        label: `${d} (${method.get(d) === 'estimated' ? 'ESTIMATED' : (method.get(d) ?? rows.find((r) => r.device === d)?.method ?? 'n/a')})`,
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
        title: {
          display: true,
          text: 'Power over time per device; numbered bands are the phases (list below the chart)',
          // Room between the title and the plot for three rows of band numbers.
          padding: { top: 10, bottom: 3 * LABEL_ROW_PX + 6 },
        },
        legend: { display: true, position: 'bottom' },
      },
      scales: {
        x: {
          type: 'linear',
          min: xMin <= 0.1 * (xMax - xMin) ? 0 : roundDown(xMin, xMax - xMin),
          max: roundUp(xMax, xMax - xMin),
          title: { display: true, text: 'seconds since the meter started' },
        },
        y: {
          beginAtZero: true,
          max: niceTop(yTop * 1.08),
          title: {
            display: true,
            text: `watts${run.meter.domains.some((d) => d.method === 'estimated') ? ' (ESTIMATED devices marked)' : ''}`,
          },
        },
      },
    },
    plugins: [bandsPlugin(bands)],
  };
  return { config, bands, ...(note ? { note } : {}) };
}

/** A round axis end at or above x: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k. */
export function niceTop(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const k = 10 ** Math.floor(Math.log10(x));
  return ([1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * k >= x * (1 - 1e-12)) ?? 10) * k;
}

/** Axis ends rounded to whole seconds, or to tenths for a run shorter than 10 s. */
const step = (span: number) => (span < 10 ? 0.1 : 1);
const roundDown = (x: number, span: number) => Number((Math.floor(x / step(span) + 1e-9) * step(span)).toFixed(1));
const roundUp = (x: number, span: number) => Number((Math.ceil(x / step(span) - 1e-9) * step(span)).toFixed(1));
