/**
 * Steps of task-specific distillation with a transfer set (Tang et al. 2019): the set is made from the
 * unlabelled pool (phase transfer-set), the teacher labels it (phase transfer-labelling); both count as
 * distillation energy (report/breakeven.ts SHARED_DISTILLATION_PHASES). The students then learn from the
 * labelled examples (labels and the teacher's logits) and the transfer set (the teacher's logits only).
 */
import { deriveSeed } from '../../core/random.js';
import { UserError } from '../../core/errors.js';
import { predictLogits, type EncodedSet } from '../../distillation/train.js';
import { brownTagCounts, posTable } from '../../distillation/transfer/pos-table.js';
import { makeTransferSet } from '../../distillation/transfer/transfer-set.js';
import type { DistillationSet, SuiteData, SuiteStepContext, Trained } from './types.js';

/** Rows of `b` after the rows of `a` (same seqLen). */
export function concatSets(a: EncodedSet, b: EncodedSet): EncodedSet {
  const ids = new Int32Array(a.ids.length + b.ids.length);
  ids.set(a.ids);
  ids.set(b.ids, a.ids.length);
  const labels = new Int32Array(a.n + b.n);
  labels.set(a.labels);
  labels.set(b.labels, a.n);
  return { ids, labels, n: a.n + b.n, seqLen: a.seqLen };
}

function concatLogits(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * With suite.distillation.transferSet: makes the set and has the teacher label it; returns the students'
 * set (labelled examples first, then the transfer set with labels -1) and the teacher's logits on all of it.
 * Without one: the labelled examples and the logits already computed on them.
 */
export async function transferStep(
  s: SuiteStepContext,
  d: SuiteData,
  teacher: Trained | undefined,
  labelledLogits: Float32Array,
): Promise<DistillationSet> {
  const spec = s.suite.distillation.transferSet;
  if (!spec) return { set: d.data.train, logits: labelledLogits };
  if (!teacher) throw new UserError('distillation.transferSet: the teacher labels the transfer set, so it must be a TensorFlow.js model');
  const { run } = s;
  await run.phase('transfer-set');
  const pos = spec.methods.includes('pos') ? posTable(d.data.vocab, brownTagCounts()) : undefined;
  const pool = d.data.unlabelled?.set;
  const t = makeTransferSet([...(pool ? [pool] : []), d.data.train], pool, spec, pos, deriveSeed(s.suite.seed, 'transfer-set'));
  const st = t.stats;
  if (run.records.dataset) run.records.dataset.transferSet = { ...spec, ...st, n: t.set.n, labelledBy: teacher.model.name };
  run.progress.log(
    `transfer set: ${t.set.n} examples (${st.pool} from the unlabelled pool, ${st.synthetic} made by ${spec.methods.join(', ')}: ${st.maskedTokens} tokens masked, ${st.replacedTokens} replaced by a word of the same part of speech${pos ? ` (${pos.tagged} vocabulary words tagged from Brown)` : ''}, ${st.ngramExamples} n-grams)`,
  );
  run.check();
  await run.phase('transfer-labelling', teacher.model.name);
  run.progress.log(`${teacher.model.name}: logits on the transfer set`);
  const logits = await predictLogits(teacher.model, t.set, 128);
  run.check();
  return { set: concatSets(d.data.train, t.set), logits: concatLogits(labelledLogits, logits) };
}
