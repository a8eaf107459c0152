/** Draws chart.js charts to PNG on @napi-rs/canvas (no native build, no browser). */
import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';

Chart.register(...registerables);

const whiteBackground: Plugin = {
  id: 'kdbench-white-background',
  beforeDraw: (chart) => {
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

export function renderPng(config: ChartConfiguration, width = 900, height = 480): Buffer {
  const canvas = createCanvas(width, height);
  const cfg: ChartConfiguration = {
    ...config,
    options: { ...config.options, animation: false, responsive: false, devicePixelRatio: 1 },
    plugins: [...(config.plugins ?? []), whiteBackground],
  };
  // chart.js accepts a 2D context; @napi-rs/canvas's is API-compatible with the browser's.
  const chart = new Chart(canvas.getContext('2d') as unknown as CanvasRenderingContext2D, cfg);
  const png = canvas.toBuffer('image/png');
  chart.destroy();
  return png;
}
