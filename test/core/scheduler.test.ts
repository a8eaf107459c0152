/** schedulerInfo: the scheduler's job, task and node, and the sweep cell, from the environment alone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schedulerInfo } from '../../src/core/scheduler.js';

const sweep = { KDBENCH_SWEEP_PLAN: 'gpus', KDBENCH_SWEEP_CELL: '003-a100-DE', KDBENCH_SWEEP_PLAN_SHA256: 'ab'.repeat(32) };

test('no scheduler and no sweep: null', () => {
  assert.equal(schedulerInfo({}), null);
  assert.equal(schedulerInfo({ PATH: '/usr/bin', SLURM_JOB_ID: '  ', KDBENCH_SWEEP_PLAN: 'gpus' }), null);
});

test('a Slurm array task: the array job id, the task id, its own job id and the node', () => {
  const env = { SLURM_JOB_ID: '1235', SLURM_ARRAY_JOB_ID: '1234', SLURM_ARRAY_TASK_ID: '1', SLURMD_NODENAME: 'gpu07', ...sweep };
  assert.deepEqual(schedulerInfo(env), {
    scheduler: 'slurm',
    jobId: '1234',
    taskId: '1',
    taskJobId: '1235',
    node: 'gpu07',
    sweep: { plan: 'gpus', cell: '003-a100-DE', planSha256: 'ab'.repeat(32) },
  });
});

test('a plain Slurm job (no array): the job id, no task id', () => {
  assert.deepEqual(schedulerInfo({ SLURM_JOB_ID: '77', SLURMD_NODENAME: 'n1' }), {
    scheduler: 'slurm',
    jobId: '77',
    taskJobId: '77',
    node: 'n1',
  });
});

test('a Kubernetes Indexed Job pod: completion index, and the downward-API job, pod and node names', () => {
  const env = {
    JOB_COMPLETION_INDEX: '4',
    KDBENCH_K8S_JOB_NAME: 'kdbench-gpus-a100',
    KDBENCH_K8S_POD_NAME: 'kdbench-gpus-a100-4-x7k2p',
    KDBENCH_K8S_NODE_NAME: 'node-a',
    KUBERNETES_SERVICE_HOST: '10.0.0.1',
    ...sweep,
  };
  assert.deepEqual(schedulerInfo(env), {
    scheduler: 'kubernetes',
    jobId: 'kdbench-gpus-a100',
    taskId: '4',
    node: 'node-a',
    pod: 'kdbench-gpus-a100-4-x7k2p',
    sweep: { plan: 'gpus', cell: '003-a100-DE', planSha256: 'ab'.repeat(32) },
  });
});

test('a sweep cell run here (--emit local): no scheduler, the plan and cell', () => {
  assert.deepEqual(schedulerInfo({ KDBENCH_SWEEP_PLAN: 'p', KDBENCH_SWEEP_CELL: '000-cpu' }), {
    scheduler: null,
    sweep: { plan: 'p', cell: '000-cpu' },
  });
});
