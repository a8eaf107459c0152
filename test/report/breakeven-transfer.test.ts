/** Break-even counts the transfer set's making and labelling as distillation; the seed repeats are not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distillationPhases } from '../../src/report/breakeven.js';
import type { RunJson } from '../../src/core/contract.js';

test('distillation phases of a student: its own, teacher-logits, transfer-set, transfer-labelling; not its seed repeats or a control', () => {
  const phase = (name: string, model?: string) => ({ name, ...(model ? { model } : {}) });
  const run = {
    models: [{ name: 's', role: 'student', training: { phase: 'distillation:s' } }],
    phases: [
      phase('teacher-training', 'teacher'),
      phase('teacher-logits', 'teacher'),
      phase('transfer-set'),
      phase('transfer-labelling', 'teacher'),
      phase('distillation:s', 's'),
      phase('seed-training:s:s2', 's'),
      phase('control-training:s-control', 's-control'),
    ],
  } as unknown as RunJson;
  assert.deepEqual(
    distillationPhases(run, 's').map((p) => p.name),
    ['teacher-logits', 'transfer-set', 'transfer-labelling', 'distillation:s'],
  );
});
