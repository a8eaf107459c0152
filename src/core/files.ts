/**
 * Files of a run directory are written whole or not at all: a temporary file in the same folder, then
 * rename. A write that fails (a full disk, a read-only file system, a path through a file) leaves no
 * temporary file behind and throws a FileWriteError that names the path and the cause in words.
 */
import { writeFileSync, renameSync, rmSync } from 'node:fs';

/** The causes of a failed write that are the machine's, not a bug: said in words, never with a stack. */
const IO_CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ENOENT: 'the folder does not exist',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  ENAMETOOLONG: 'the name is too long',
  EPIPE: 'the reader closed the pipe',
  EBUSY: 'the resource is busy',
  EXDEV: 'not on the same file system',
  ELOOP: 'too many symbolic links',
  EINVAL: 'this file system does not accept the write',
};

/** The cause of an I/O error in words, with its code: "no space left on the device (ENOSPC)". */
export function ioCause(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && IO_CAUSES[code]) return `${IO_CAUSES[code]} (${code})`;
  return code ? `${(e as Error).message.replace(/^[A-Z]+: /, '')}` : String((e as Error)?.message ?? e);
}

/** True for an error the operating system raised on a file (it has an errno code kdbench can name). */
export function isIoError(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && code in IO_CAUSES;
}

/**
 * A file of a run (or report) could not be written. `path` is the file that was meant; `code` the
 * errno code (ENOSPC, EROFS, ENOTDIR ...). The CLI prints the message alone (no stack) and exits 1.
 */
export class FileWriteError extends Error {
  readonly code: string;
  constructor(
    readonly path: string,
    cause: unknown,
    /** Said after the cause: what it means for the run. */
    note?: string,
  ) {
    super(`cannot write ${path}: ${ioCause(cause)}${note ? `; ${note}` : ''}`);
    this.name = 'FileWriteError';
    this.code = (cause as NodeJS.ErrnoException)?.code ?? 'EIO';
  }
}

/** The error as a FileWriteError naming `path` where it is an OS error on a file; anything else unchanged. */
export function asWriteError(e: unknown, path: string): unknown {
  return e instanceof FileWriteError || !isIoError(e) ? e : new FileWriteError(path, e);
}

/**
 * Writes a file atomically: a temporary file in the same folder, then rename. On failure the
 * temporary file is removed and a FileWriteError naming `path` is thrown; the old file is untouched.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* nothing more can be done where even the removal fails; the error below names the path */
    }
    throw asWriteError(e, path);
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
