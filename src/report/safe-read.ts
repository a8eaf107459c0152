/**
 * Reading the files of a run directory without hanging or exhausting memory on what is not a file:
 * a FIFO named run.json blocks a read forever, /dev/zero never ends, and meter.samplesFile is text
 * from run.json that could point anywhere ("../../../dev/zero"). Only regular files inside the run
 * directory are read.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../core/errors.js';

/** The content of a regular file, else a UserError naming `path` and what it is instead. */
export function readRegularFile(path: string): string {
  const st = statSync(path);
  if (!st.isFile()) {
    const what = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a named pipe' : st.isSocket() ? 'a socket' : 'a device';
    throw new UserError(`${path}: is ${what}, not a file`);
  }
  return readFileSync(path, 'utf8');
}

/** A file name that stays inside the run directory (meter.samplesFile from run.json), else undefined. */
export function fileInRunDir(name: string): string | undefined {
  return name !== '' && name === basename(name) && name !== '.' && name !== '..' ? name : undefined;
}
