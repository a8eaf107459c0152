/**
 * The committed WebAssembly (wasm-binary.ts) is the build of the committed kernels.c: the source hash
 * recorded at build time matches, and the embedded bytes match their recorded hash. Where the same
 * compiler is installed (Debian: apt-get install clang lld), build.sh is run again and must give the
 * same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  KERNELS_COMPILER,
  KERNELS_SOURCE_SHA256,
  KERNELS_WASM_BASE64,
  KERNELS_WASM_SHA256,
} from '../../src/distillation/kernels/wasm-binary.js';

const DIR = fileURLToPath(new URL('../../../src/distillation/kernels/', import.meta.url));
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

test('wasm-binary.ts was built from the kernels.c in the tree (rebuild with src/distillation/kernels/build.sh)', () => {
  assert.equal(sha(readFileSync(join(DIR, 'kernels.c'))), KERNELS_SOURCE_SHA256, 'kernels.c changed since wasm-binary.ts was built');
  assert.equal(sha(Buffer.from(KERNELS_WASM_BASE64, 'base64')), KERNELS_WASM_SHA256);
});

const clang = spawnSync('clang', ['--version'], { encoding: 'utf8' });
const installed = clang.status === 0 ? clang.stdout.split('\n')[0] : undefined;
const skip =
  installed === undefined
    ? 'clang is not installed (apt-get install clang lld)'
    : installed !== KERNELS_COMPILER
      ? `clang here is "${installed}", the binary was built with "${KERNELS_COMPILER}"`
      : false;

test('build.sh reproduces the committed binary byte for byte', { skip }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-kernels-'));
  try {
    for (const f of ['build.sh', 'kernels.c']) cpSync(join(DIR, f), join(tmp, f));
    const r = spawnSync('bash', [join(tmp, 'build.sh')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const rebuilt = readFileSync(join(tmp, 'wasm-binary.ts'), 'utf8');
    assert.equal(rebuilt, readFileSync(join(DIR, 'wasm-binary.ts'), 'utf8'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
