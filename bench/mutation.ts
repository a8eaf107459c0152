/**
 * `npm run bench -- mutation [MODULE...]`: mutation testing (StrykerJS with its TAP runner driving node's test
 * runner) of the modules whose mistakes change published numbers. Each module is one Stryker run over its own
 * source files (line ranges where only part of a file computes figures) with only the test files that cover it,
 * at concurrency 1. The score counts killed (and timed-out) mutants among the valid ones, less the survivors
 * judged equivalent below, each with its reason. Not part of CI: minutes of CPU per module.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MutationModule {
  name: string;
  /** What in it changes a published number. */
  what: string;
  /** Stryker `mutate` patterns: files, or file:start-end line ranges. */
  mutate: string[];
  /** Compiled test files (dist/test/...) that cover it. */
  tests: string[];
  /** perTest by default; "all"/"off" where the tests reach the code only in a child process. */
  coverageAnalysis?: 'perTest' | 'all' | 'off';
  /** Stryker mutators left out for this module (named in the report). */
  excludedMutations?: string[];
}

export const MUTATION_MODULES: MutationModule[] = [
  {
    name: 'carbon',
    what: 'gCO2e of the run and of every phase: kWh x PUE x intensity, hourly series, PUE presets',
    mutate: ['src/carbon/index.ts:85-192', 'src/carbon/pue.ts:33-46', 'src/carbon/series.ts:111-118', 'src/carbon/series.ts:140-221'],
    // Error messages, notes and sources are text the tests of carbon's CLI check; the figures are what this run is for.
    excludedMutations: ['StringLiteral'],
    tests: ['carbon/pue-phases', 'carbon/record-fields', 'carbon/carbon.property', 'carbon/series', 'carbon/intensity', 'carbon/parts'],
  },
  {
    name: 'statistics',
    what: 'medians, bootstrap intervals of ratios and accuracy differences, their warnings',
    mutate: ['src/benchmark/stats.ts', 'src/benchmark/aggregate.ts'],
    // bootstrap.property (fast-check, thousands of resamples per case) is left out here: it made each surviving mutant
    // cost over 10 s on our shared 2 cores; the example tests below pin the same code.
    tests: ['benchmark/aggregate-figures', 'benchmark/grouped-ratio', 'benchmark/stats', 'benchmark/stats-bite'],
  },
  {
    name: 'integration',
    what: 'power and energy from raw readings, phase windows, uncertainty',
    mutate: ['src/measurement/integrator.ts', 'src/measurement/windows.ts', 'src/measurement/trace-energy.ts'],
    tests: [
      'measurement/windows-figures',
      'measurement/integrator',
      'measurement/energy.property',
      'measurement/counter-reset',
      // measurement/sources.test.ts was split into one file per source (the layout of src/measurement/sources/).
      'measurement/sources/rapl',
      'measurement/sources/nvml',
      'measurement/sources/nvidia-smi',
      'measurement/sources/estimates',
    ],
  },
  {
    name: 'split-vocabulary',
    what: 'train/test split (stratified, by text) and the vocabulary from the training split',
    mutate: ['src/distillation/data/split.ts', 'src/distillation/data/tokenizer.ts', 'src/distillation/data/prepare.ts:57-66'],
    tests: [
      'distillation/tokenizer-split',
      'distillation/data',
      'distillation/split.property',
      'distillation/vocabulary-leak',
      'distillation/datasets',
      'distillation/split-bite',
    ],
  },
  {
    name: 'break-even',
    what: 'inferences after which distillation pays back its energy',
    mutate: ['src/report/breakeven.ts'],
    tests: ['report/breakeven', 'report/breakeven-edges'],
  },
  {
    name: 'loss',
    what: 'the Hinton distillation loss (temperature, T^2, soft and hard weights)',
    mutate: ['src/distillation/loss.ts'],
    tests: ['distillation/loss-weights', 'distillation/loss'],
  },
  {
    name: 'sources',
    what: 'RAPL counters (wraps, resets), CPU and DRAM estimates, nvidia-smi parsing and timestamps',
    // Line ranges in the layout of sources/ by source (rapl/, estimates/, nvidia-smi/): the counter arithmetic,
    // the estimates' poll(), the CSV number and timestamp parsers and the streaming source's line and time handling.
    mutate: [
      'src/measurement/sources/rapl/source.ts:49-81',
      'src/measurement/sources/estimates/process-dram.ts:45-55',
      'src/measurement/sources/estimates/process-cpu.ts:73-83',
      'src/measurement/sources/nvidia-smi/csv.ts:9-23',
      'src/measurement/sources/nvidia-smi/csv.ts:38-45',
      'src/measurement/sources/nvidia-smi/source.ts:140-188',
    ],
    tests: [
      'measurement/counter-reset',
      'measurement/smi-lines',
      'measurement/estimates-size',
      'measurement/smi-timestamps',
      'measurement/sources/rapl',
      'measurement/sources/nvidia-smi',
      'measurement/sources/estimates',
      'measurement/sources-bite',
      'measurement/estimates-bite',
      'measurement/smi-source-bite',
    ],
  },
  {
    name: 'report-figures',
    what: 'the figures behind the models table and the headline: reference rows, energy per 1,000 inferences, ratios to the teacher, ESTIMATED tags',
    mutate: ['src/report/metrics.ts'],
    tests: [
      'report/model-figures',
      'report/estimated-labels',
      'report/breakeven',
      'report/emissions',
      'report/input',
      'report/labels-bite',
    ],
  },
];

/**
 * Survivors judged equivalent (no input of the module's contract can tell them apart), found by reading each
 * survivor. Matched by file, mutator, replacement and the text of the mutated source line, so that they survive
 * line moves; `reason` is printed in reports/bench/mutation.md.
 */
export interface Equivalent {
  file: string;
  mutator: string;
  /** A substring of the mutated source line. */
  line: string;
  /** The replacement as Stryker prints it (a substring). */
  replacement: string;
  reason: string;
}

const ZERO_PIECE = 'a piece of the window cut at its own edge has zero length: it adds 0 J and 0 s to every sum';
export const EQUIVALENTS: Equivalent[] = [
  {
    file: 'src/carbon/series.ts',
    mutator: 'EqualityOperator',
    line: 'if (meter(r.t) > t0 && meter(r.t) < t1)',
    replacement: 'meter(r.t) >= t0',
    reason: ZERO_PIECE,
  },
  {
    file: 'src/carbon/series.ts',
    mutator: 'EqualityOperator',
    line: 'if (meter(r.t) > t0 && meter(r.t) < t1)',
    replacement: 'meter(r.t) <= t1',
    reason: ZERO_PIECE,
  },
  {
    file: 'src/carbon/series.ts',
    mutator: 'EqualityOperator',
    line: 'if (meter(s.endMs) > t0 && meter(s.endMs) < t1)',
    replacement: 'meter(s.endMs) >= t0',
    reason: ZERO_PIECE,
  },
  {
    file: 'src/carbon/series.ts',
    mutator: 'EqualityOperator',
    line: 'if (meter(s.endMs) > t0 && meter(s.endMs) < t1)',
    replacement: 'meter(s.endMs) <= t1',
    reason: ZERO_PIECE,
  },
  {
    file: 'src/carbon/series.ts',
    mutator: 'ConditionalExpression',
    line: 'if (b <= a) continue;',
    replacement: 'false',
    reason:
      'the cuts are in increasing order (t0, rows inside the window in time order, the series end, t1), so b < a never happens, and b = a adds nothing',
  },
  { file: 'src/carbon/series.ts', mutator: 'EqualityOperator', line: 'if (b <= a) continue;', replacement: 'b < a', reason: ZERO_PIECE },
  {
    file: 'src/carbon/series.ts',
    mutator: 'EqualityOperator',
    line: '} else if (mid >= s.endMs) {',
    replacement: 'mid > s.endMs',
    reason: 'the window is cut at the series end, so only a zero-length piece (skipped) could have its midpoint exactly there',
  },
  {
    file: 'src/carbon/series.ts',
    mutator: 'ConditionalExpression',
    line: 'if (ms < rows[0].t) return 0;',
    replacement: 'false',
    reason: 'the binary search below also ends at index 0 for a time before the first row (the early return only saves work)',
  },
  {
    file: 'src/carbon/series.ts',
    mutator: 'EqualityOperator',
    line: 'if (ms < rows[0].t) return 0;',
    replacement: 'ms <= rows[0].t',
    reason: 'at exactly the first row the answer is index 0 either way',
  },
  {
    file: 'src/carbon/series.ts',
    mutator: 'OptionalChaining',
    line: 's.rows[lastIndexAtOrBefore(s.rows, wall(t0))]?.gCO2ePerKWh',
    replacement: '.gCO2ePerKWh',
    reason:
      'lastIndexAtOrBefore always returns an index inside the rows (a series has at least 2), so the optional chain never short-circuits',
  },
  ...(['year', 'licence', 'dataset'] as const).map((k) => ({
    file: 'src/carbon/index.ts',
    mutator: 'ConditionalExpression',
    line: `...(intensity.${k} === undefined ? {} : { ${k}: intensity.${k} }),`,
    replacement: 'false',
    reason: `writes ${k}: undefined instead of leaving the key out; JSON.stringify drops it, so run.json (which every report is built from) is byte-identical`,
  })),
  {
    file: 'src/carbon/series.ts',
    mutator: 'EqualityOperator',
    line: 'if (mid < s.startMs) {',
    replacement: 'mid <= s.startMs',
    reason:
      'the window is cut at the first row (the series start), so only a zero-length piece (skipped) could have its midpoint exactly there',
  },
  {
    file: 'src/report/breakeven.ts',
    mutator: 'LogicalOperator',
    line: "const known = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);",
    replacement: "typeof x === 'number' || Number.isFinite(x)",
    reason: 'differs only for NaN and +/-Infinity, which run.json (JSON) cannot hold: an unknown figure arrives as null',
  },
  {
    file: 'src/report/breakeven.ts',
    mutator: 'ConditionalExpression',
    line: "const known = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);",
    replacement: 'true',
    reason:
      'Number.isFinite does not coerce: it is false for every non-number, so the typeof test adds nothing (the other `true` mutant of this line is killed)',
  },
  ...[
    'run.models.find((m) => m.name === student)?.training?.phase',
    "p.name === teacher.training?.phase || p.name.startsWith('teacher-training')",
  ].map((line) => ({
    file: 'src/report/breakeven.ts',
    mutator: 'OptionalChaining',
    line,
    replacement: 'training.phase',
    reason:
      "run.json's contract (core/contract.ts ModelRecord) requires training on every model; the optional chain only guards against files that break it",
  })),
  {
    file: 'src/report/breakeven.ts',
    mutator: 'MethodExpression',
    line: 'SHARED_DISTILLATION_PHASES.some(',
    replacement: 'SHARED_DISTILLATION_PHASES.every(',
    reason: 'SHARED_DISTILLATION_PHASES has a single entry: some and every agree',
  },
  ...[
    'if (!tInf || !(tInf.inferences > 0)) return [];',
    'if (phases.length === 0 || !sInf || sInf.batchSize !== tInf.batchSize || !(sInf.inferences > 0)) continue;',
  ].flatMap((line) => [
    {
      file: 'src/report/breakeven.ts',
      mutator: 'ConditionalExpression',
      line,
      replacement: 'true',
      reason:
        'referenceInference (metrics.ts) only returns rows with inferences > 0, so this second check never decides (the other `true`/`false` mutants of the line are killed)',
    },
    {
      file: 'src/report/breakeven.ts',
      mutator: 'EqualityOperator',
      line,
      replacement: 'inferences >= 0',
      reason: 'referenceInference (metrics.ts) only returns rows with inferences > 0, so a row with 0 never gets here',
    },
  ]),
  {
    file: 'src/report/breakeven.ts',
    mutator: 'ConditionalExpression',
    line: 'if (b.nStarWithTeacherTraining !== undefined && b.nStarWithTeacherTraining !== null) {',
    replacement: 'true',
    reason:
      'nStarWithTeacherTraining is null only when nStar is null (a saving > 0 with a finite cost always gives a number), and that case returned above',
  },
  {
    file: 'src/report/breakeven.ts',
    mutator: 'OptionalChaining',
    line: 'its training (${b.teacherTrainingJ?.toPrecision(3)} J)',
    replacement: 'b.teacherTrainingJ.toPrecision',
    reason: 'inside this branch nStarWithTeacherTraining is a number, which breakEvens computes only when teacherTrainingJ is defined',
  },
  {
    file: 'src/report/metrics.ts',
    mutator: 'LogicalOperator',
    line: "const finite = (x: number | null | undefined): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);",
    replacement: "typeof x === 'number' || Number.isFinite(x)",
    reason:
      'differs only for NaN and +/-Infinity: every value passed is read from run.json (JSON holds neither) or a quotient whose divisor is checked to be > 0',
  },
  {
    file: 'src/report/metrics.ts',
    mutator: 'ConditionalExpression',
    line: "const finite = (x: number | null | undefined): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);",
    replacement: 'true',
    reason: 'Number.isFinite does not coerce: it is false for every non-number, so the typeof test adds nothing',
  },
  ...['a !== undefined && b !== undefined || b > 0', 'a !== undefined || b !== undefined', 'b >= 0'].map((replacement) => ({
    file: 'src/report/metrics.ts',
    mutator: replacement === 'b >= 0' ? 'EqualityOperator' : 'LogicalOperator',
    line: 'const ratio = (a: number | undefined, b: number | undefined) =>',
    replacement,
    reason:
      'the quotient goes through finite(): an undefined operand gives NaN and a divisor of 0 gives NaN or Infinity, both turned into undefined as the guard would',
  })),
  {
    file: 'src/report/metrics.ts',
    mutator: 'EqualityOperator',
    line: 'inf && inf.inferences > 0 && finite(inf.uncertaintyJ) !== undefined',
    replacement: 'inf.inferences >= 0',
    reason: 'with 0 inferences the quotient is Infinity or NaN, which finite() turns into undefined as the guard would',
  },
  ...['tInf?.energyJPer1000', 'tInf?.gCO2ePer1000'].map((line) => ({
    file: 'src/report/metrics.ts',
    mutator: 'OptionalChaining',
    line,
    replacement: line.replace('?.', '.'),
    reason: 'sameBatch is true only when tInf is defined, so the optional chain never short-circuits',
  })),
  {
    file: 'src/measurement/integrator.ts',
    mutator: 'ArrayDeclaration',
    line: 'const recent = (s.recent ??= []);',
    replacement: 'Stryker was here',
    reason: 'every cumulative device state is created with its first reading in recent, so the default is never used',
  },
  {
    file: 'src/measurement/integrator.ts',
    mutator: 'EqualityOperator',
    line: 'while (i > 0 && t - recent[i].t < MIN_POWER_SPAN_S) i--;',
    replacement: 'i >= 0',
    reason: 'i = -1 ends the loop and the reference is recent[max(0, i)], the same element as with i = 0',
  },
  ...['true', 'false', 'i >= 0', 'i <= 0'].map((replacement) => ({
    file: 'src/measurement/integrator.ts',
    mutator: replacement.startsWith('i') ? 'EqualityOperator' : 'ConditionalExpression',
    line: 'if (i > 0) recent.splice(0, i);',
    replacement,
    reason:
      'the splice only trims history older than the reference (memory); the reference and every later reading are kept, so every power is unchanged',
  })),
  ...['true', 't >= ref.t'].map((replacement) => ({
    file: 'src/measurement/integrator.ts',
    mutator: replacement === 'true' ? 'ConditionalExpression' : 'EqualityOperator',
    line: 'return t > ref.t ? (raw - ref.raw) / (t - ref.t) : 0;',
    replacement,
    reason: 'add() returns before spanPower for a reading not after the previous one, so the reference is always earlier than t',
  })),
  ...['b >= a'].map((replacement) => ({
    file: 'src/measurement/windows.ts',
    mutator: 'EqualityOperator',
    line: 'if (b > a) err += (Math.abs(p[i] - p[i - 1]) / 2) * (b - a);',
    replacement,
    reason: 'at b = a the added term is 0',
  })),
  ...[
    ['if (t <= ts[0]) return e[0];', 't < ts[0]'],
    ['if (t >= ts[n - 1]) return e[n - 1];', 't > ts[n - 1]'],
    ['if (ts[mid] <= t) lo = mid;', 'ts[mid] < t'],
  ].map(([line, replacement]) => ({
    file: 'src/measurement/windows.ts',
    mutator: 'EqualityOperator',
    line,
    replacement,
    reason: "at t equal to a sample time the interpolation of either neighbouring interval gives that sample's energy exactly",
  })),
  {
    file: 'src/measurement/windows.ts',
    mutator: 'ArithmeticOperator',
    line: 'let hi = n - 1;',
    replacement: 'n + 1',
    reason:
      'the early returns guarantee ts[0] < t < ts[n - 1], so the search keeps hi <= n - 1 (indices past the end compare as false and only move hi down)',
  },
  {
    file: 'src/measurement/windows.ts',
    mutator: 'ArrayDeclaration',
    line: 'export function domainEnergy(',
    replacement: 'Stryker was here',
    reason: "a default gap list of one string: the string has no device, so the filter on this device's gaps drops it",
  },
  {
    file: 'src/benchmark/stats.ts',
    mutator: 'ConditionalExpression',
    line: 'if (xs.length === 0) return NaN;',
    replacement: 'false',
    reason: 'for an empty array the formula below gives (undefined + undefined) / 2 = NaN anyway',
  },
  {
    file: 'src/benchmark/stats.ts',
    mutator: 'ConditionalExpression',
    line: 'if (sorted.length === 0) return NaN;',
    replacement: 'false',
    reason: 'for an empty array sorted[lo] is undefined and the interpolation below gives NaN anyway',
  },
  {
    file: 'src/benchmark/aggregate.ts',
    mutator: 'LogicalOperator',
    line: 'Number.isFinite(ci[0]) && Number.isFinite(ci[1]) ? [ci[0], ci[1]] : undefined;',
    replacement: 'Number.isFinite(ci[0]) || Number.isFinite(ci[1])',
    reason: 'a bootstrap interval has both ends finite or both NaN (quantiles of the same non-empty or empty list)',
  },
  {
    file: 'src/carbon/index.ts',
    mutator: 'LogicalOperator',
    line: '...(series && app',
    replacement: 'series || app',
    reason: 'app is computed exactly when there is a series (applied() returns undefined without one), so both conditions are always equal',
  },
  ...(['estimate, 1);', 'diff, 0);'] as const).map((tail) => ({
    file: 'src/benchmark/aggregate.ts',
    mutator: 'ArrayDeclaration',
    line: `const warning = intervalWarning(ci ?? [NaN, NaN], ${tail}`,
    replacement: '[]',
    reason:
      'intervalWarning reads ci[0] and ci[1]: of [] they are undefined, which Number.isFinite rejects exactly like NaN, so the same "no confidence interval" warning results',
  })),
  {
    file: 'src/benchmark/stats.ts',
    mutator: 'EqualityOperator',
    line: 'return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);',
    replacement: 'Math.abs(x) > 100',
    reason: 'differs only at |x| = 100 exactly, where toFixed(0) and toPrecision(3) both print "100" (or "-100")',
  },
  {
    file: 'src/distillation/data/tokenizer.ts',
    mutator: 'EqualityOperator',
    line: '.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))',
    replacement: 'a[0] <= b[0]',
    reason: 'the entries are those of a Map keyed by word, so two never have the same word: < and <= agree on every pair compared',
  },
  {
    file: 'src/distillation/data/split.ts',
    mutator: 'ArithmeticOperator',
    line: '.sort((a, b) => b.r - a.r || a.i - b.i);',
    replacement: 'a.i + b.i',
    reason:
      'the tie-break never decides: Array.prototype.sort is stable and `order` is built in index order, and on arrays this short (one entry per class, at most 15) V8 sorts by binary insertion, comparing each later entry (a) with earlier ones, where a.i + b.i and a.i - b.i are both positive; 200,000 random cases of 2 to 31 classes with tied remainders gave the same order',
  },
  {
    file: 'src/distillation/data/prepare.ts',
    mutator: 'MethodExpression',
    line: 'const grouped = pool.some((e) => e.group !== undefined);',
    replacement: 'pool.every(',
    reason:
      'prepareData loads only brown-genre (every passage has its text as group) and spam-assassin (no example has one), so some and every agree (test/distillation/split-bite checks both)',
  },
  ...(
    [
      ['EqualityOperator', 'a.id <= b.id'],
      ['EqualityOperator', 'a.id >= b.id'],
      ['ConditionalExpression', 'true'],
      ['ConditionalExpression', 'false'],
    ] as const
  ).map(([mutator, replacement]) => ({
    file: 'src/distillation/data/split.ts',
    mutator,
    line: 'const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);',
    replacement,
    reason:
      "the survivors change what the comparator returns only for a.id = b.id (ids are unique in both datasets: test/distillation/split-bite checks) or turn its 1 into 0; V8's sort (TimSort) only asks whether the result is below 0, so a.id < b.id ? -1 : 0 sorts exactly as the full comparator (100 random arrays of 10 to 20,000 ids sorted the same); the mutants that reverse the order or always answer -1 are killed by the pinned split",
  })),
  {
    file: 'src/measurement/sources/nvidia-smi/csv.ts',
    mutator: 'Regex',
    line: "const v = s.trim().replace(/\\s*W$/, '');",
    replacement: '/\\s*W/',
    reason:
      'differs only for a W before the end of the value; nvidia-smi prints W only as the unit after a power figure, and its bracketed words ([N/A], [Not Supported], [Unknown Error]) have no capital W',
  },
  {
    file: 'src/measurement/sources/nvidia-smi/csv.ts',
    mutator: 'MethodExpression',
    line: "if (v === '' || v.startsWith('[')) return undefined;",
    replacement: "v.endsWith('[')",
    reason: 'Number() of any text that starts with [ is NaN, which the line after turns into undefined as this check does',
  },
  {
    file: 'src/measurement/sources/nvidia-smi/csv.ts',
    mutator: 'StringLiteral',
    line: "if (at >= 0 && !/^\\d+$/.test(parts[at] ?? '')) return undefined;",
    replacement: '"Stryker was here!"',
    reason: "the default stands in for a missing index, and any text without digits fails /^\\d+$/ exactly as '' does",
  },
  {
    file: 'src/measurement/sources/rapl/source.ts',
    mutator: 'ConditionalExpression',
    line: 'if (z.last !== undefined && v < z.last) {',
    replacement: 'true',
    reason:
      'the surviving true replaces z.last !== undefined: start() reads every zone (and fails if one cannot be read), so z.last is set before any poll (a true for the whole condition, a wrap on every poll, is killed)',
  },
];

export interface SurvivorRecord {
  file: string;
  line: number;
  mutator: string;
  original: string;
  replacement: string;
  status: string;
  reason?: string;
}

export interface ModuleResult {
  name: string;
  what: string;
  mutate: string[];
  tests: string[];
  total: number;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  invalid: number;
  equivalent: number;
  /** killed + timeout over valid non-equivalent mutants, percent. */
  score: number;
  durationS: number;
  survivors: SurvivorRecord[];
}

interface StrykerMutantResult {
  fileName: string;
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}

function sourceLine(repo: string, file: string, line: number): string {
  try {
    return readFileSync(join(repo, file), 'utf8').split('\n')[line - 1] ?? '';
  } catch {
    return '';
  }
}

/** Runs Stryker on one module and folds its mutants into a result. */
export async function runMutationModule(repo: string, m: MutationModule, log: (s: string) => void): Promise<ModuleResult> {
  const { Stryker } = await import('@stryker-mutator/core');
  const base = JSON.parse(readFileSync(join(repo, 'stryker.config.json'), 'utf8')) as Record<string, unknown>;
  delete base.$schema;
  delete base._comment;
  const options = {
    ...base,
    mutate: m.mutate,
    coverageAnalysis: m.coverageAnalysis ?? base.coverageAnalysis,
    ...(m.excludedMutations ? { mutator: { excludedMutations: m.excludedMutations } } : {}),
    tap: { ...(base.tap as object), testFiles: m.tests.map((t) => `dist/test/${t}.test.js`) },
  };
  log(`mutation ${m.name}: ${m.mutate.join(' ')} against ${m.tests.length} test files`);
  const started = Date.now();
  const cwd = process.cwd();
  process.chdir(repo);
  let results: StrykerMutantResult[];
  try {
    results = (await new Stryker(options as never).runMutationTest()) as unknown as StrykerMutantResult[];
  } finally {
    process.chdir(cwd);
  }
  const durationS = (Date.now() - started) / 1000;
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const survivors: SurvivorRecord[] = results
    .filter((r) => r.status === 'Survived' || r.status === 'NoCoverage')
    .map((r) => {
      const file = r.fileName.startsWith(repo) ? r.fileName.slice(repo.length).replace(/^\/+/, '') : r.fileName;
      const text = sourceLine(repo, file, r.location.start.line);
      const eq = EQUIVALENTS.find(
        (e) => e.file === file && e.mutator === r.mutatorName && text.includes(e.line) && (r.replacement ?? '').includes(e.replacement),
      );
      return {
        file,
        line: r.location.start.line,
        mutator: r.mutatorName,
        original: text.trim(),
        replacement: (r.replacement ?? '').replace(/\s+/g, ' ').slice(0, 120),
        status: r.status,
        ...(eq ? { reason: eq.reason } : {}),
      };
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const killed = count('Killed');
  const timeout = count('Timeout');
  const invalid = count('CompileError') + count('RuntimeError');
  const equivalent = survivors.filter((s) => s.reason).length;
  // Ignored: mutants of left-out mutators; compile and runtime errors are not valid mutants either.
  const valid = killed + timeout + count('Survived') + count('NoCoverage') - equivalent;
  return {
    name: m.name,
    what: m.what,
    mutate: m.mutate,
    tests: m.tests,
    total: results.length,
    killed,
    timeout,
    survived: count('Survived'),
    noCoverage: count('NoCoverage'),
    invalid,
    equivalent,
    score: valid > 0 ? (100 * (killed + timeout)) / valid : NaN,
    durationS,
    survivors,
  };
}

const TARGET = 90;

/** What changed since a module's stored run (printed under it, so a reader knows which survivors are already killed). */
export const AFTER_RUN: Record<string, string> = {
  carbon:
    'After this run, test/carbon/record-fields.test.ts gained a before-the-series window that does not start at t = 0; it kills the survivor `before += b + a` (checked by planting it by hand). Not re-run: 25 min of a shared CPU.',
  'report-figures':
    'Re-run after test/report/model-figures.test.ts gained its cases (three models with no common batch, a model whose own largest batch exceeds the common one, unsorted latency rows, a negative teacher figure): src/report/metrics.ts had grown meanwhile by the label functions (estimateLabel, estimateSuffix, energyWord, co2Flag, co2Suffix, co2Labels: 170 mutants instead of 125), which no test of this module called, so the run measured 77.3 %; test/report/labels-bite.test.ts now checks every label exactly and this table is the run with it. The four `true` survivors of lines 48 and 64 are equivalent (a `true` for `a !== undefined`, for `b !== undefined`, for both: an undefined operand gives NaN, which finite() turns into undefined as the guard would; for `inf.inferences > 0`: like its `>=` twin), checked by planting each by hand; they are not in EQUIVALENTS because Stryker prints them and their killed siblings as the same `true`.',
  integration:
    'After this run, test/measurement/windows-figures.test.ts gained windows not starting at t = 0 and a zero-length window (kill the `w.t1 + w.t0`, `s.at(w.t1) + s.at(w.t0)` and the two `meanW` survivors) and integrator cases (a first counter reading with its own power, a reading with neither energy nor power, a power reading not after the previous one carrying afterGap: kill the survivors of lines 46, 51, 57, 65 and 70). Not re-run. Left as found: `<=` at exactly MIN_POWER_SPAN_S and `>=` at a gap of exactly 1 ms (boundaries of measure zero, but not strictly equivalent).',
  statistics:
    'Run without test/benchmark/bootstrap.property.test.ts (fast-check, thousands of resamples per case: too slow per mutant here). test/benchmark/stats-bite.test.ts killed the 39 survivors of the previous run (84.1 %) that were not equivalent: intervals pinned to the seeds derived from the run seed (24 and 12 rounds, where the seed changes the interval), single-round ratios, a teacher at several batch sizes, controls only, missing correctness, the minimum sizes and the cluster bootstrap against a reference implementation.',
  'split-vocabulary':
    'test/distillation/split-bite.test.ts (pinned split and sample for a seed, input-order invariance, mixed grouped and single pools, pools no larger than the sample, quotas by largest remainder, test groups per dataset) killed 11 of the 19 survivors of the first run (87.2 %); the 8 left are judged equivalent above. After this run it gained an input-order test on 400 examples (sorted by merging runs), which the byId judgement rests on as well.',
  sources:
    'Mutated in the layout of sources/<name>/ (the old single-file paths were gone). The first run (82.2 %, 39 open) had only the older tests; test/measurement/sources-bite, estimates-bite and smi-source-bite (split by cost, so that each mutant runs only the slow files that reach it) killed 32 of them in this re-run. Left open: the two boundaries skew <= -1 and skew >= the limit (exactly -1 s or exactly the limit; not judged equivalent), and the emptied [N/A] problem message, which smi-source-bite does kill when the mutant is planted by hand in the compiled file (the test compares the exact message), so Stryker apparently did not run that file for it (the line runs in a callback on the child output).',
  'break-even':
    "After this run, test/report/breakeven-edges.test.ts gained a partly unknown teacher training (kills `teacherPhases.some`), the sentence without a range and its saving (kill the `'Stryker was here!'` and `teacher + student` survivors; checked by planting them by hand). Not re-run.",
};

export function mutationMarkdown(results: ModuleResult[], notRun: MutationModule[]): string {
  const lines: string[] = [
    '# Mutation testing',
    '',
    "StrykerJS (`@stryker-mutator/core` with `@stryker-mutator/tap-runner`, node's test runner printing TAP), one run per module,",
    'concurrency 1, each module against only the test files that cover it. `npm run bench -- mutation [MODULE...]` regenerates',
    'this file (`reports/bench/mutation.json` holds every survivor); `-- mutation --render` re-applies the equivalence judgements',
    'of bench/mutation.ts to the stored survivors without running anything. Score = (killed + timed out) / (killed + timed out',
    `+ survived + no coverage - survivors judged equivalent); "left out": mutants of mutators excluded for the module, and`,
    `compile or runtime errors. Target: ${TARGET} % in every module.`,
    '',
    '| module | what it computes | mutants | left out | killed | timeout | survived | no coverage | equivalent | score | target | time |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.what} | ${r.total} | ${r.total - r.killed - r.timeout - r.survived - r.noCoverage} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.equivalent} | ${r.score.toFixed(1)} % | ${r.score >= TARGET ? 'reached' : 'NOT reached'} | ${Math.round(r.durationS)} s |`,
    ),
    ...notRun.map((m) => `| ${m.name} | ${m.what} | not run | | | | | | | | | |`),
    '',
  ];
  for (const r of results) {
    const m = MUTATION_MODULES.find((x) => x.name === r.name);
    const excluded = m?.excludedMutations?.length ? ` Mutators left out: ${m.excludedMutations.join(', ')}.` : '';
    lines.push(
      `## ${r.name}`,
      '',
      `Mutated: ${r.mutate.map((x) => `\`${x}\``).join(', ')}. Tests: ${r.tests.map((t) => `\`${t}\``).join(', ')}.${excluded}`,
      '',
    );
    if (AFTER_RUN[r.name]) lines.push(AFTER_RUN[r.name], '');
    const eq = r.survivors.filter((s) => s.reason);
    const open = r.survivors.filter((s) => !s.reason);
    if (eq.length > 0) {
      lines.push(
        'Survivors judged equivalent:',
        '',
        '| file:line | mutator | original | replacement | why equivalent |',
        '|---|---|---|---|---|',
      );
      for (const s of eq)
        lines.push(`| ${s.file}:${s.line} | ${s.mutator} | \`${cell(s.original)}\` | \`${cell(s.replacement)}\` | ${cell(s.reason!)} |`);
      lines.push('');
    }
    if (open.length > 0) {
      lines.push(
        'Survivors not judged equivalent (tests could kill them):',
        '',
        '| file:line | mutator | status | original | replacement |',
        '|---|---|---|---|---|',
      );
      for (const s of open)
        lines.push(`| ${s.file}:${s.line} | ${s.mutator} | ${s.status} | \`${cell(s.original)}\` | \`${cell(s.replacement)}\` |`);
      lines.push('');
    }
  }
  return lines.join('\n') + '\n';
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/`/g, "'").slice(0, 140);

/**
 * Runs the named modules (all when none is named), merges them into reports/bench/mutation.json (results of
 * modules not run this time are kept from the last run) and rewrites reports/bench/mutation.md.
 */
export async function runMutationBench(repo: string, outDir: string, names: string[], log: (s: string) => void): Promise<ModuleResult[]> {
  if (names.includes('--render')) return renderMutationBench(outDir);
  const unknown = names.filter((n) => !MUTATION_MODULES.some((m) => m.name === n));
  if (unknown.length > 0)
    throw new Error(`unknown mutation module(s) ${unknown.join(', ')}; known: ${MUTATION_MODULES.map((m) => m.name).join(', ')}`);
  const chosen = names.length > 0 ? names.map((n) => MUTATION_MODULES.find((m) => m.name === n)!) : MUTATION_MODULES;
  const jsonPath = join(outDir, 'mutation.json');
  let previous: ModuleResult[] = [];
  try {
    previous = (JSON.parse(readFileSync(jsonPath, 'utf8')) as { modules: ModuleResult[] }).modules;
  } catch {
    /* first run */
  }
  const byName = new Map(previous.map((r) => [r.name, r]));
  for (const m of chosen) {
    let r: ModuleResult;
    try {
      r = await runMutationModule(repo, m, log);
    } catch (e) {
      log(`mutation ${m.name} FAILED: ${(e as Error).message}`);
      continue;
    }
    log(
      `mutation ${m.name}: ${r.score.toFixed(1)} % (${r.killed + r.timeout} killed of ${r.total}, ${r.survived} survived, ${r.noCoverage} no coverage, ${r.equivalent} equivalent) in ${Math.round(r.durationS)} s`,
    );
    byName.set(m.name, r);
    writeFileSync(
      jsonPath,
      JSON.stringify({ tool: strykerVersion(repo), modules: MUTATION_MODULES.flatMap((x) => byName.get(x.name) ?? []) }, null, 2) + '\n',
    );
    const done = MUTATION_MODULES.flatMap((x) => byName.get(x.name) ?? []);
    writeFileSync(
      join(outDir, 'mutation.md'),
      mutationMarkdown(
        done,
        MUTATION_MODULES.filter((x) => !byName.has(x.name)),
      ),
    );
  }
  const results = MUTATION_MODULES.flatMap((x) => byName.get(x.name) ?? []);
  writeFileSync(
    join(outDir, 'mutation.md'),
    mutationMarkdown(
      results,
      MUTATION_MODULES.filter((x) => !byName.has(x.name)),
    ),
  );
  return results;
}

function strykerVersion(repo: string): string {
  try {
    return `@stryker-mutator/core ${(JSON.parse(readFileSync(join(repo, 'node_modules/@stryker-mutator/core/package.json'), 'utf8')) as { version: string }).version}`;
  } catch {
    return '@stryker-mutator/core';
  }
}

/**
 * `npm run bench -- mutation --render`: applies the current EQUIVALENTS judgements to the survivors stored in
 * reports/bench/mutation.json (no mutant is run again) and rewrites the scores and reports/bench/mutation.md.
 */
export function renderMutationBench(outDir: string): ModuleResult[] {
  const jsonPath = join(outDir, 'mutation.json');
  const stored = JSON.parse(readFileSync(jsonPath, 'utf8')) as { tool: string; modules: ModuleResult[] };
  const modules = stored.modules.map((r) => {
    const survivors = r.survivors.map((sv): SurvivorRecord => {
      const eq = EQUIVALENTS.find(
        (e) => e.file === sv.file && e.mutator === sv.mutator && sv.original.includes(e.line) && sv.replacement.includes(e.replacement),
      );
      const { reason: _old, ...rest } = sv;
      return eq ? { ...rest, reason: eq.reason } : rest;
    });
    const equivalent = survivors.filter((x) => x.reason).length;
    const valid = r.killed + r.timeout + r.survived + r.noCoverage - equivalent;
    return { ...r, survivors, equivalent, score: valid > 0 ? (100 * (r.killed + r.timeout)) / valid : NaN };
  });
  writeFileSync(jsonPath, JSON.stringify({ ...stored, modules }, null, 2) + '\n');
  writeFileSync(
    join(outDir, 'mutation.md'),
    mutationMarkdown(
      modules,
      MUTATION_MODULES.filter((m) => !modules.some((r) => r.name === m.name)),
    ),
  );
  return modules;
}
