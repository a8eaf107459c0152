/** Side-by-side charts of several runs: one colour per run. */
import type { ChartConfiguration } from 'chart.js';
import { DEVICE_COLOURS } from '../charts/common.js';

export interface Series {
  label: string;
  /** One value per category; undefined is drawn as a gap (unknown, not zero). */
  values: (number | undefined)[];
}

/** Grouped bars: categories on the axis, one bar per run in each. */
/** Log scale when the values span more than 20x; its lower end a decade step below the smallest value, so every bar shows. */
function logRange(series: Series[]): { log: boolean; min?: number } {
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== undefined && Number.isFinite(v) && v > 0);
  if (all.length === 0 || Math.max(...all) / Math.min(...all) <= 20) return { log: false };
  return { log: true, min: 10 ** Math.floor(Math.log10(Math.min(...all)) - 0.3) };
}

/** Grouped bars: categories on the axis, one bar per run in each. The title says when the scale is logarithmic. */
export function groupedBars(
  title: string,
  axis: string,
  categories: string[],
  series: Series[],
  horizontal = false,
): ChartConfiguration<'bar'> {
  const { log, min } = logRange(series);
  const tick = (v: number | string) => {
    const n = Number(v);
    if (!log) return Number(n.toPrecision(4)).toString();
    const m = n / 10 ** Math.floor(Math.log10(n) + 1e-9);
    return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6)
      ? n >= 1e-3 && n < 1e5
        ? String(Number(n.toPrecision(3)))
        : n.toExponential(0)
      : '';
  };
  return {
    type: 'bar',
    data: {
      labels: categories,
      datasets: series.map((s, i) => ({
        label: s.label,
        data: s.values.map((v) => (v === undefined || !Number.isFinite(v) ? null : v)) as number[],
        backgroundColor: DEVICE_COLOURS[i % DEVICE_COLOURS.length],
      })),
    },
    options: {
      indexAxis: horizontal ? 'y' : 'x',
      plugins: { title: { display: true, text: `${title}${log ? ' (log scale)' : ''}` }, legend: { display: true, position: 'bottom' } },
      scales: {
        [horizontal ? 'x' : 'y']: {
          type: log ? 'logarithmic' : 'linear',
          min,
          beginAtZero: !log,
          title: { display: true, text: axis },
          ticks: { callback: tick, autoSkip: !log },
        },
      },
    },
  };
}
