/**
 * Draws chart.js charts to PNG on @napi-rs/canvas (no native build, no browser), in a font that ships
 * with kdbench: DejaVu Sans from the npm package dejavu-fonts-ttf (Bitstream Vera licence with DejaVu's
 * public-domain changes; node_modules/dejavu-fonts-ttf/LICENSE). Charts therefore draw the same text on
 * every machine, including servers with no system fonts at all (where chart.js's default family would
 * draw no text), and rebuild byte for byte.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import { FONT_FAMILY } from './charts/common.js';

Chart.register(...registerables);

/** The font files registered under FONT_FAMILY, and where they come from. */
export const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];
export const FONT_PACKAGE = 'dejavu-fonts-ttf';

/** Registers the shipped font once; returns the problem in words when it cannot (charts then fall back to system fonts). */
function registerFont(): string | undefined {
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve(`${FONT_PACKAGE}/package.json`)), 'ttf');
  } catch {
    return `the font package ${FONT_PACKAGE} is not installed (run npm ci): charts use whatever fonts this machine has, and may show no text`;
  }
  for (const f of FONT_FILES) {
    if (!GlobalFonts.registerFromPath(join(dir, f), FONT_FAMILY))
      return `cannot load ${join(dir, f)}: charts use whatever fonts this machine has, and may show no text`;
  }
  return undefined;
}

/** Why the shipped font is not in use, or undefined when it is. */
export const fontProblem = registerFont();

Chart.defaults.font.family = `"${FONT_FAMILY}", sans-serif`;
Chart.defaults.color = '#333';

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
