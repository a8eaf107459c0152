/**
 * A real Slurm on this machine: munged, slurmctld and slurmd (Debian's slurm-wlm and munge) started as root
 * in a temporary folder with a generated slurm.conf (no cgroups, no accounting, ports of its own), the
 * emitted sbatch array of two --quick cells submitted, waited for, collected, and the merged report and
 * the runs' scheduler records checked. Skipped, with the reason, where Slurm is not installed.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../../src/report/samples.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const BIN = {
  munged: '/usr/sbin/munged',
  slurmctld: '/usr/sbin/slurmctld',
  slurmd: '/usr/sbin/slurmd',
  sbatch: '/usr/bin/sbatch',
  squeue: '/usr/bin/squeue',
  sinfo: '/usr/bin/sinfo',
  scancel: '/usr/bin/scancel',
};
const missing = Object.values(BIN).filter((p) => !existsSync(p));
const skip =
  missing.length > 0
    ? `Slurm is not installed (apt-get install -y slurm-wlm munge): ${missing.join(', ')} not found`
    : process.getuid?.() !== 0
      ? 'slurmd must run as root to start jobs; run the tests as root'
      : false;

const daemons: ChildProcess[] = [];
let tmp: string | undefined;
const stopAll = () => {
  for (const d of daemons.reverse()) if (d.exitCode === null && d.signalCode === null) d.kill('SIGTERM');
};
process.on('exit', stopAll);
after(async () => {
  stopAll();
  await new Promise((r) => setTimeout(r, 500));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, timeoutS: number, ok: () => boolean, log: () => string): Promise<void> {
  const end = Date.now() + timeoutS * 1000;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out after ${timeoutS} s waiting for ${what}\n${log()}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

test(
  'Slurm: the emitted array of two --quick cells runs, records job, task and node, and collects into one report',
  { skip, timeout: 600_000 },
  async () => {
    tmp = mkdtempSync(join(os.tmpdir(), 'kdbench-slurm-'));
    const host = os.hostname().split('.')[0];
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    const key = join(tmp, 'munge.key');
    writeFileSync(key, randomBytes(1024));
    chmodSync(key, 0o600);
    const sock = join(tmp, 'munge.sock');
    const conf = join(tmp, 'slurm.conf');
    writeFileSync(
      conf,
      [
        'ClusterName=kdbench-test',
        `SlurmctldHost=${host}(127.0.0.1)`,
        'SlurmUser=root',
        'SlurmdUser=root',
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${sock}`,
        `StateSaveLocation=${tmp}/state`,
        `SlurmdSpoolDir=${tmp}/spool`,
        `SlurmctldPidFile=${tmp}/slurmctld.pid`,
        `SlurmdPidFile=${tmp}/slurmd.pid`,
        `SlurmctldLogFile=${tmp}/slurmctld.log`,
        `SlurmdLogFile=${tmp}/slurmd.log`,
        // No cgroups: processes are tracked by their parent ids, tasks are not bound.
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'JobCompType=jobcomp/none',
        'SchedulerType=sched/builtin',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'MpiDefault=none',
        'ReturnToService=2',
        `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${os.cpus().length} State=UNKNOWN`,
        `PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
        '',
      ].join('\n'),
    );
    const env = { ...process.env, SLURM_CONF: conf };
    const start = (cmd: string, args: string[]) => {
      const p = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr!.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
      p.on('exit', (code) => {
        if (code) process.stderr.write(`${cmd} exited with ${code}: ${err}\n`);
      });
      daemons.push(p);
      return p;
    };
    const logs = () =>
      ['slurmctld.log', 'slurmd.log', 'munged.log']
        .map((f) => (existsSync(join(tmp!, f)) ? `--- ${f}\n${readFileSync(join(tmp!, f), 'utf8').slice(-3000)}` : ''))
        .join('\n');
    start(BIN.munged, [
      '--foreground',
      '--force',
      `--socket=${sock}`,
      `--key-file=${key}`,
      `--pid-file=${tmp}/munged.pid`,
      `--log-file=${tmp}/munged.log`,
      `--seed-file=${tmp}/munged.seed`,
    ]);
    await waitFor('munged', 20, () => existsSync(sock), logs);
    start(BIN.slurmctld, ['-D', '-f', conf]);
    start(BIN.slurmd, ['-D', '-f', conf, '-N', host]);
    const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 120_000 });
    await waitFor('an idle Slurm node', 60, () => /idle/.test(run(BIN.sinfo, ['-h', '-o', '%T']).stdout ?? ''), logs);

    writeFileSync(
      join(tmp, 'plan.yaml'),
      [
        'name: slurm-test',
        'suites: [default]',
        'quick: true',
        'matrix: { machines: [cpu], carbon: [{ region: FR }], repeats: 2 }',
        'machines: { cpu: { gpus: 0, slurm: { cpusPerTask: 1 } } }',
        '',
      ].join('\n'),
    );
    const results = join(tmp, 'results');
    const emitted = run(process.execPath, [MAIN, 'sweep', join(tmp, 'plan.yaml'), '--emit', 'slurm', '--out', results]);
    assert.equal(emitted.status, 0, emitted.stderr);
    const sweepDir = join(results, 'slurm-test');
    assert.equal(emitted.stdout.trim(), sweepDir);
    const script = join(sweepDir, 'slurm-cpu.sbatch');
    assert.match(emitted.stderr, new RegExp(`submit with: sbatch ${script.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));

    const sub = run(BIN.sbatch, ['--parsable', script]);
    assert.equal(sub.status, 0, `${sub.stderr}\n${logs()}`);
    const jobId = sub.stdout.trim().split(';')[0];
    assert.match(jobId, /^\d+$/);
    await waitFor(
      `array job ${jobId}`,
      420,
      () => (run(BIN.squeue, ['-h', '-j', jobId]).stdout ?? '').trim() === '',
      () => `${run(BIN.squeue, []).stdout}\n${logs()}`,
    );

    // One output file per task, each ending with its run directory (kdbench run's stdout).
    const outs = readdirSync(join(sweepDir, 'logs')).sort();
    assert.deepEqual(outs, [`slurm-cpu-${jobId}_0.out`, `slurm-cpu-${jobId}_1.out`]);
    const runDirs = ['000-cpu-r1', '001-cpu-r2'].map((cell) => join(sweepDir, `${cell}-${host}`));
    for (const [i, dir] of runDirs.entries()) {
      const log = readFileSync(join(sweepDir, 'logs', outs[i]), 'utf8');
      assert.ok(log.trim().endsWith(dir), `task ${i} log ends with its run directory:\n${log.slice(-2000)}`);
      const runJson = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
      assert.equal(runJson.status, 'completed');
      const s = runJson.environment.scheduler;
      assert.equal(s.scheduler, 'slurm');
      assert.equal(s.jobId, jobId, 'the array job id');
      assert.equal(s.taskId, String(i), 'the array index is the cell index');
      assert.match(s.taskJobId, /^\d+$/);
      assert.equal(s.node, host);
      assert.deepEqual({ plan: s.sweep.plan, cell: s.sweep.cell }, { plan: 'slurm-test', cell: i === 0 ? '000-cpu-r1' : '001-cpu-r2' });
      const taskRecord = JSON.parse(readFileSync(join(sweepDir, 'tasks', `${i === 0 ? '000-cpu-r1' : '001-cpu-r2'}-${host}.json`), 'utf8'));
      assert.equal(taskRecord.exitCode, 0);
    }

    const out = join(tmp, 'collected');
    const col = run(process.execPath, [MAIN, 'collect', sweepDir, '--out', out]);
    assert.equal(col.status, 0, col.stderr);
    const md = readFileSync(join(out, 'collect.md'), 'utf8');
    assert.match(md, /^# kdbench collect: plan slurm-test, 2 of 2 cells completed/);
    assert.match(md, /### spam-default on cpu \((no GPU|GPU n\/a)\), \w+, FR, PUE 1/);
    assert.match(md, /2 run\(s\): 000-cpu-r1, 001-cpu-r2/);
    assert.match(
      md,
      new RegExp(`\\| 000-cpu-r1 \\| cpu \\|.*\\| completed \\| 000-cpu-r1-${host} \\| ${host} \\(slurm job ${jobId} task 0\\)`),
    );
    const [head, ...rows] = parseCsv(readFileSync(join(out, 'collect.csv'), 'utf8')).filter((x) => x.length > 1);
    const teacher = rows.find((r) => r[head.indexOf('model')] === 'teacher')!;
    assert.equal(teacher[head.indexOf('runs')], '2');
    const e = Number(teacher[head.indexOf('energy_j_per_1000')]);
    const [lo, hi] = ['energy_j_per_1000_ci_lo', 'energy_j_per_1000_ci_hi'].map((c) => Number(teacher[head.indexOf(c)]));
    assert.ok(e > 0 && lo > 0 && lo <= e && e <= hi, `median ${e} within its interval [${lo}, ${hi}] across the two runs`);
  },
);
