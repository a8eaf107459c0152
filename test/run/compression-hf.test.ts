/**
 * The Hugging Face route of compression: the tiny BERT of test/fixtures/hf-tiny as an fp32 teacher and as
 * an int8 student (model-q8/onnx/model_quantized.onnx, made by ONNX Runtime's dynamic quantizer: hf-tiny/quantize.py),
 * both run by transformers.js on onnxruntime-node in one run, with the compression record of the int8 one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunJson } from '../../src/core/contract.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'kdbench-compression-hf-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test('an int8 ONNX student beside its fp32 teacher: ONNX Runtime runs int8, the file is smaller, made before the run', () => {
  const out = join(tmp, 'run');
  const r = spawnSync(process.execPath, [CLI, 'run', 'test/fixtures/own-models/hf-int8.yaml', '--out', out, '--quiet'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, KDBENCH_NVML_LIB: join(tmp, 'none.so'), KDBENCH_NVIDIA_SMI: '', KDBENCH_POWERCAP_ROOT: join(tmp, 'none') },
  });
  assert.equal(r.status, 0, r.stderr);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
  const teacher = run.models.find((m) => m.name === 'tiny-bert')!;
  const q8 = run.models.find((m) => m.name === 'tiny-bert-q8')!;
  assert.equal(teacher.compression, undefined);
  const c = q8.compression!;
  assert.equal(c.runtime, 'onnxruntime');
  assert.equal(c.method, 'quantization');
  assert.equal(c.honestCompute.changesArithmetic, true);
  assert.deepEqual(c.productionPhases, [], 'exported before the run: no production phase measured');
  assert.ok(q8.sizeBytes! < teacher.sizeBytes! / 2, `int8 ${q8.sizeBytes} B, fp32 ${teacher.sizeBytes} B`);
  const a = c.accuracyChange!;
  assert.equal(a.vs, 'tiny-bert');
  assert.ok(Math.abs(a.estimate - (q8.accuracy - teacher.accuracy)) < 1e-9);
  assert.ok(run.inference.some((i) => i.model === 'tiny-bert-q8' && i.batchSize === 32 && i.inferences > 0));
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /\| tiny-bert-q8 \| quantization \(dynamic-int8\) \| tiny-bert \| onnxruntime \|/);
  assert.match(md, /n\/a \(made before this run\)/);
});
