/**
 * A suite's data as JSON Lines, for models outside kdbench (a PyTorch script, a command suite): the same
 * examples and the same split, so that both frameworks are compared on identical data. One line per
 * example, the training split first, then the test split, each in kdbench's order:
 *
 *   {"id":"spam-2/01234","text":"...","label":"spam","labelIndex":1,"split":"train"}
 *
 * `labelIndex` indexes the dataset's classes (in kdbench's order); `group` is there where the dataset
 * groups examples by source text (brown-genre). The teacher's logits for a command student use the same
 * order (writeTeacherLogits).
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../core/files.js';
import type { PreparedData } from './prepare.js';
import type { PreparedRetrieval } from './retrieval.js';
import type { Example } from './types.js';

export interface ExportSummary {
  file: string;
  classes: string[];
  train: number;
  test: number;
  bytes: number;
  sha256: string;
}

function line(e: Example, classes: string[], split: 'train' | 'test'): string {
  return JSON.stringify({
    id: e.id,
    text: e.text,
    label: classes[e.label],
    labelIndex: e.label,
    split,
    ...(e.group !== undefined ? { group: e.group } : {}),
  });
}

/** The JSONL text of the prepared data (training split, then test split). */
export function exportJsonl(data: Pick<PreparedData, 'examples' | 'dataset'>): string {
  const { classes } = data.dataset;
  const lines = [...data.examples.train.map((e) => line(e, classes, 'train')), ...data.examples.test.map((e) => line(e, classes, 'test'))];
  return lines.join('\n') + '\n';
}

/** Writes the JSONL file atomically (its folder is created) and says what it holds. */
export function writeJsonl(data: Pick<PreparedData, 'examples' | 'dataset'>, file: string): ExportSummary {
  const text = exportJsonl(data);
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, text);
  return {
    file,
    classes: data.dataset.classes,
    train: data.examples.train.length,
    test: data.examples.test.length,
    bytes: Buffer.byteLength(text),
    sha256: createHash('sha256').update(text).digest('hex'),
  };
}

/**
 * The teacher's logits on the training split, one line per training example in the order of the
 * exported data: {"id":"...","logits":[2.1,-0.3]} (columns in the dataset's class order).
 */
export function writeTeacherLogits(file: string, train: readonly Example[], logits: Float32Array, classes: number): void {
  if (logits.length !== train.length * classes)
    throw new Error(`teacher logits: ${logits.length} values for ${train.length} examples x ${classes} classes`);
  const lines = train.map((e, i) => JSON.stringify({ id: e.id, logits: Array.from(logits.subarray(i * classes, (i + 1) * classes)) }));
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, lines.join('\n') + '\n');
}

/**
 * A retrieval suite's pairs as JSON Lines (`kdbench data export` of a `task: retrieval` suite, and the
 * KDBENCH_DATA file of retrieval command models): the training split, then the test split, one pair a line,
 *
 *   {"split":"test","i":0,"id":"spam-2/01234","query":"...","doc":"..."}
 *
 * `i` is the pair's index in its split; test document i is the relevant one of test query i, and the test
 * documents are the index. `group` is there where pairs are grouped by source text (brown-genre).
 */
export function exportRetrievalJsonl(data: Pick<PreparedRetrieval, 'pairs'>): string {
  const lines: string[] = [];
  for (const split of ['train', 'test'] as const)
    data.pairs[split].forEach((p, i) =>
      lines.push(JSON.stringify({ split, i, id: p.id, query: p.query, doc: p.doc, ...(p.group !== undefined ? { group: p.group } : {}) })),
    );
  return lines.join('\n') + '\n';
}

/** Writes the retrieval JSONL atomically (its folder is created) and says what it holds. */
export function writeRetrievalJsonl(data: Pick<PreparedRetrieval, 'pairs'>, file: string): Omit<ExportSummary, 'classes'> {
  const text = exportRetrievalJsonl(data);
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, text);
  return {
    file,
    train: data.pairs.train.length,
    test: data.pairs.test.length,
    bytes: Buffer.byteLength(text),
    sha256: createHash('sha256').update(text).digest('hex'),
  };
}
