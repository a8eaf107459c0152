import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhaseMarkerFilter } from '../../src/measurement/phase-markers.js';

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
