/** A real --quick run, then `kdbench report` on a copy with every report file deleted: the rebuild must equal the original. */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, openInChromium } from '../fixtures/runs/hand-run.js';
import { energyHeaders, htmlTableHeader } from '../support/report-parse.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const REPORT_FILES = ['summary.csv', 'inference.csv', 'emissions.csv', 'report.md', 'report.html'];
let tmp = '';
let original = '';

function listFiles(dir: string, sub = ''): string[] {
  return readdirSync(join(dir, sub), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(dir, join(sub, e.name)) : [join(sub, e.name)]))
    .sort();
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'kdbench-report-'));
  original = join(tmp, 'run');
  const r = spawnSync(process.execPath, [MAIN, 'run', '--quick', '--quiet', '--out', original], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `kdbench run --quick failed: ${r.stderr}`);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('kdbench run writes every report file', () => {
  const files = listFiles(original);
  for (const f of [...REPORT_FILES, 'run.json', 'samples.csv']) assert.ok(files.includes(f), `${f} missing; got ${files.join(', ')}`);
  const charts = files.filter((f) => f.startsWith('charts/'));
  for (const c of ['charts/power.png', 'charts/energy-per-phase.png', 'charts/pareto.png', 'charts/co2-per-phase.png'])
    assert.ok(charts.includes(c), `${c} missing`);
  assert.ok(
    charts.some((c) => c.startsWith('charts/breakeven-')),
    'no break-even chart',
  );
  for (const c of charts)
    assert.deepEqual(
      [...readFileSync(join(original, c)).subarray(0, 8)],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      `${c} is not a PNG`,
    );
});

test('kdbench report rebuilds every report file from run.json + samples.csv, byte for byte', () => {
  const copy = join(tmp, 'copy');
  cpSync(original, copy, { recursive: true });
  for (const f of REPORT_FILES) rmSync(join(copy, f));
  rmSync(join(copy, 'charts'), { recursive: true });
  const r = spawnSync(process.execPath, [MAIN, 'report', copy], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(listFiles(copy), listFiles(original));
  for (const f of listFiles(original))
    assert.ok(readFileSync(join(copy, f)).equals(readFileSync(join(original, f))), `${f} differs after the rebuild`);
});

test('the report states the method, the reproduce command and the suite hash', () => {
  const run = JSON.parse(readFileSync(join(original, 'run.json'), 'utf8'));
  const mdText = readFileSync(join(original, 'report.md'), 'utf8');
  const html = readFileSync(join(original, 'report.html'), 'utf8');
  for (const section of ['## Decision', '## Models', '## Break-even', '## Methodology', '### Meters', '### Carbon inputs', '### Reproduce'])
    assert.ok(mdText.includes(section), `${section} missing`);
  assert.ok(mdText.includes(run.suite.sha256) && html.includes(run.suite.sha256));
  assert.ok(mdText.includes(run.reproduce) && html.includes(run.reproduce));
  // This machine has no RAPL: the CPU is estimated, and the report says so in plain words.
  if (run.meter.domains.some((d: { method: string }) => d.method === 'estimated')) assert.match(mdText, /ESTIMATED/);
  // Same content in both formats: every chart is a file for Markdown and a data URI in HTML.
  const mdImages = mdText.match(/!\[[^\]]*\]\(charts\/[^)]+\.png\)/g) ?? [];
  const htmlImages = html.match(/<img [^>]*src="data:image\/png;base64,/g) ?? [];
  assert.ok(mdImages.length >= 5);
  assert.equal(htmlImages.length, mdImages.length);
  assert.ok(!/\b(src|href)="(https?:)?\/\//.test(html), 'report.html must not load anything from the network');
});

test('report.html renders in headless Chromium with its charts and no console errors', (t) => {
  if (!CHROMIUM) {
    t.skip('chromium is not installed (apt-get install -y chromium); browser check skipped');
    return;
  }
  const r = openInChromium(join(original, 'report.html'));
  assert.equal(r.status, 0);
  const m = r.dom.match(/<body data-charts="(\d+)\/(\d+)"/);
  assert.ok(m, 'the page script did not run (no data-charts marker)');
  assert.ok(Number(m[2]) >= 5, `only ${m[2]} images`);
  assert.equal(m[1], m[2], `only ${m[1]} of ${m[2]} charts decoded`);
  assert.deepEqual(r.console, []);
  // What the browser shows: the title, a models table with a row per model, and the estimate label in its energy header.
  const run = JSON.parse(readFileSync(join(original, 'run.json'), 'utf8'));
  assert.match(r.dom, new RegExp(`<h1[^>]*>kdbench report: ${run.suite.name}`));
  const models = r.dom.split(/<h2[^>]*>Models<\/h2>/)[1]?.split(/<h2[\s>]/)[0] ?? '';
  const rows = models.match(/<tbody>([\s\S]*?)<\/tbody>/)?.[1].match(/<tr[\s>]/g) ?? [];
  assert.equal(rows.length, run.models.length, 'rows of the models table');
  const header = htmlTableHeader(r.dom, 'Models') ?? [];
  const estimated = run.meter.domains.some((d: { method: string }) => d.method === 'estimated');
  for (const h of energyHeaders(header)) (estimated ? assert.match : assert.doesNotMatch)(h, /ESTIMATED/);
  assert.ok(energyHeaders(header).length >= 1, JSON.stringify(header));
});
