/** report.html in a real headless browser: renders, charts decode, no console errors; strings from suites are escaped. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CHROMIUM, handRun, openInChromium, writeRunDir } from '../fixtures/runs/hand-run.js';
import { writeReports } from '../../src/report/index.js';
import { esc } from '../../src/report/html.js';
import { md } from '../../src/report/markdown.js';
import type { RunJson } from '../../src/core/contract.js';

const EVIL_TEACHER = `<script>document.body.setAttribute('data-pwned','1')</script>`;
const EVIL_STUDENT = `"><img src=x onerror="document.body.setAttribute('data-pwned','2')">`;
const EVIL_SUITE = `</title><script>document.body.setAttribute('data-pwned','3')</script>`;
const EVIL_TEXT = `a | b *bold* <b>x</b> 'quotes' "double" & \`tick\``;

/** The hand-written run with names and texts a hostile or careless suite could carry. */
function evilRun(): RunJson {
  const run = handRun();
  const rename: Record<string, string> = { teacher: EVIL_TEACHER, 'student-a': EVIL_STUDENT };
  const swap = (s: string) => Object.entries(rename).reduce((a, [from, to]) => a.split(from).join(to), s);
  for (const m of run.models) {
    m.name = swap(m.name);
    if (m.pairedWith) m.pairedWith = swap(m.pairedWith);
    m.training.phase = swap(m.training.phase);
  }
  for (const p of run.phases) {
    p.name = swap(p.name);
    if (p.model) p.model = swap(p.model);
  }
  for (const r of run.inference) {
    r.model = swap(r.model);
    r.phase = swap(r.phase);
  }
  run.suite!.name = EVIL_SUITE;
  run.reproduce = `kdbench run '${EVIL_SUITE}'`;
  (run.environment as { suiteConfig: { description: string } }).suiteConfig.description = EVIL_TEXT;
  run.meter.notes = [EVIL_TEXT];
  return run;
}

let tmp = '';
let evilDir = '';
let plainDir = '';
before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'kdbench-report-html-'));
  evilDir = writeRunDir(join(tmp, 'evil'), evilRun());
  plainDir = writeRunDir(join(tmp, 'plain'), handRun());
  await writeReports(evilDir);
  await writeReports(plainDir);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('escaping helpers', () => {
  assert.equal(esc(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.equal(md('a|b <i>*x*</i> [l](u)'), 'a\\|b &lt;i&gt;\\*x\\*&lt;/i&gt; \\[l\\](u)');
});

test('names and texts from suites are escaped in report.html and report.md', () => {
  const html = readFileSync(join(evilDir, 'report.html'), 'utf8');
  assert.equal((html.match(/<script/g) ?? []).length, 1, "only the report's own script");
  assert.equal((html.match(/<img /g) ?? []).length, (html.match(/src="data:image\/png;base64,/g) ?? []).length, 'only chart images');
  for (const raw of [EVIL_TEACHER, EVIL_STUDENT, EVIL_SUITE, '<b>x</b>']) assert.ok(!html.includes(raw), `unescaped in HTML: ${raw}`);
  assert.ok(html.includes(esc(EVIL_TEACHER)));
  assert.ok(html.includes(esc(EVIL_STUDENT)));
  assert.ok(html.includes(`<title>kdbench report: ${esc(EVIL_SUITE)}</title>`));
  const mdText = readFileSync(join(evilDir, 'report.md'), 'utf8');
  // Outside code blocks (where Markdown shows text verbatim), no raw HTML.
  const prose = mdText.replace(/^(`{3,})\n[\s\S]*?\n\1$/gm, '');
  for (const raw of ['<script>', '<img ', '<b>'])
    assert.ok(!prose.includes(raw), `raw HTML in Markdown: ${raw}: ${prose.split('\n').find((l) => l.includes(raw))}`);
  assert.ok(mdText.includes('&lt;script&gt;document.body.setAttribute'));
  // A table cell with "|" must not split the table: every row of the models table has as many cells as its header.
  const table = mdText.split('## Models\n\n')[1].split('\n\n')[0].split('\n');
  const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length;
  assert.ok(
    table.every((l) => cells(l) === cells(table[0])),
    table.join('\n'),
  );
  // The reproduce command stays verbatim inside its code block.
  assert.ok(mdText.includes(`\`\`\`\nkdbench run '${EVIL_SUITE}'\n\`\`\``));
});

for (const which of ['plain', 'evil'] as const) {
  test(`report.html (${which} run) renders in headless Chromium: charts decoded, no console errors, nothing injected`, (t) => {
    if (!CHROMIUM) {
      t.skip('chromium is not installed (apt-get install -y chromium); browser check skipped');
      return;
    }
    const dir = which === 'plain' ? plainDir : evilDir;
    const r = openInChromium(join(dir, 'report.html'));
    assert.equal(r.status, 0);
    const m = r.dom.match(/<body data-charts="(\d+)\/(\d+)"/);
    assert.ok(m, 'the page script did not run (no data-charts marker)');
    assert.ok(Number(m[2]) >= 5, `only ${m[2]} charts`);
    assert.equal(m[1], m[2], `only ${m[1]} of ${m[2]} charts decoded`);
    assert.doesNotMatch(r.dom, /<body[^>]*data-pwned/, 'an injected script ran');
    assert.equal((r.dom.match(/<script/g) ?? []).length, 1, 'an injected script element');
    assert.equal((r.dom.match(/<img /g) ?? []).length, Number(m[2]), 'an injected image element');
    assert.deepEqual(r.console, [], 'console messages (errors, CSP violations)');
    assert.match(r.dom, /<h2 id="[^"]+">Methodology<\/h2>/);
    if (which === 'evil') assert.ok(r.dom.includes('&lt;script&gt;document.body.setAttribute'), 'the name is shown as text');
  });
}
