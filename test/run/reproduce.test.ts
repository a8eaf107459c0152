/** The reproduce command line (shell quoting) and the carbon hint at the end of a run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { reproduceCommand, shellQuote } from '../../src/run/reproduce.js';
import { carbonHint } from '../../src/run/carbon-hint.js';
import type { CarbonRecord, RunJson } from '../../src/core/contract.js';

test('shellQuote: safe words as they are, anything else in single quotes that a POSIX shell reads back exactly', () => {
  assert.equal(shellQuote('suites/default.yaml'), 'suites/default.yaml');
  assert.equal(shellQuote('--region=FR'), '--region=FR');
  const words = ['a b', "it's", '', '$HOME', 'x;rm -rf /', 'tab\there', 'new\nline', '"q"', '*', '\\'];
  for (const w of words) assert.notEqual(shellQuote(w), w);
  const echoed = execFileSync('sh', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
  assert.deepEqual(echoed.split('\0').slice(0, -1), words);
});

test('reproduceCommand: every option but --out and --quiet, repeated flags repeated, the command after --', () => {
  const values = {
    'interval-ms': '50',
    out: '/tmp/x',
    quiet: true,
    quick: true,
    embodied: ['gpu=150kg:5y', 'cpu=20kg:4y'],
    region: undefined,
    json: false,
  };
  assert.equal(
    reproduceCommand('measure', values, { tail: ['python3', 'train.py', '--lr', '0.1 0.2'] }),
    "kdbench measure --interval-ms 50 --quick --embodied gpu=150kg:5y --embodied cpu=20kg:4y -- python3 train.py --lr '0.1 0.2'",
  );
  assert.equal(
    reproduceCommand('run', { teacher: 'my runs/r1' }, { positionals: ['suites/default.yaml'] }),
    "kdbench run suites/default.yaml --teacher 'my runs/r1'",
  );
});

const carbon = (c: Partial<CarbonRecord>): CarbonRecord => ({
  intensityGCO2ePerKWh: 472.94,
  intensitySource: 'Ember WORLD',
  region: 'WORLD',
  fallback: true,
  pue: 1,
  pueSource: 'default',
  energyKWh: 0,
  gCO2e: 0,
  ...c,
});

test('carbonHint: one line for a world fallback, with the conversion command; nothing otherwise', () => {
  const run = { carbon: carbon({}), totals: { energyJ: 1234.5678 } } as unknown as RunJson;
  const hint = carbonHint(run)!;
  assert.doesNotMatch(hint, /\n/);
  assert.match(hint, /472\.9 gCO2e\/kWh/);
  assert.match(hint, /kdbench carbon --energy 1234\.568J --region CODE$/);
  assert.match(carbonHint({ ...run, carbon: carbon({ pue: 1.58 }) })!, /--energy 1234\.568J --pue 1\.58 --region CODE$/);
  assert.match(carbonHint({ ...run, totals: null })!, /next time$/);
  assert.equal(carbonHint({ ...run, carbon: carbon({ fallback: false, region: 'FR' }) }), undefined);
  assert.equal(carbonHint({ ...run, carbon: null }), undefined);
});
