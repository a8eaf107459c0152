/** Command models that retrieve: the result protocol takes ranking metrics or ranks; kdbench recomputes and checks them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStep, parseResult } from '../../src/ownmodels/protocol.js';
import { commandRetrieval } from '../../src/run/suite/retrieval-command.js';
import { UserError } from '../../src/core/errors.js';

const W = 'model "enc", step "evaluate"';
const refused = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof UserError && re.test(e.message));

test('evaluate accepts "recall@10" and "mrr@10", or "ranks", in place of accuracy and macro-F1', () => {
  const r = checkStep('evaluate', parseResult('{"params": 10, "recall@10": 0.5, "mrr@10": 0.25}', W), W);
  assert.equal(r['recall@10'], 0.5);
  assert.ok(checkStep('evaluate', parseResult('{"params": 10, "ranks": [1, 3]}', W), W).ranks);
  refused(
    () => checkStep('evaluate', parseResult('{"params": 10, "recall@10": 0.5}', W), W),
    /or "recall@10" and "mrr@10", or "ranks" \(a retrieval model\)/,
  );
  refused(() => parseResult('{"recall@10": 1.5}', W), /field "recall@10" must be <= 1/);
  refused(() => parseResult('{"indexDocuments": 0}', W), /field "indexDocuments" must be >= 1/);
});

test('ranks give the metrics with intervals over queries; reported metrics must agree', () => {
  const out = commandRetrieval({ ranks: [1, 2, 11, 1], indexDocuments: 20, 'recall@10': 0.75 }, W, 1)!;
  assert.deepEqual(out.record.metrics['recall@1'], 0.5);
  assert.equal(out.record.metrics['recall@10'], 0.75);
  assert.equal(out.record.metrics['mrr@10'], (1 + 0.5 + 0 + 1) / 4);
  assert.equal(out.record.queries, 4);
  const [lo, hi] = out.record.ci95!['recall@10'];
  assert.ok(lo <= 0.75 && 0.75 <= hi);
  refused(() => commandRetrieval({ ranks: [1, 2], 'mrr@10': 0.9 }, W), /field "mrr@10" \(0.9\) disagrees with the ranks \(0.75\)/);
  assert.equal(commandRetrieval({ accuracy: 0.5 }, W), undefined);
});

test('a query without a relevant document in the index, or a rank past the index, is refused naming the field', () => {
  refused(() => commandRetrieval({ ranks: [1, 0, 2] }, W), /field "ranks\[1\]": query 1 has no relevant document in the index/);
  refused(
    () => commandRetrieval({ ranks: [1, 30], indexDocuments: 20 }, W),
    /field "ranks\[1\]": rank 30 is past the index of 20 documents/,
  );
  refused(() => commandRetrieval({ ranks: [1, 2], queries: 3 }, W), /field "ranks" has 2 entries; field "queries" says 3/);
});
