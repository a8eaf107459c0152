/**
 * Run by fonts.test.ts in a mount namespace whose font folders are empty (no system fonts): draws text
 * with the system's sans-serif (the control: nothing may appear), then a report chart with kdbench's
 * shipped font, and prints what it saw as JSON. Does nothing unless KDBENCH_FONT_PROBE=1 (the test
 * runner loads every file under test/).
 */
import { createCanvas, GlobalFonts, loadImage } from '@napi-rs/canvas';

/** Pixels clearly darker than the white background in a band of rows. */
export function darkPixels(data: Uint8ClampedArray, width: number, y0: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      if (data[i] + data[i + 1] + data[i + 2] < 3 * 160) n++;
    }
  return n;
}

/** The chart the probe draws: the hand run's energy per phase (a title, axis titles, ticks, a legend). */
export async function probeChart(): Promise<Buffer> {
  const { renderPng } = await import('../../src/report/render.js');
  const { energyPerPhaseChart } = await import('../../src/report/charts/energy-per-phase.js');
  const { handRun } = await import('../fixtures/runs/hand-run.js');
  return renderPng(energyPerPhaseChart(handRun()), 800, 400);
}

if (process.env.KDBENCH_FONT_PROBE === '1') {
  const systemFamilies = GlobalFonts.families.map((f) => f.family);
  const control = createCanvas(300, 40);
  const ctx = control.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, 300, 40);
  ctx.fillStyle = '#000';
  ctx.font = '20px sans-serif';
  ctx.fillText('Energy per phase', 5, 28);
  const controlDark = darkPixels(ctx.getImageData(0, 0, 300, 40).data, 300, 0, 40);
  const png = await probeChart();
  const { fontProblem } = await import('../../src/report/render.js');
  const img = await loadImage(png);
  const canvas = createCanvas(img.width, img.height);
  const c2 = canvas.getContext('2d');
  c2.drawImage(img, 0, 0);
  const data = c2.getImageData(0, 0, img.width, img.height).data;
  // The title sits in the top 30 rows, where nothing but text is drawn.
  const titleDark = darkPixels(data, img.width, 0, 30);
  process.stdout.write(
    JSON.stringify({ systemFamilies, controlDark, titleDark, fontProblem: fontProblem ?? null, png: png.toString('base64') }),
  );
}
