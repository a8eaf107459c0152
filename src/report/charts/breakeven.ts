/** Break-even chart: cumulative energy of "teacher alone" against "distillation + student" over the inferences served. */
import type { ChartConfiguration, Plugin } from 'chart.js';
import { inferencesInWords, type BreakEven } from '../breakeven.js';
import { font, ROLE_COLOURS } from './common.js';

/** The x range: twice N* (so the crossing sits mid-chart), or a round range when there is none. */
export function breakEvenRange(b: BreakEven): number {
  if (b.nStar !== null && b.nStar > 0) return niceCeil(2 * b.nStar);
  const perInf = Math.max(b.teacherJPerInference, b.studentJPerInference, 1e-12);
  return niceCeil(Math.max(1000, (b.distillationJ / perInf) * 2));
}

/** The next 1, 2 or 5 x 10^k at or above x (a round axis end). */
export function niceCeil(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const k = 10 ** Math.floor(Math.log10(x));
  return ([1, 2, 5, 10].find((m) => m * k >= x * (1 - 1e-12)) ?? 10) * k;
}

const markPlugin = (b: BreakEven): Plugin<'line'> => ({
  id: 'kdbench-breakeven-mark',
  afterDatasetsDraw: (chart) => {
    if (b.nStar === null) return;
    const { ctx, scales, chartArea } = chart;
    const x = scales.x.getPixelForValue(b.nStar);
    const y = scales.y.getPixelForValue(b.nStar * b.teacherJPerInference);
    ctx.save();
    ctx.strokeStyle = '#222';
    ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.moveTo(x, chartArea.bottom);
    ctx.lineTo(x, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#222';
    ctx.beginPath();
    ctx.arc(x, y, 5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.font = font(12, 'bold');
    ctx.textAlign = 'right';
    ctx.fillText(`break-even: ${inferencesInWords(b.nStar)} inferences`, x - 8, y - 10);
    ctx.restore();
  },
});

/** `estimate` labels the energy ("ESTIMATED", "partly ESTIMATED (cpu)"), or "" where every device is measured. */
export function breakEvenChart(b: BreakEven, estimate = ''): ChartConfiguration<'line'> {
  const tag = estimate ? ` (${estimate})` : '';
  const n = breakEvenRange(b);
  const xs = [0, n];
  return {
    type: 'line',
    data: {
      datasets: [
        {
          label: `teacher alone (${b.teacher}): N x ${b.teacherJPerInference.toPrecision(3)} J`,
          data: xs.map((x) => ({ x, y: x * b.teacherJPerInference })),
          borderColor: ROLE_COLOURS.teacher,
          backgroundColor: ROLE_COLOURS.teacher,
          pointRadius: 0,
          borderWidth: 2,
        },
        {
          label: `distil + ${b.student}: ${b.distillationJ.toPrecision(3)} J + N x ${b.studentJPerInference.toPrecision(3)} J`,
          data: xs.map((x) => ({ x, y: b.distillationJ + x * b.studentJPerInference })),
          borderColor: ROLE_COLOURS.student,
          backgroundColor: ROLE_COLOURS.student,
          pointRadius: 0,
          borderWidth: 2,
        },
      ],
    },
    options: {
      parsing: false,
      plugins: {
        title: {
          display: true,
          text:
            b.nStar === null
              ? `Break-even, ${b.student}: never (not cheaper per inference than the teacher)${tag}`
              : `Break-even, ${b.student}: after ${inferencesInWords(b.nStar)} inferences (batch ${b.batchSize})${tag}`,
        },
        legend: { display: true, position: 'bottom' },
      },
      scales: {
        x: { type: 'linear', min: 0, max: n, title: { display: true, text: 'inferences served (N)' } },
        y: { beginAtZero: true, title: { display: true, text: `cumulative energy (J${estimate ? `, ${estimate}` : ''})` } },
      },
    },
    plugins: [markPlugin(b)],
  };
}
