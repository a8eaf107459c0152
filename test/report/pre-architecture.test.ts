/** A run directory written before the architecture change still rebuilds byte-identically. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/runs/pre-architecture/', import.meta.url));

test('a run written by kdbench before src/core rebuilds byte-identically with kdbench report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kdbench-pre-arch-'));
  try {
    for (const f of ['run.json', 'samples.csv']) copyFileSync(join(FIXTURE, f), join(dir, f));
    const r = spawnSync(process.execPath, [MAIN, 'report', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const expected = readFileSync(join(FIXTURE, 'expected.sha256'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/));
    assert.ok(expected.length >= 10, 'the list names every report file');
    for (const [sha, file] of expected) {
      const got = createHash('sha256')
        .update(readFileSync(join(dir, file)))
        .digest('hex');
      assert.equal(got, sha, `${file} differs from what the older kdbench drew`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
