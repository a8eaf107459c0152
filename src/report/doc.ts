/**
 * A report as a list of blocks, rendered to Markdown (markdown.ts) and HTML (html.ts): one
 * content, two formats. All text in blocks is plain text; each renderer escapes it.
 */
export type Inline = string | { b: string } | { code: string };

export type Block =
  | { kind: 'h'; level: 1 | 2 | 3; text: string }
  | { kind: 'p'; parts: Inline[] }
  /** Something the reader must not miss: an estimate, a partial run, a fallback. */
  | { kind: 'warning'; parts: Inline[] }
  | { kind: 'list'; items: Inline[][] }
  | { kind: 'table'; head: string[]; rows: string[][] }
  /** A chart: a PNG file next to report.md, inlined as a data URI in report.html. */
  | { kind: 'chart'; file: string; title: string; png: Buffer; caption?: Inline[] }
  | { kind: 'code'; text: string }
  /** A framed group of blocks the reader sees first (the decision box); Markdown shows its blocks between rules. */
  | { kind: 'box'; blocks: Block[] };

export const p = (...parts: Inline[]): Block => ({ kind: 'p', parts });
export const warning = (...parts: Inline[]): Block => ({ kind: 'warning', parts });
export const h = (level: 1 | 2 | 3, text: string): Block => ({ kind: 'h', level, text });
export const table = (head: string[], rows: string[][]): Block => ({ kind: 'table', head, rows });
export const list = (items: Inline[][]): Block => ({ kind: 'list', items });
export const box = (blocks: Block[]): Block => ({ kind: 'box', blocks });
