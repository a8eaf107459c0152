/**
 * Renders report blocks to one self-contained HTML file: CSS inline, charts as PNG data URIs
 * (drawn server-side with the same chart.js code as the PNGs next to report.md), no network, no
 * external file. Why PNG and not chart.js in the page: the file then opens offline in any browser
 * or mail viewer, shows exactly the charts report.md shows, is byte-for-byte reproducible, and
 * needs no script for its content. The one inline script only marks in the DOM that the charts
 * decoded (the headless-browser check reads it); a Content-Security-Policy allows that script by
 * its hash and nothing else, so even a name that slipped past escaping could not run.
 */
import { createHash } from 'node:crypto';
import type { Block, Inline } from './doc.js';

export function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function inline(parts: Inline[]): string {
  return parts
    .map((x) => (typeof x === 'string' ? esc(x) : 'b' in x ? `<strong>${esc(x.b)}</strong>` : `<code>${esc(x.code)}</code>`))
    .join('');
}

const slug = (s: string, i: number) =>
  `s${i}-${s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}`;

/** Marks <body data-charts="decoded/total"> once the page has loaded. */
export const CHECK_SCRIPT =
  "window.addEventListener('load',function(){var n=0,t=document.images.length;for(var i=0;i<t;i++){var m=document.images[i];if(m.complete&&m.naturalWidth>0)n++;}document.body.setAttribute('data-charts',n+'/'+t);});";

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1c2833;line-height:1.45}
h1{border-bottom:2px solid #2471a3;padding-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #d5d8dc}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em;display:block;overflow-x:auto}
th,td{border:1px solid #d5d8dc;padding:.25em .5em;text-align:left;vertical-align:top}th{background:#f2f4f4}
tr:nth-child(even) td{background:#fbfcfc}
.warning{background:#fef5e7;border-left:4px solid #e67e22;padding:.5em .8em;margin:.6em 0}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #e5e8e8}figcaption{font-size:.85em;color:#555}
pre{background:#f4f6f6;padding:.6em;overflow-x:auto}code{background:#f4f6f6;padding:0 .2em}
nav{font-size:.9em}nav a{margin-right:.8em}
.box{border:2px solid #2471a3;border-radius:6px;padding:0 1em .6em;margin:1em 0;background:#f8fbfd}.box h2{margin-top:.6em}
@media print{nav{display:none}}
`;

export function renderHtml(title: string, blocks: Block[]): string {
  const scriptHash = createHash('sha256').update(CHECK_SCRIPT).digest('base64');
  const csp = `default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'`;
  const body: string[] = [];
  const toc: string[] = [];
  let n = 0;
  const render = (b: Block): void => {
    const i = n++;
    switch (b.kind) {
      case 'h': {
        const id = slug(b.text, i);
        if (b.level === 2) toc.push(`<a href="#${id}">${esc(b.text)}</a>`);
        body.push(`<h${b.level} id="${id}">${esc(b.text)}</h${b.level}>`);
        break;
      }
      case 'p':
        body.push(`<p>${inline(b.parts)}</p>`);
        break;
      case 'warning':
        body.push(`<div class="warning" role="note"><strong>Warning:</strong> ${inline(b.parts)}</div>`);
        break;
      case 'list':
        body.push(`<ul>${b.items.map((x) => `<li>${inline(x)}</li>`).join('')}</ul>`);
        break;
      case 'table':
        body.push(
          `<table><thead><tr>${b.head.map((x) => `<th>${esc(x)}</th>`).join('')}</tr></thead><tbody>${b.rows.map((r) => `<tr>${r.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`,
        );
        break;
      case 'chart':
        body.push(
          `<figure><img alt="${esc(b.title)}" src="data:image/png;base64,${b.png.toString('base64')}">${b.caption ? `<figcaption>${inline(b.caption)}</figcaption>` : ''}</figure>`,
        );
        break;
      case 'code':
        body.push(`<pre><code>${esc(b.text)}</code></pre>`);
        break;
      case 'box':
        body.push('<section class="box">');
        b.blocks.forEach(render);
        body.push('</section>');
        break;
    }
  };
  blocks.forEach(render);
  // The title is the first heading; the table of contents follows it.
  const first = body.findIndex((x) => x.startsWith('<h1'));
  if (toc.length > 1) body.splice(first + 1, 0, `<nav>${toc.join(' ')}</nav>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kdbench">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body.join('\n')}
<script>${CHECK_SCRIPT}</script>
</body>
</html>
`;
}
