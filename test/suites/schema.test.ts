/** Suite files: the built-in suites validate, errors name the field path, impossible sizes and unknown kinds are refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableSuites, effectiveSuite, loadSuite, parseSuite, SCHEMA_PATH, SUITES_DIR } from '../../src/suites/load.js';
import { UserError } from '../../src/core/errors.js';

const base = {
  name: 't',
  seed: 1,
  dataset: { name: 'brown-genre', testFraction: 0.2, vocabSize: 100, seqLen: 8, passageWords: 50 },
  teacher: {
    name: 'teacher',
    kind: 'transformer',
    dModel: 8,
    heads: 2,
    layers: 1,
    ffDim: 8,
    train: { epochs: 1, batchSize: 4, learningRate: 0.01 },
  },
  students: [
    { name: 'lstm', kind: 'bilstm', dModel: 4, hidden: 4, train: { epochs: 1, batchSize: 4, learningRate: 0.01 } },
    { name: 'bag', kind: 'embedding-bag', dModel: 4, hidden: 0, train: { epochs: 1, batchSize: 4, learningRate: 0.01 } },
  ],
  distillation: { temperature: 2, softWeight: 0.5, hardWeight: 0.5, logitLoss: 'mse' },
  inference: { batchSizes: [1], timeMs: 10, repeats: 3 },
};

type Json = Record<string, unknown>;
function withChange(change: (s: Json) => void): string {
  const s = structuredClone(base) as unknown as Json;
  change(s);
  return JSON.stringify(s);
}

function errorOf(text: string): string {
  try {
    parseSuite(text, 'x.json');
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('the suite was accepted');
}

test('every built-in suite validates; the schema file is the one the loader uses', () => {
  const names = availableSuites();
  assert.ok(names.includes('default') && names.includes('brown-genre'), names.join(', '));
  for (const n of names) assert.equal(loadSuite(n).suite.name.length > 0, true);
  assert.equal(SCHEMA_PATH, join(SUITES_DIR, 'suite.schema.json'));
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
  assert.deepEqual(schema.definitions.dataset.properties.name.enum, ['spam-assassin', 'brown-genre']);
  for (const n of names) {
    const text = readFileSync(loadSuite(n).file, 'utf8');
    assert.match(text, /\$schema=\.\/suite\.schema\.json/, `${n}: editors find the schema through the modeline`);
  }
});

test('the new fields are accepted: brown-genre, bilstm, logitLoss mse, inference.repeats, saved models', () => {
  const s = parseSuite(JSON.stringify(base), 'x.json');
  assert.equal(s.students[0].kind, 'bilstm');
  assert.equal(s.distillation.logitLoss, 'mse');
  const saved = parseSuite(
    withChange((x) => (x.teacher = { name: 'teacher', kind: 'saved', path: 'runs/a/models/teacher' })),
    'x.json',
  );
  assert.equal(saved.teacher.kind, 'saved');
  // --quick overrides leave a saved model alone and reach the trainable ones.
  const q = effectiveSuite({ ...saved, quick: { studentTrain: { epochs: 7 } } }, true);
  assert.deepEqual(q.teacher, saved.teacher);
  assert.equal((q.students[0] as { train: { epochs: number } }).train.epochs, 7);
});

test('errors name the field path', () => {
  assert.match(
    errorOf(withChange((x) => ((x.students as Json[])[0].kind = 'gru'))),
    /field "students\[0\]\.kind" must be one of: "transformer", "embedding-bag", "bilstm", "saved"/,
  );
  assert.match(
    errorOf(withChange((x) => ((x.dataset as Json).name = 'imdb'))),
    /field "dataset\.name" must be one of: "spam-assassin", "brown-genre"/,
  );
  assert.match(
    errorOf(withChange((x) => ((x.distillation as Json).logitLoss = 'kl'))),
    /field "distillation\.logitLoss" must be one of: "soft-ce", "mse"/,
  );
  assert.match(errorOf(withChange((x) => ((x.students as Json[])[1].hidden = -1))), /field "students\[1\]\.hidden" must be >= 0/);
  assert.match(errorOf(withChange((x) => delete ((x.students as Json[])[0] as Json).train)), /field "students\[0\]\.train" is required/);
  assert.match(
    errorOf(withChange((x) => ((x.teacher as Json).kind = 'saved'))),
    /field "teacher\.path" is required|field "teacher\.dModel" is not allowed/,
  );
  assert.match(errorOf(withChange((x) => ((x.inference as Json).repeats = 0))), /field "inference\.repeats" must be >= 1/);
  assert.match(errorOf(withChange((x) => ((x.dataset as Json).passagewords = 10))), /field "dataset\.passagewords" is not allowed/);
});

test('impossible sizes and duplicate names are refused with their field path', () => {
  assert.match(
    errorOf(withChange((x) => ((x.teacher as Json).heads = 3))),
    /field "teacher\.heads" must divide teacher\.dModel \(8 is not divisible by 3\)/,
  );
  assert.match(
    errorOf(withChange((x) => ((x.students as Json[])[1].name = 'lstm'))),
    /field "students\[1\]\.name": "lstm" is already used by students\[0\]/,
  );
  assert.match(errorOf('name: [unclosed'), /not valid JSON/);
});
