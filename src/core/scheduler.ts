/**
 * Host fact: which scheduler started this process, its job and task ids and the node, and the sweep
 * cell it runs (kdbench sweep sets KDBENCH_SWEEP_PLAN and KDBENCH_SWEEP_CELL for each task). Pure: it
 * reads only the environment it is given.
 *
 *   Slurm       SLURM_JOB_ID, SLURM_ARRAY_JOB_ID, SLURM_ARRAY_TASK_ID, SLURMD_NODENAME
 *   Kubernetes  JOB_COMPLETION_INDEX (set by an Indexed Job), and what the manifest kdbench sweep writes
 *               puts in through the downward API: KDBENCH_K8S_JOB_NAME (the pod's job-name label),
 *               KDBENCH_K8S_POD_NAME (metadata.name), KDBENCH_K8S_NODE_NAME (spec.nodeName)
 */
import type { SchedulerRecord } from './contract.js';

export type { SchedulerRecord } from './contract.js';

/** The environment variables schedulerInfo reads. */
export const SWEEP_ENV = { plan: 'KDBENCH_SWEEP_PLAN', cell: 'KDBENCH_SWEEP_CELL', planSha256: 'KDBENCH_SWEEP_PLAN_SHA256' } as const;
export const K8S_ENV = { jobName: 'KDBENCH_K8S_JOB_NAME', podName: 'KDBENCH_K8S_POD_NAME', nodeName: 'KDBENCH_K8S_NODE_NAME' } as const;

type Env = Record<string, string | undefined>;

/** A set, non-blank value, trimmed; else undefined. */
function val(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** Drops the undefined fields, so run.json holds only what was known. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The scheduler record for run.json, or null when neither a scheduler nor a sweep started this process. */
export function schedulerInfo(env: Env): SchedulerRecord | null {
  const plan = val(env, SWEEP_ENV.plan);
  const cell = val(env, SWEEP_ENV.cell);
  const sweep = plan !== undefined && cell !== undefined ? defined({ plan, cell, planSha256: val(env, SWEEP_ENV.planSha256) }) : undefined;
  const slurmJob = val(env, 'SLURM_JOB_ID');
  if (slurmJob !== undefined) {
    return defined<SchedulerRecord>({
      scheduler: 'slurm',
      jobId: val(env, 'SLURM_ARRAY_JOB_ID') ?? slurmJob,
      taskId: val(env, 'SLURM_ARRAY_TASK_ID'),
      taskJobId: slurmJob,
      node: val(env, 'SLURMD_NODENAME'),
      sweep,
    });
  }
  const index = val(env, 'JOB_COMPLETION_INDEX');
  const k8sJob = val(env, K8S_ENV.jobName);
  if (index !== undefined || k8sJob !== undefined) {
    return defined<SchedulerRecord>({
      scheduler: 'kubernetes',
      jobId: k8sJob,
      taskId: index,
      node: val(env, K8S_ENV.nodeName),
      pod: val(env, K8S_ENV.podName),
      sweep,
    });
  }
  return sweep ? { scheduler: null, sweep } : null;
}
