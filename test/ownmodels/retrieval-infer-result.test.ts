/** The infer step of a command model in a retrieval suite: what it reports (suites/command-result.schema.json, "retrieval-infer"). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStep, parseResult } from '../../src/ownmodels/protocol.js';
import { UserError } from '../../src/core/errors.js';

const W = 'model "enc", step "infer"';
const refused = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof UserError && re.test(e.message));

test('retrieval-infer needs encodedDocuments and encodedQueries; scoredQueries is optional; the classifier fields are not asked for', () => {
  const r = checkStep('retrieval-infer', parseResult('{"encodedDocuments": 300, "encodedQueries": 64}', W), W);
  assert.equal(r.encodedDocuments, 300);
  assert.equal(r.scoredQueries, undefined);
  assert.equal(
    checkStep('retrieval-infer', parseResult('{"encodedDocuments": 3, "encodedQueries": 2, "scoredQueries": 2}', W), W).scoredQueries,
    2,
  );
  refused(() => checkStep('retrieval-infer', parseResult('{"encodedDocuments": 300}', W), W), /field "encodedQueries" is required/);
  refused(() => checkStep('retrieval-infer', parseResult('{"encodedQueries": 3}', W), W), /field "encodedDocuments" is required/);
  refused(() => parseResult('{"encodedDocuments": 0}', W), /field "encodedDocuments" must be >= 1/);
  refused(() => parseResult('{"scoredQueries": 1.5}', W), /field "scoredQueries" must be integer/);
  // A classifier's infer step still needs its latency figures: the new fields do not loosen it.
  refused(() => checkStep('infer', parseResult('{"encodedDocuments": 3, "encodedQueries": 2}', W), W), /field "inferences" is required/);
});
