import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PhaseMarkerFilter } from '../../src/measurement/phase-markers.js';
import { NvidiaSmiSource } from '../../src/measurement/sources/nvidia-smi.js';
import { Clock } from '../../src/measurement/clock.js';
import { writeFakeSmi } from '../support/meters-fakes.js';

function run(chunks: string[]): { out: string; events: string[] } {
  let out = '';
  const events: string[] = [];
  const f = new PhaseMarkerFilter(
    (t) => {
      out += t;
      events.push(`text:${t}`);
    },
    (name) => events.push(`phase:${name}`),
  );
  for (const c of chunks) f.push(c);
  f.end();
  return { out, events };
}

test('phase markers: removed from the output, in order with the text around them', () => {
  const r = run(['a\n::kdbench phase train::\nb\n', '::kdbench phase eval::\r\nc']);
  assert.equal(r.out, 'a\nb\nc');
  assert.deepEqual(r.events, ['text:a\n', 'phase:train', 'text:b\n', 'phase:eval', 'text:c']);
});

test('phase markers: split across chunks, or unterminated at the end, still count', () => {
  const r = run(['x\n::kdb', 'ench pha', 'se one::', '\ny\n::kdbench phase two::']);
  assert.equal(r.out, 'x\ny\n');
  assert.deepEqual(
    r.events.filter((e) => e.startsWith('phase')),
    ['phase:one', 'phase:two'],
  );
});

test('phase markers: only whole lines; other text passes through at once', () => {
  const r = run(['progress 10%', ' ::kdbench phase no::\n', 'say ::kdbench phase no:: here\n', '::kdbench phase nope\n']);
  assert.equal(r.out, 'progress 10% ::kdbench phase no::\nsay ::kdbench phase no:: here\n::kdbench phase nope\n');
  assert.ok(!r.events.some((e) => e.startsWith('phase')));
  // A partial line that cannot be a marker is written before its newline arrives.
  const live = run(['50%']);
  assert.deepEqual(live.events, ['text:50%']);
});

test('nvidia-smi source: a GPU reporting [N/A] is named in the problems and gets no readings', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-na-'));
  try {
    const smi = writeFakeSmi(tmp, { FAKE_SMI_GPUS: '2', FAKE_SMI_NA_GPUS: '1', FAKE_SMI_CURVE: 'const:70' });
    const src = new NvidiaSmiSource({ binary: smi, intervalMs: 50 }, Clock.start());
    const domains = await src.start();
    assert.deepEqual(
      domains.map((d) => d.device),
      ['gpu:0', 'gpu:1'],
    );
    await new Promise((r) => setTimeout(r, 400));
    const readings = src.poll();
    src.stop();
    assert.ok(readings.filter((r) => r.device === 'gpu:0').length >= 4);
    assert.ok(readings.every((r) => r.device === 'gpu:0' && r.powerW === 70));
    assert.ok(
      src.problems().some((p) => /no power for GPU 1 \("\[N\/A\]/.test(p)),
      src.problems().join('\n'),
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('nvidia-smi source: a child that dies before its first reading fails the start with its message', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-dead-'));
  try {
    // Crashes after 1 ms, every time: no reading ever arrives.
    const smi = writeFakeSmi(tmp, { FAKE_SMI_GPUS: '1', FAKE_SMI_CRASH_AFTER_MS: '0', FAKE_SMI_NA_GPUS: '0' });
    const src = new NvidiaSmiSource({ binary: smi, intervalMs: 50 }, Clock.start());
    const t0 = Date.now();
    await assert.rejects(src.start(), /exited before its first reading \(code 1/);
    assert.ok(Date.now() - t0 < 5000, 'fails fast, not on the 10 s timeout');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
