/**
 * The layers of src/ (docs/architecture.md), checked by `npm run lint`: imports point only down.
 *
 *   cli            the commands: flags, usage, exit codes
 *   scale          sweeps over many machines: plans, Slurm/Kubernetes scripts, collecting their runs
 *   run            orchestration: one run lifecycle for every kind of run; calls report at the end
 *   report         a pure function of a run directory: HTML, Markdown, CSVs, charts, compare
 *   suites         suite files: schema, loading, validation
 *   compression    quantization, pruning, chains: settings, checks, honest-compute verdicts (imports core, distillation)
 *   measurement | carbon | distillation | benchmark | ownmodels     side by side: none imports another
 *                  (ownmodels: models of other frameworks: the command result protocol, Hugging Face ONNX models)
 *   core           the ground floor: run-directory contract, host facts, errors, atomic files, seeded random
 */
const LAYERS = {
  core: [],
  measurement: ['core'],
  carbon: ['core'],
  distillation: ['core'],
  benchmark: ['core'],
  ownmodels: ['core'],
  compression: ['core', 'distillation'],
  suites: ['core', 'measurement', 'carbon', 'distillation', 'benchmark', 'ownmodels', 'compression'],
  report: ['core', 'measurement', 'carbon', 'distillation', 'benchmark', 'ownmodels', 'compression', 'suites'],
  run: ['core', 'measurement', 'carbon', 'distillation', 'benchmark', 'ownmodels', 'compression', 'suites', 'report'],
  scale: ['core', 'measurement', 'carbon', 'distillation', 'benchmark', 'ownmodels', 'compression', 'suites', 'report', 'run'],
  cli: ['core', 'measurement', 'carbon', 'distillation', 'benchmark', 'ownmodels', 'compression', 'suites', 'report', 'run', 'scale'],
};

const layerRules = Object.entries(LAYERS).map(([layer, below]) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}/ may import only ${below.length ? below.map((b) => `src/${b}/`).join(', ') : 'nothing of ours'} (and itself)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^src/', pathNot: [`^src/(${[layer, ...below].join('|')})/`, '^src/types/'] },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycles, between folders or within one (type-only imports included)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-top-level-files',
      comment: 'every module lives in its layer folder',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$' },
      to: {},
    },
    {
      name: 'src-not-tests',
      comment: 'production code never imports tests or benchmarks',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.json'],
    },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
