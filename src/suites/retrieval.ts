/** What the suite schema cannot check about `task: retrieval` suites (called from load.ts semanticErrors). */
import type { Suite } from './types.js';

/** The ranking metrics a retrieval suite can report (distillation/retrieval/metrics.ts computes them). */
export const RETRIEVAL_METRIC_NAMES = ['recall@1', 'recall@10', 'mrr@10', 'ndcg@10'];
/** Metrics of classification, refused in a retrieval suite with a message saying why. */
const CLASSIFICATION_METRICS = ['accuracy', 'macrof1', 'macro-f1', 'f1', 'precision', 'recall', 'auc'];
export const DEFAULT_RETRIEVAL_METRICS = ['recall@10', 'mrr@10', 'ndcg@10', 'recall@1'];

export function retrievalErrors(s: Suite): string[] {
  const errors: string[] = [];
  const all = [
    { path: 'teacher', m: s.teacher },
    ...s.students.map((m, i) => ({ path: `students[${i}]`, m })),
  ];
  if (s.task !== 'retrieval') {
    if (s.retrieval) errors.push('field "retrieval": only a suite with "task: retrieval" takes retrieval settings');
    for (const { path, m } of all)
      for (const f of ['pooling', 'normalize'] as const)
        if (m.kind === 'hf-onnx' && m[f] !== undefined)
          errors.push(
            `field "${path}.${f}": only an hf-onnx sentence encoder in a "task: retrieval" suite pools and normalises embeddings; a classifier's logits are read as they are`,
          );
    return errors;
  }
  if (!s.retrieval) {
    errors.push('field "retrieval" is required with "task: retrieval" (querySeqLen, embeddingDim)');
    return errors;
  }
  (s.retrieval.metrics ?? []).forEach((m, i) => {
    if (RETRIEVAL_METRIC_NAMES.includes(m)) return;
    const classification = CLASSIFICATION_METRICS.includes(m.toLowerCase());
    errors.push(
      `field "retrieval.metrics[${i}]": "${m}" is ${classification ? 'a classification metric' : 'not a metric kdbench computes'}; a retrieval suite reports ${RETRIEVAL_METRIC_NAMES.join(', ')}`,
    );
  });
  const models = all;
  const commands = models.filter(({ m }) => m.kind === 'command');
  for (const { path, m } of models) {
    if (m.kind === 'saved')
      errors.push(
        `field "${path}.kind": a retrieval suite trains its encoders in TensorFlow.js ("transformer", "embedding-bag", "bilstm"), loads "hf-onnx" sentence encoders or runs "command" models; "saved" models are not supported there yet`,
      );
    else if (m.kind !== 'command' && commands.length > 0)
      errors.push(
        `field "${path}.kind": in a retrieval suite, command models and ${m.kind === 'hf-onnx' ? 'hf-onnx' : 'TensorFlow.js'} encoders cannot be mixed yet (the TensorFlow.js students learn from a TensorFlow.js or hf-onnx teacher's embeddings); make "${m.name}" a command too, or use no commands`,
      );
    if (m.kind === 'hf-onnx') {
      if (m.labels)
        errors.push(`field "${path}.labels": a sentence encoder has no classes; "labels" maps a classifier's outputs in a classification suite`);
      if (m.compression)
        errors.push(`field "${path}.compression": compressed hf-onnx encoders are not supported in a retrieval suite yet`);
    }
  }
  for (const { path, m } of commands) {
    if (m.kind !== 'command') continue;
    if (!m.evaluate)
      errors.push(`field "${path}.evaluate": a command model in a retrieval suite needs an "evaluate" step that reports ranks or ranking metrics`);
    if (!m.infer)
      errors.push(
        `field "${path}.infer": a command model in a retrieval suite needs an "infer" step that marks the phases encode-index, encode-queries and scoring and reports encodedDocuments and encodedQueries`,
      );
    if (m.compress || m.compression)
      errors.push(`field "${path}.${m.compress ? 'compress' : 'compression'}": compressed command models are not supported in a retrieval suite yet`);
  }
  if (s.distillation.logitLoss)
    errors.push('field "distillation.logitLoss": a retrieval suite chooses its distillation in "retrieval.distillation" (mse, kl)');
  return errors;
}
