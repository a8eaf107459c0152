/** Compression methods beside distillation: quantization, pruning and chains; their settings, checks and honest-compute verdicts. */
export * from './types.js';
export * from './honest.js';
export * from './prune.js';
export * from './quantize.js';
export * from './validate.js';
export * from './lineage.js';
