/**
 * The emitted scheduler files: sbatch array scripts (bash syntax, directives, one index per cell) and a
 * Kubernetes Indexed Job per machine class, validated against the Kubernetes API types
 * (kubernetes-models' validators, and every field name checked against its generated types).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1';
import { loadPlan } from '../../src/scale/plan.js';
import { prepareSweep } from '../../src/scale/sweep-dir.js';
import { arrayRanges, emitSlurm } from '../../src/scale/emit/slurm.js';
import { dnsLabel, emitK8s, k8sJobs } from '../../src/scale/emit/k8s.js';
import { unknownJobFields } from './k8s-types.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdbench-emit-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const PLAN = `name: gpus
suites: [default]
matrix:
  machines: [a100, cpu]
  carbon: [{ region: DE }, { intensity: 350 }]
  repeats: 2
run: { inferenceRepeats: 5, env: { KDBENCH_NVML_LIB: /opt/nvml.so } }
machines:
  a100:
    gpus: 2
    env: { CUDA_CACHE_DISABLE: "1" }
    slurm: { partition: gpu, constraint: "a100&ib", cpusPerTask: 8, mem: 64G, time: "02:00:00", account: proj1, extra: [--exclusive] }
    kubernetes:
      nodeSelector: { nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB }
      cpu: "8"
      memory: 64Gi
      tolerations: [{ key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }]
  cpu:
    gpus: 0
slurm: { setup: ["module load nodejs/20"], maxParallel: 3 }
kubernetes:
  image: registry.example.org/kdbench:0.1.0
  namespace: research
  results: { claimName: kdbench-results, mountPath: /mnt/results }
`;
writeFileSync(join(tmp, 'plan.yaml'), PLAN);
const loaded = loadPlan(join(tmp, 'plan.yaml'));
const { dir, manifest } = prepareSweep(loaded, join(tmp, 'results'));

test('the sweep folder: cells with their run options and environment', () => {
  assert.equal(dir, join(tmp, 'results', 'gpus'));
  assert.deepEqual(
    manifest.cells.map((c) => c.id),
    [
      '000-a100-DE-r1',
      '001-a100-DE-r2',
      '002-a100-350g-r1',
      '003-a100-350g-r2',
      '004-cpu-DE-r1',
      '005-cpu-DE-r2',
      '006-cpu-350g-r1',
      '007-cpu-350g-r2',
    ],
  );
  assert.deepEqual(manifest.cells[2].args, ['--carbon-intensity', '350', '--repeats', '5']);
  assert.deepEqual(manifest.cells[0].env, { KDBENCH_NVML_LIB: '/opt/nvml.so', CUDA_CACHE_DISABLE: '1' });
  assert.equal(manifest.cells[0].suiteFile, join('suites', '0-spam-default.yaml'));
  assert.equal(readFileSync(join(dir, 'plan.yaml'), 'utf8'), PLAN);
});

test('arrayRanges: consecutive indices as ranges', () => {
  assert.equal(arrayRanges([0, 1, 2, 3]), '0-3');
  assert.equal(arrayRanges([7, 0, 1, 9, 10, 4]), '0-1,4,7,9-10');
  assert.equal(arrayRanges([5]), '5');
});

test('Slurm: an sbatch array per machine class, GPUs, limits and an output file per task; valid bash', () => {
  const files = emitSlurm(loaded.plan, manifest, dir, ['/usr/bin/node', '/opt/kd bench/main.js']);
  assert.deepEqual(
    files.map((f) => f.name),
    ['slurm-a100.sbatch', 'slurm-cpu.sbatch'],
  );
  const [a100, cpu] = files.map((f) => f.text);
  const directives = (t: string) => t.split('\n').filter((l) => l.startsWith('#SBATCH '));
  assert.deepEqual(directives(a100), [
    '#SBATCH --job-name=kdbench-gpus-a100',
    '#SBATCH --array=0-3%3',
    `#SBATCH --output=${dir}/logs/slurm-a100-%A_%a.out`,
    '#SBATCH --ntasks=1',
    '#SBATCH --export=ALL',
    '#SBATCH --partition=gpu',
    '#SBATCH --constraint=a100&ib',
    '#SBATCH --gres=gpu:2',
    '#SBATCH --cpus-per-task=8',
    '#SBATCH --mem=64G',
    '#SBATCH --time=02:00:00',
    '#SBATCH --account=proj1',
    '#SBATCH --exclusive',
  ]);
  assert.ok(directives(cpu).includes('#SBATCH --array=4-7%3'));
  assert.ok(!directives(cpu).some((d) => d.includes('--gres')), 'a CPU class requests no GPU');
  // Directives come before the first command (sbatch stops reading them there).
  const lines = a100.split('\n');
  const firstCommand = lines.findIndex((l) => l && !l.startsWith('#'));
  assert.ok(lines.every((l, i) => !l.startsWith('#SBATCH') || i < firstCommand));
  assert.match(
    a100,
    /\nmodule load nodejs\/20\nexec \/usr\/bin\/node '\/opt\/kd bench\/main\.js' sweep --task "\$SLURM_ARRAY_TASK_ID" \S+\n$/,
  );
  assert.match(a100, /#\s+2\s+002-a100-350g-r1/);
  for (const f of files) {
    writeFileSync(join(tmp, f.name), f.text);
    const r = spawnSync('bash', ['-n', join(tmp, f.name)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
});

test('Kubernetes: an Indexed Job per machine class, valid against the Kubernetes API types', () => {
  const [file] = emitK8s(loaded.plan, manifest, dir);
  assert.equal(file.name, 'k8s-jobs.yaml');
  assert.equal(file.submit, `kubectl apply -f ${dir}/k8s-jobs.yaml`);
  const docs = parseAllDocuments(file.text).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJS() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  });
  assert.equal(docs.length, 2);
  for (const doc of docs) {
    new Job(doc as never).validate(); // throws on a type, enum or required-field error
    assert.deepEqual(unknownJobFields(doc), [], 'every field is a field of the Kubernetes API');
  }
  const [a100, cpu] = docs;
  assert.equal(a100.metadata.name, 'kdbench-gpus-a100');
  assert.equal(a100.metadata.namespace, 'research');
  assert.equal(a100.spec.completionMode, 'Indexed');
  assert.equal(a100.spec.completions, 4);
  assert.equal(cpu.spec.completions, 4);
  assert.equal(a100.spec.backoffLimit, 0);
  const pod = a100.spec.template.spec;
  assert.equal(pod.restartPolicy, 'Never');
  assert.deepEqual(pod.nodeSelector, { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' });
  const c = pod.containers[0];
  assert.deepEqual(c.resources, { requests: { cpu: '8', memory: '64Gi' }, limits: { cpu: '8', memory: '64Gi', 'nvidia.com/gpu': 2 } });
  assert.deepEqual(c.command, ['kdbench']);
  assert.deepEqual(c.args, ['sweep', '--task', '$(KDBENCH_TASK_INDEX)', '--class', 'a100', '/mnt/results/gpus']);
  const env = Object.fromEntries(
    c.env.map((e: { name: string; valueFrom: { fieldRef: { fieldPath: string } } }) => [e.name, e.valueFrom.fieldRef.fieldPath]),
  );
  assert.deepEqual(env, {
    KDBENCH_TASK_INDEX: "metadata.annotations['batch.kubernetes.io/job-completion-index']",
    KDBENCH_K8S_JOB_NAME: "metadata.labels['job-name']",
    KDBENCH_K8S_POD_NAME: 'metadata.name',
    KDBENCH_K8S_NODE_NAME: 'spec.nodeName',
  });
  assert.deepEqual(pod.volumes, [{ name: 'results', persistentVolumeClaim: { claimName: 'kdbench-results' } }]);
  assert.deepEqual(c.volumeMounts, [{ name: 'results', mountPath: '/mnt/results' }]);
  assert.equal(cpu.spec.template.spec.containers[0].resources.limits, undefined, 'a CPU class requests no GPU');
});

test('the checks can fail: a wrong type, a missing field and a misspelt field are each caught', () => {
  const job = () => structuredClone(k8sJobs(loaded.plan, manifest)[0]) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const wrongType = job();
  wrongType.spec.completions = 'four';
  assert.throws(() => new Job(wrongType as never).validate(), /completions must be integer/);
  const noName = job();
  delete noName.spec.template.spec.containers[0].name;
  assert.throws(() => new Job(noName as never).validate(), /containers\/0 must have required property name/);
  const misspelt = job();
  misspelt.spec.completionsMode = 'Indexed';
  misspelt.spec.template.spec.containers[0].resources.limit = {};
  misspelt.metadata.labels['any-label'] = 'ok';
  assert.deepEqual(unknownJobFields(misspelt).sort(), ['spec.completionsMode', 'spec.template.spec.containers[0].resources.limit']);
});

test('dnsLabel: lowercase letters, digits and "-", at most 63', () => {
  assert.equal(dnsLabel('kdbench-GPU_Plan.v2-A100'), 'kdbench-gpu-plan-v2-a100');
  assert.equal(dnsLabel('x'.repeat(80)).length, 63);
  assert.equal(dnsLabel('--'), 'kdbench');
});
