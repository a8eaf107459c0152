/** `kdbench data export`: a suite's split as JSON Lines, identical to what the suite's run uses; bad input is exit code 2. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { effectiveSuite, loadSuite } from '../../src/suites/load.js';
import { prepareData } from '../../src/distillation/data/prepare.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-data-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const kdbench = (args: string[]) => spawnSync(process.execPath, [CLI, 'data', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
const rows = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; text: string; label: string; labelIndex: number; split: string; group?: string });

test("a suite's --quick split: the training split then the test split, each in kdbench's order, labels by name and index", () => {
  const out = join(tmp, 'nested', 'spam.jsonl');
  const r = kdbench(['export', 'default', '--quick', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), out);
  assert.match(
    r.stderr,
    /suite spam-default \(--quick\): dataset spam-assassin, seed 20261129: 80 training and 80 test examples, classes ham, spam/,
  );
  assert.match(r.stderr, /sha256 [0-9a-f]{64}/);
  const got = rows(out);
  const s = effectiveSuite(loadSuite('default').suite, true);
  const d = prepareData(s.dataset, s.seed);
  const want = [...d.examples.train.map((e) => ({ e, split: 'train' })), ...d.examples.test.map((e) => ({ e, split: 'test' }))];
  assert.equal(got.length, want.length);
  got.forEach((g, i) => {
    const w = want[i];
    assert.deepEqual(g, { id: w.e.id, text: w.e.text, label: ['ham', 'spam'][w.e.label], labelIndex: w.e.label, split: w.split });
  });
});

test('a dataset by name with its own seed and size; groups where the dataset has them', () => {
  const out = join(tmp, 'brown.jsonl');
  const r = kdbench(['export', 'brown-genre', '--max-examples', '60', '--seed', '3', '--test-fraction', '0.25', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const got = rows(out);
  assert.equal(got.length, 60);
  assert.ok(got.every((g) => typeof g.group === 'string'));
  const test_ = new Set(got.filter((g) => g.split === 'test').map((g) => g.group));
  assert.ok(
    got.filter((g) => g.split === 'train').every((g) => !test_.has(g.group)),
    'a text is never on both sides',
  );
});

test('bad input: exit code 2 with a message, no file written', () => {
  const out = join(tmp, 'never.jsonl');
  const cases: [string[], RegExp][] = [
    [['export', 'nope', '--out', out], /unknown suite "nope"; available: .*; or a dataset name: spam-assassin, brown-genre/],
    [['export', 'default'], /--out FILE\.jsonl is required/],
    [['export', 'default', '--seed', '3', '--out', out], /--seed: only with a dataset name/],
    [['export', 'spam-assassin', '--quick', '--out', out], /--quick: only for a suite/],
    [
      ['export', 'spam-assassin', '--test-fraction', '2', '--out', out],
      /--test-fraction: expected a number >= 0.001 and <= 0.999, got "2"/,
    ],
    [['import', 'default'], /data: expected the subcommand "export", got "import"/],
    [['export', 'default', '--out', tmp], /is a directory; give a file name/],
  ];
  for (const [args, message] of cases) {
    const r = kdbench(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  assert.ok(!existsSync(out));
});
