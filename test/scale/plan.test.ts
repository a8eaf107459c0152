/** Sweep plans: the schema's errors name the field, the matrix expands in a fixed order under a stated maximum, seeds get suite copies. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify } from 'yaml';
import { parsePlan, type Plan } from '../../src/scale/plan.js';
import { MAX_CELLS, cellCount, expandPlan } from '../../src/scale/matrix.js';
import { materialiseSuite } from '../../src/scale/sweep-dir.js';
import { loadSuite, parseSuite } from '../../src/suites/load.js';
import { UserError } from '../../src/core/errors.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

/** The example plan of the README's "Running on a cluster" section. */
function readmePlan(): string {
  const text = readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf('## Running on a cluster'));
  const m = section.match(/```yaml\n([\s\S]*?)```/);
  assert.ok(m, 'the README section has a yaml block');
  return m[1];
}

const base = (): Plan => ({ name: 'p', suites: ['default'], matrix: { machines: ['cpu'] }, machines: { cpu: { gpus: 0 } } });

function invalid(value: unknown): string {
  try {
    parsePlan(stringify(value), '/plans/bad.yaml');
  } catch (e) {
    assert.ok(e instanceof UserError, String(e));
    assert.match(e.message, /^\/plans\/bad\.yaml: invalid sweep plan:/);
    return e.message;
  }
  assert.fail('the plan was accepted');
}

test("the README's example plan is valid and expands to 2 machines x 2 grids x 3 seeds x 2 repeats = 24 cells", () => {
  const plan = parsePlan(readmePlan(), 'README.md');
  assert.equal(plan.name, 'gpu-procurement');
  const cells = expandPlan(plan, ['spam-default']);
  assert.equal(cells.length, 24);
  assert.equal(new Set(cells.map((c) => c.id)).size, 24);
  assert.deepEqual(
    cells.slice(0, 3).map((c) => c.id),
    ['000-a100-DE-s1-r1', '001-a100-DE-s1-r2', '002-a100-DE-s2-r1'],
  );
  assert.equal(cells[23].id, '023-h100-350g-s3-r2');
  assert.deepEqual(
    cells.map((c) => c.index),
    cells.map((_, i) => i),
  );
});

test('invalid plans: each error names the field path', () => {
  const cases: [string, (p: Plan & Record<string, unknown>) => void, RegExp][] = [
    ['PUE below 1', (p) => (p.matrix.pue = [0.5]), /field "matrix\.pue\[0\]" must be >= 1/],
    ['unknown field', (p) => ((p.matrix as Record<string, unknown>).region = ['DE']), /field "matrix\.region" is not allowed/],
    ['missing field', (p) => delete (p as Partial<Plan>).suites, /field "suites" is required/],
    [
      'region and intensity at once',
      (p) => (p.matrix.carbon = [{ region: 'DE', intensity: 300 } as never]),
      /field "matrix\.carbon\[0\]" must have exactly one of "region" or "intensity"/,
    ],
    ['unknown backend', (p) => (p.matrix.backends = ['cuda' as never]), /field "matrix\.backends\[0\]" must be one of: "tensorflow-gpu"/],
    ['a plan name that is no folder name', (p) => (p.name = 'my plan/1'), /field "name" must match/],
    ['repeats of 0', (p) => (p.matrix.repeats = 0), /field "matrix\.repeats" must be >= 1/],
    ['GPUs as text', (p) => (p.machines.cpu.gpus = 'one' as never), /field "machines\.cpu\.gpus" must be integer/],
    [
      'an sbatch value with a space',
      (p) => (p.machines.cpu.slurm = { partition: 'gpu\n#SBATCH --x' }),
      /field "machines\.cpu\.slurm\.partition" must match/,
    ],
    [
      'a machine class not defined',
      (p) => (p.matrix.machines = ['cpu', 'a100']),
      /field "matrix\.machines\[1\]": no machine class "a100" under machines \(defined: cpu\)/,
    ],
    [
      'a variable kdbench sets itself',
      (p) => (p.run = { env: { KDBENCH_SWEEP_CELL: 'x' } }),
      /field "run\.env\.KDBENCH_SWEEP_CELL": set by kdbench sweep for each cell/,
    ],
    [
      'the same region twice',
      (p) => (p.matrix.carbon = [{ region: 'de' }, { region: 'DE' }]),
      /field "matrix\.carbon\[1\]": region DE is already matrix\.carbon\[0\]/,
    ],
    [
      'kubernetes without an image',
      (p) => (p.kubernetes = { results: { claimName: 'r', mountPath: '/r' } } as never),
      /field "kubernetes\.image" is required/,
    ],
  ];
  for (const [what, mutate, pattern] of cases) {
    const p = base() as Plan & Record<string, unknown>;
    mutate(p);
    assert.match(invalid(p), pattern, what);
  }
  assert.throws(() => parsePlan('name: [', '/plans/x.yaml'), /\/plans\/x\.yaml: not valid YAML/);
});

test(`a matrix above ${MAX_CELLS} cells is refused without force, with the count and the product`, () => {
  const p = base();
  p.matrix.seeds = Array.from({ length: 100 }, (_, i) => i);
  p.matrix.repeats = 3;
  assert.deepEqual(cellCount(p, ['s']), {
    count: 300,
    product: 'suite 1 x machine 1 x backend 1 x carbon 1 x pue 1 x seeds 100 x repeats 3',
  });
  assert.throws(
    () => expandPlan(p, ['s']),
    (e: Error) =>
      e instanceof UserError &&
      /expands to 300 cells \(suite 1 x machine 1 .* x seeds 100 x repeats 3\), above the maximum of 256/.test(e.message) &&
      /--force/.test(e.message),
  );
  const cells = expandPlan(p, ['s'], { force: true });
  assert.equal(cells.length, 300);
  assert.equal(cells[299].id, '299-cpu-s99-r3');
  // Exactly at the maximum: no force needed.
  p.matrix.seeds = p.matrix.seeds.slice(0, 64);
  p.matrix.repeats = 4;
  assert.equal(expandPlan(p, ['s']).length, 256);
});

test('a seed gives a copy of the suite with that seed (comments kept, another sha256); no seed keeps the bytes', () => {
  const loaded = loadSuite('default');
  const text = readFileSync(loaded.file, 'utf8');
  assert.equal(materialiseSuite(text, loaded.file, loaded.suite, undefined), text);
  const copy = materialiseSuite(text, loaded.file, loaded.suite, 7);
  assert.notEqual(copy, text);
  const parsed = parseSuite(copy, loaded.file);
  assert.equal(parsed.seed, 7);
  assert.deepEqual({ ...parsed, seed: loaded.suite.seed }, loaded.suite);
  assert.match(copy, /# The built-in default suite/);
  assert.equal((parseYaml(copy) as { seed: number }).seed, 7);
});
