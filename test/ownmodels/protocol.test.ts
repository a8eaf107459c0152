/** The result protocol of command models: the published schema, errors that name the field, and the line filter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { UserError } from '../../src/core/errors.js';
import { checkStep, parseResult, RESULT_SCHEMA_PATH, ResultLineFilter, resultPayload } from '../../src/ownmodels/protocol.js';

const W = 'students[0] "s", step "evaluate"';

function err(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('accepted');
}

test('the published schema is a JSON Schema with one definition per step', () => {
  const schema = JSON.parse(readFileSync(RESULT_SCHEMA_PATH, 'utf8'));
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.match(schema.$id, /command-result\.schema\.json$/);
  for (const step of ['train', 'distil', 'control', 'evaluate', 'infer']) assert.ok(schema.definitions[step], step);
  assert.equal(schema.definitions.result.additionalProperties, false);
});

test('the example line of the issue is valid; fields keep their values', () => {
  const json = '{"accuracy":0.91,"macroF1":0.9,"params":4400000,"inferences":20000,"batchSize":32}';
  assert.equal(resultPayload(`::kdbench result ${json}::`), json);
  assert.equal(resultPayload(`::kdbench result ${json}::\r`), json);
  assert.equal(resultPayload(`note: ::kdbench result ${json}::`), undefined, 'only a line of its own');
  assert.deepEqual(parseResult(json, W), { accuracy: 0.91, macroF1: 0.9, params: 4400000, inferences: 20000, batchSize: 32 });
  // A string with "::" inside still parses: the line ends with the last "::".
  assert.equal(parseResult(resultPayload('::kdbench result {"device":"a::b"}::')!, W).device, 'a::b');
});

test('an invalid line is an error naming the model, the step and the field, never a silent zero', () => {
  assert.match(
    err(() => parseResult('{"accuracy":"0.9"}', W)),
    /students\[0\] "s", step "evaluate": invalid result line.*\n\s+- field "accuracy" must be number/s,
  );
  assert.match(
    err(() => parseResult('{"accuracy":1.5}', W)),
    /field "accuracy" must be <= 1/,
  );
  assert.match(
    err(() => parseResult('{"params":3.5}', W)),
    /field "params" must be integer/,
  );
  assert.match(
    err(() => parseResult('{"latencyMsP50":0}', W)),
    /field "latencyMsP50" must be > 0/,
  );
  assert.match(
    err(() => parseResult('{"predictions":[0,1,null]}', W)),
    /field "predictions\[2\]" must be integer or string/,
  );
  assert.match(
    err(() => parseResult('{"acuracy":0.9}', W)),
    /field "acuracy" is not part of the result schema \(free-form facts go in "info"\)/,
  );
  assert.match(
    err(() => parseResult('{"accuracy":0.9', W)),
    /a result line is not valid JSON/,
  );
  assert.match(
    err(() => parseResult('[1,2]', W)),
    /field "\(the object\)" must be object/,
  );
  assert.deepEqual(parseResult('{"info":{"anything":[1,"x"]}}', W), { info: { anything: [1, 'x'] } });
});

test("each step's result must hold what the step reports", () => {
  assert.match(
    err(() => checkStep('train', undefined, W)),
    /the step printed no result line; it must print "::kdbench result \{...\}::"/,
  );
  assert.deepEqual(checkStep('train', {}, W), {});
  assert.match(
    err(() => checkStep('evaluate', { params: 10 }, W)),
    /needs "accuracy" and "macroF1", or "predictions"/,
  );
  assert.match(
    err(() => checkStep('evaluate', { accuracy: 0.5, macroF1: 0.5 }, W)),
    /field "params" is required/,
  );
  checkStep('evaluate', { params: 10, predictions: [0] }, W);
  checkStep('evaluate', { params: 10, accuracy: 0.5, macroF1: 0.4 }, W);
  const infer = err(() => checkStep('infer', { inferences: 10, batchSize: 1 }, W));
  for (const f of ['latencyMsP50', 'latencyMsP99', 'latencyMsMean']) assert.match(infer, new RegExp(`field "${f}" is required`));
});

test('the line filter takes result lines out of the output, across chunk boundaries, and passes the rest on at once', () => {
  const out: string[] = [];
  const results: string[] = [];
  const f = new ResultLineFilter(
    (t) => out.push(t),
    (j) => results.push(j),
  );
  f.push('epoch 1\n::kdbench res');
  assert.deepEqual(out, ['epoch 1\n'], 'a possible result line waits; other text does not');
  f.push('ult {"a":1}::\nprogress 50%');
  f.push('\rprogress 100%\n  ::kdbench result {"b":2}::\n');
  f.push('::kdbench result {"c":3}::');
  f.end();
  assert.deepEqual(results, ['{"a":1}', '{"c":3}'], 'an indented line is not a result line; an unterminated last line is');
  assert.equal(out.join(''), 'epoch 1\nprogress 50%\rprogress 100%\n  ::kdbench result {"b":2}::\n');
});

test('an error in a result keeps the first one and lets the output through', () => {
  const out: string[] = [];
  const f = new ResultLineFilter(
    (t) => out.push(t),
    (j) => {
      throw new UserError(`bad ${j}`);
    },
  );
  f.push('::kdbench result 1::\n::kdbench result 2::\nafter\n');
  assert.equal((f.error as Error).message, 'bad 1');
  assert.equal(out.join(''), 'after\n');
});
