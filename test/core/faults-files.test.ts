/**
 * Fault injection at the write layer (issue 12, defects 3 and 7): atomic writes on a full disk, a
 * read-only file system and a path through a file fail with a FileWriteError that names the path
 * and the cause, leave no temporary file, and leave the old file as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileWriteError, writeFileAtomic, writeJsonAtomic } from '../../src/core/files.js';
import { fillUntil, mountTmpfs, remountReadOnly, umount } from '../support/tmpfs.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-faults-files-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const mnt = join(tmp, 'mnt');
const noMount = mountTmpfs(mnt, '1m');
if (!noMount) umount(mnt);

function assertWriteError(fn: () => void, path: string, code: string, words: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FileWriteError, `a FileWriteError, got ${String(e)}`);
    assert.equal(e.path, path);
    assert.equal(e.code, code);
    assert.ok(e.message.startsWith(`cannot write ${path}: `), e.message);
    assert.match(e.message, words);
    return true;
  });
}

test('a full disk: FileWriteError naming the file and ENOSPC, no temporary file left, the old content intact', { skip: noMount }, () => {
  mountTmpfs(mnt, '1m');
  try {
    const file = join(mnt, 'run.json');
    writeJsonAtomic(file, { status: 'running' });
    fillUntil(mnt, 0);
    assertWriteError(() => writeFileAtomic(file, 'x'.repeat(200_000)), file, 'ENOSPC', /no space left on the device \(ENOSPC\)/);
    assert.deepEqual(
      readdirSync(mnt).filter((f) => f.includes('.tmp-')),
      [],
      'no temporary file left behind',
    );
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { status: 'running' }, 'the old file is untouched');
  } finally {
    umount(mnt);
  }
});

test('a read-only file system: FileWriteError naming the file and EROFS', { skip: noMount }, () => {
  mountTmpfs(mnt, '1m');
  try {
    remountReadOnly(mnt);
    const file = join(mnt, 'report.html');
    assertWriteError(() => writeFileAtomic(file, 'x'), file, 'EROFS', /read-only file system \(EROFS\)/);
  } finally {
    umount(mnt);
  }
});

test('a path through a file: FileWriteError naming the path and ENOTDIR (no mount needed)', () => {
  const plain = join(tmp, 'plain-file');
  writeFileSync(plain, 'I am a file');
  const file = join(plain, 'run.json');
  assertWriteError(() => writeFileAtomic(file, '{}'), file, 'ENOTDIR', /a part of the path is a file, not a folder \(ENOTDIR\)/);
  assert.equal(readFileSync(plain, 'utf8'), 'I am a file');
});
