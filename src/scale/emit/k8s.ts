/**
 * Kubernetes: one Indexed Job per machine class (completion index i = the class's i-th cell in sweep.json),
 * each pod requesting the class's GPUs. RESULTS is a PersistentVolumeClaim mounted in every pod; the
 * downward API hands the pod's job name, pod name and node name to the run (core/scheduler.ts).
 */
import { posix } from 'node:path';
import { stringify } from 'yaml';
import { UserError } from '../../core/errors.js';
import { K8S_ENV } from '../../core/scheduler.js';
import type { Plan } from '../plan.js';
import type { SweepManifest } from '../sweep-dir.js';
import type { EmittedFile } from './slurm.js';

/** A DNS-1123 label (lowercase letters, digits and "-", at most 63), as Job names and label values need. */
export function dnsLabel(s: string, max = 63): string {
  const l = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return l || 'kdbench';
}

/** The Job objects (plain data, as the API takes them). */
export function k8sJobs(plan: Plan, manifest: SweepManifest): Record<string, unknown>[] {
  const k = plan.kubernetes;
  if (!k) throw new UserError(`${manifest.plan.file}: field "kubernetes" is required for --emit k8s (image and results volume)`);
  const sweepDir = posix.join(k.results.mountPath, plan.name);
  const classes = [...new Set(manifest.cells.map((c) => c.machine))];
  return classes.map((cls) => {
    const cells = manifest.cells.filter((c) => c.machine === cls);
    const mc = plan.machines[cls];
    const kc = mc.kubernetes ?? {};
    // Job names get a pod suffix ("-<index>-xxxxx"): keep them short.
    const name = dnsLabel(`kdbench-${plan.name}-${cls}`, 52);
    const labels = { 'app.kubernetes.io/name': 'kdbench', 'kdbench/plan': dnsLabel(plan.name), 'kdbench/machine-class': dnsLabel(cls) };
    const limits: Record<string, string | number> = {};
    const requests: Record<string, string | number> = {};
    if (kc.cpu) requests.cpu = limits.cpu = kc.cpu;
    if (kc.memory) requests.memory = limits.memory = kc.memory;
    if (mc.gpus > 0) limits[kc.gpuResource ?? 'nvidia.com/gpu'] = mc.gpus;
    const fieldEnv = (envName: string, fieldPath: string) => ({ name: envName, valueFrom: { fieldRef: { fieldPath } } });
    const container = {
      name: 'kdbench',
      image: k.image,
      command: [...(k.kdbench ?? ['kdbench'])],
      args: ['sweep', '--task', '$(KDBENCH_TASK_INDEX)', '--class', cls, sweepDir],
      env: [
        fieldEnv('KDBENCH_TASK_INDEX', "metadata.annotations['batch.kubernetes.io/job-completion-index']"),
        fieldEnv(K8S_ENV.jobName, "metadata.labels['job-name']"),
        fieldEnv(K8S_ENV.podName, 'metadata.name'),
        fieldEnv(K8S_ENV.nodeName, 'spec.nodeName'),
      ],
      resources: {
        ...(Object.keys(requests).length > 0 ? { requests } : {}),
        ...(Object.keys(limits).length > 0 ? { limits } : {}),
      },
      volumeMounts: [{ name: 'results', mountPath: k.results.mountPath }],
    };
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, ...(k.namespace ? { namespace: k.namespace } : {}), labels },
      spec: {
        completionMode: 'Indexed',
        completions: cells.length,
        parallelism: Math.min(cells.length, k.maxParallel ?? cells.length),
        backoffLimit: k.backoffLimit ?? 0,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            ...(kc.nodeSelector ? { nodeSelector: kc.nodeSelector } : {}),
            ...(kc.tolerations ? { tolerations: kc.tolerations } : {}),
            containers: [container],
            volumes: [{ name: 'results', persistentVolumeClaim: { claimName: k.results.claimName } }],
          },
        },
      },
    };
  });
}

/** One YAML file with a Job per machine class (documents separated by ---). */
export function emitK8s(plan: Plan, manifest: SweepManifest, sweepDir: string): EmittedFile[] {
  const jobs = k8sJobs(plan, manifest);
  const classes = [...new Set(manifest.cells.map((c) => c.machine))];
  const head = [
    `# kdbench sweep, plan "${plan.name}" (sha256 ${manifest.plan.sha256.slice(0, 12)}): an Indexed Job per machine class.`,
    `# Completion index i = the i-th cell of the class in sweep.json. RESULTS/${plan.name} must be at`,
    `# ${plan.kubernetes?.results.mountPath}/${plan.name} on the claim ${plan.kubernetes?.results.claimName}.`,
    ...classes.map(
      (cls) =>
        `#   ${cls}: ${manifest.cells
          .filter((c) => c.machine === cls)
          .map((c, i) => `${i}=${c.id}`)
          .join(' ')}`,
    ),
  ];
  const text = head.join('\n') + '\n' + jobs.map((j) => `---\n${stringify(j, { lineWidth: 0 })}`).join('');
  const name = 'k8s-jobs.yaml';
  return [{ name, text, submit: `kubectl apply -f ${posix.join(sweepDir, name)}` }];
}
