/**
 * run.json and every report file are replaced whole: a reader holding the old file keeps a complete
 * old file, a new reader gets the complete new one, and no half-written file is ever at the path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../src/core/files.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-files-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function readFd(fd: number): string {
  const buf = Buffer.alloc(1 << 20);
  const n = readSync(fd, buf, 0, buf.length, 0);
  return buf.subarray(0, n).toString('utf8');
}

test('the file is replaced, not rewritten in place: an open reader still sees the whole old content', () => {
  const path = join(tmp, 'run.json');
  const old = JSON.stringify({ status: 'running', pad: 'x'.repeat(50_000) }, null, 2) + '\n';
  writeFileSync(path, old);
  const inode = statSync(path).ino;
  const fd = openSync(path, 'r');
  try {
    writeJsonAtomic(path, { status: 'completed' });
    // A rename gives the path a new inode; the old one, still open, is untouched.
    assert.notEqual(statSync(path).ino, inode, 'the path still points at the same inode: the file was rewritten in place');
    assert.equal(readFd(fd), old, 'the reader of the old file saw it change under it');
  } finally {
    closeSync(fd);
  }
  assert.equal(readFileSync(path, 'utf8'), '{\n  "status": "completed"\n}\n');
  assert.deepEqual(readdirSync(tmp), ['run.json'], 'a temporary file was left behind');
});

test('binary data (a chart) is written byte for byte, and a second write replaces the first', () => {
  const path = join(tmp, 'chart.png');
  const a = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
  writeFileAtomic(path, a);
  assert.ok(readFileSync(path).equals(a));
  const inode = statSync(path).ino;
  writeFileAtomic(path, 'short');
  assert.equal(readFileSync(path, 'utf8'), 'short');
  assert.notEqual(statSync(path).ino, inode);
  assert.deepEqual(readdirSync(tmp).sort(), ['chart.png', 'run.json']);
});

test('a write that cannot complete throws and leaves nothing behind', () => {
  const path = join(tmp, 'gone', 'run.json');
  assert.throws(() => writeJsonAtomic(path, { status: 'completed' }), /ENOENT/);
  assert.deepEqual(readdirSync(tmp).sort(), ['chart.png', 'run.json']);
});
