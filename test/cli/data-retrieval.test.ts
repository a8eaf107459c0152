/** `kdbench data export` of a retrieval suite: its pairs, split exactly as the suite's run splits them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { effectiveSuite, loadSuite } from '../../src/suites/load.js';
import { prepareRetrieval } from '../../src/distillation/data/retrieval.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-data-retrieval-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test("retrieval-spam --quick: the training pairs then the test pairs, in the run's order; test document i is query i's", () => {
  const out = join(tmp, 'pairs.jsonl');
  const r = spawnSync(process.execPath, [CLI, 'data', 'export', 'retrieval-spam', '--quick', '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), out);
  assert.match(
    r.stderr,
    /suite retrieval-spam \(--quick\): dataset spam-assassin, seed 20261130: 300 training and 100 test pairs \(query, document\)/,
  );
  const got = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const s = effectiveSuite(loadSuite('retrieval-spam').suite, true);
  const d = prepareRetrieval(s.dataset, s.seed, s.retrieval!.querySeqLen);
  const want = (['train', 'test'] as const).flatMap((split) =>
    d.pairs[split].map((p, i) => ({ split, i, id: p.id, query: p.query, doc: p.doc })),
  );
  assert.deepEqual(got, want);
});
