/**
 * Charts carry their text on a machine without any system font (an NVIDIA H200 server drew charts with no
 * title, axes or legend): a child process draws a chart in a mount namespace whose font folders are empty.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeChart } from './font-probe.js';
import { FONT_FILES, FONT_PACKAGE } from '../../src/report/render.js';

const PROBE = fileURLToPath(new URL('./font-probe.js', import.meta.url));
/** Where Skia (@napi-rs/canvas) and fontconfig look for fonts. */
const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', join(homedir(), '.fonts'), join(homedir(), '.local/share/fonts')].filter(
  (d) => existsSync(d),
);

/** Runs the probe with every font folder hidden under an empty tmpfs; null when this machine cannot make such a namespace. */
function probeWithoutFonts(): { out: string; why?: string } {
  const script = `set -e; for d in "$@"; do mount -t tmpfs none "$d"; done; exec "${process.execPath}" "${PROBE}"`;
  const attempts = [
    ['unshare', '--mount', '--propagation', 'private'],
    ['unshare', '--user', '--map-root-user', '--mount'],
  ];
  const errors: string[] = [];
  for (const a of attempts) {
    const r = spawnSync(a[0], [...a.slice(1), 'sh', '-c', script, 'probe', ...FONT_DIRS], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, KDBENCH_FONT_PROBE: '1' },
      maxBuffer: 32 * 2 ** 20,
    });
    if (r.status === 0 && r.stdout.startsWith('{')) return { out: r.stdout };
    errors.push(`${a.join(' ')}: ${(r.error?.message ?? r.stderr).trim().split('\n').at(-1)}`);
  }
  return { out: '', why: errors.join('; ') };
}

test('the shipped font ships: its package, licence and files are installed', () => {
  const dir = fileURLToPath(new URL(`../../../node_modules/${FONT_PACKAGE}/`, import.meta.url));
  assert.ok(existsSync(join(dir, 'LICENSE')), 'the font licence is in the package');
  for (const f of FONT_FILES) assert.ok(existsSync(join(dir, 'ttf', f)), `${f} missing`);
});

test('with no system font visible, a chart still has text, drawn byte for byte as with system fonts', async (t) => {
  const r = probeWithoutFonts();
  if (r.why) {
    t.skip(`cannot hide the system fonts here (no mount namespace: ${r.why})`);
    return;
  }
  const seen = JSON.parse(r.out) as {
    systemFamilies: string[];
    controlDark: number;
    titleDark: number;
    fontProblem: string | null;
    png: string;
  };
  // The isolation works: no font family is visible, and text drawn with the system's sans-serif leaves no pixel.
  assert.deepEqual(seen.systemFamilies, [], 'system fonts are still visible to the probe');
  assert.equal(seen.controlDark, 0, 'text without a font drew pixels: the probe is not isolated');
  assert.equal(seen.fontProblem, null);
  // The chart's title is there (a line of text is some hundreds of dark pixels).
  assert.ok(seen.titleDark > 300, `only ${seen.titleDark} dark pixels in the title strip`);
  // And the chart is the same PNG as here, where the system's fonts are visible too.
  assert.ok(Buffer.from(seen.png, 'base64').equals(await probeChart()), 'the chart differs with and without system fonts');
});
