/** Colours, fonts and helpers shared by the charts. */
import type { RunJson } from '../../core/contract.js';

/**
 * The family every chart draws text in: the shipped DejaVu Sans (render.ts registers it under this
 * name), then the system's sans-serif only where the shipped font could not be loaded.
 */
export const FONT_FAMILY = 'kdbench DejaVu Sans';

/** A canvas font string in the shipped family: font(12), font(12, 'bold'). */
export function font(px: number, weight: 'normal' | 'bold' = 'normal'): string {
  return `${weight === 'bold' ? 'bold ' : ''}${px}px "${FONT_FAMILY}", sans-serif`;
}

export const ROLE_COLOURS: Record<string, string> = {
  teacher: '#c0392b',
  student: '#2471a3',
  control: '#7f8c8d',
  other: '#b7950b',
};

/** Light fills for phase bands, by the role of the phase's model. */
export const ROLE_BANDS: Record<string, string> = {
  teacher: 'rgba(192,57,43,0.13)',
  student: 'rgba(36,113,163,0.13)',
  control: 'rgba(127,140,141,0.16)',
  other: 'rgba(183,149,11,0.12)',
};

export const DEVICE_COLOURS = ['#1b4f72', '#d35400', '#117a65', '#6c3483', '#b03a2e', '#7d6608', '#2e4053', '#a04000'];

export function roleOf(run: RunJson, model: string | undefined): string {
  return run.models.find((m) => m.name === model)?.role ?? 'other';
}

export function legendItems(entries: [string, string][]) {
  return entries.map(([text, colour]) => ({ text, fillStyle: colour, strokeStyle: colour, lineWidth: 0, hidden: false, datasetIndex: 0 }));
}

export const ROLE_LEGEND = legendItems([
  ['teacher', ROLE_COLOURS.teacher],
  ['student', ROLE_COLOURS.student],
  ['control (no teacher)', ROLE_COLOURS.control],
  ['no model (data, evaluation)', ROLE_COLOURS.other],
]);
