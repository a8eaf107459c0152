/** The decision box with a teacher-initialised control: both controls are told apart, and the words follow the intervals. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handRun } from '../fixtures/runs/hand-run.js';
import { decisions, trafficOf, verdict } from '../../src/report/decision.js';
import { decisionBlocks } from '../../src/report/sections/decision.js';
import type { ComparisonRecord, RunJson } from '../../src/core/contract.js';

function run(initCi: [number, number], seeds?: number): RunJson {
  const r = handRun();
  r.dataset = { test: { n: 1000, byClass: {} } } as unknown as RunJson['dataset'];
  const control = (name: string, kind: 'scratch' | 'teacher-init') => ({
    ...r.models[1],
    name,
    role: 'control' as const,
    pairedWith: 'student-a',
    controlKind: kind,
    training: { ...r.models[1].training, phase: `control-training:${name}` },
  });
  // The teacher-init control first: the scratch one must still be "the control".
  r.models.push(control('student-a-control-init', 'teacher-init'), control('student-a-control', 'scratch'));
  const cmp = (b: string, estimate: number, ci95: [number, number]): ComparisonRecord => ({
    metric: 'accuracy',
    kind: 'difference',
    a: 'student-a',
    b,
    estimate,
    ci95,
    n: 1000,
    ...(seeds ? { seeds } : {}),
  });
  r.comparisons = [cmp('student-a-control', 0.007, [-0.005, 0.02]), cmp('student-a-control-init', 0.015, initCi)];
  return r;
}

test('the scratch control is the control; the teacher-init control is reported beside it', () => {
  const [d] = decisions(run([0.004, 0.026], 3));
  assert.equal(d.control?.name, 'student-a-control');
  assert.equal(d.initControl?.name, 'student-a-control-init');
  assert.deepEqual(d.vsInitControl?.ci95, [0.004, 0.026]);
  assert.match(d.vsControl!.how, /mean over 3 training seeds of each model; bootstrap over the seeds and the 1,000 test examples/);
  const v = verdict(run([0.004, 0.026]), d, trafficOf(run([0.004, 0.026])));
  assert.match(v, /Distillation was not needed for this task: the same student trained without the teacher \(student-a-control\)/);
  assert.match(
    v,
    /The teacher's soft targets add \+1\.50 .*over the same student initialised from the teacher's layers but trained on the labels alone \(student-a-control-init\)/,
  );
  const none = verdict(run([-0.001, 0.03]), decisions(run([-0.001, 0.03]))[0], trafficOf(run([-0.001, 0.03])));
  assert.match(none, /the interval includes 0: the soft targets add nothing shown beyond the initialisation from the teacher/);
  const worse = verdict(run([-0.03, -0.002]), decisions(run([-0.03, -0.002]))[0], trafficOf(run([-0.03, -0.002])));
  assert.match(
    worse,
    /With the teacher's soft targets it is less accurate than .*\(\+1\.50 points .*\): the initialisation from the teacher is what helps/,
  );
});

test('the decision table gets a column for the teacher-initialised control only when there is one', () => {
  const text = JSON.stringify(decisionBlocks(run([0.004, 0.026]), trafficOf(run([0.004, 0.026]))));
  assert.match(text, /vs the teacher-initialised control/);
  const plain = handRun();
  assert.doesNotMatch(JSON.stringify(decisionBlocks(plain, trafficOf(plain))), /teacher-initialised/);
});
