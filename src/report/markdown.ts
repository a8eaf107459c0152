/** Renders report blocks to Markdown; every piece of text is escaped (raw HTML in names cannot leak through). */
import type { Block, Inline } from './doc.js';

/** Escapes text for Markdown tables and inline text (also neutralises raw HTML). */
export function md(s: unknown): string {
  return String(s)
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/([*_`[\]])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

function codeSpan(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${longest > 0 ? ' ' : ''}${s.replace(/\r?\n/g, ' ')}${longest > 0 ? ' ' : ''}${fence}`;
}

function inline(parts: Inline[]): string {
  return parts.map((x) => (typeof x === 'string' ? md(x) : 'b' in x ? `**${md(x.b)}**` : codeSpan(x.code))).join('');
}

/** A link target for a file in the run directory: spaces and brackets percent-encoded. */
function target(file: string): string {
  return file.replace(/[ ()<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function renderMarkdown(blocks: Block[]): string {
  const out: string[] = [];
  const render = (b: Block): void => {
    switch (b.kind) {
      case 'h':
        out.push(`${'#'.repeat(b.level)} ${md(b.text)}`);
        break;
      case 'p':
        out.push(inline(b.parts));
        break;
      case 'warning':
        out.push(`> **Warning:** ${inline(b.parts)}`);
        break;
      case 'list':
        out.push(b.items.map((i) => `- ${inline(i)}`).join('\n'));
        break;
      case 'table':
        out.push(
          [
            `| ${b.head.map(md).join(' | ')} |`,
            `| ${b.head.map(() => '---').join(' | ')} |`,
            ...b.rows.map((r) => `| ${r.map(md).join(' | ')} |`),
          ].join('\n'),
        );
        break;
      case 'chart':
        out.push(`![${md(b.title)}](${target(b.file)})`);
        if (b.caption) out.push('', inline(b.caption));
        break;
      case 'code': {
        const longest = Math.max(2, ...(b.text.match(/`+/g) ?? []).map((m) => m.length));
        const fence = '`'.repeat(longest + 1);
        out.push(`${fence}\n${b.text}\n${fence}`);
        break;
      }
      case 'box':
        out.push('---', '');
        b.blocks.forEach(render);
        out.push('---');
        break;
    }
    out.push('');
  };
  blocks.forEach(render);
  return out.join('\n');
}
