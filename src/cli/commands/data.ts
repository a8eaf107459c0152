/** `kdbench data export NAME --out FILE.jsonl`: a suite's examples and split as JSON Lines, for models trained outside kdbench. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { numberFlag, parseCommandArgs } from '../args.js';
import { UserError } from '../../core/errors.js';
import { availableSuites, effectiveSuite, loadSuite } from '../../suites/load.js';
import type { DatasetSpec } from '../../suites/types.js';
import { DATASETS, prepareData } from '../../distillation/data/prepare.js';
import { writeJsonl, writeRetrievalJsonl } from '../../distillation/data/export.js';
import { prepareRetrieval } from '../../distillation/data/retrieval.js';

export const usage = `Usage: kdbench data export NAME --out FILE.jsonl [options]

Writes the examples of a suite's dataset, split exactly as "kdbench run NAME" splits them, as JSON
Lines: the training split, then the test split, one example a line:

  {"id":"spam-2/01234","text":"...","label":"spam","labelIndex":1,"split":"train"}

A model trained in another framework (a PyTorch script, a command suite) on this file sees the same
examples as kdbench's own models. "labelIndex" indexes the dataset's classes in kdbench's order;
"group" (brown-genre) names the source text of a passage.

A retrieval suite ("task: retrieval") writes its pairs instead, split as its run splits them, one a line:

  {"split":"test","i":0,"id":"spam-2/01234","query":"...","doc":"..."}

test document i is the relevant one of test query i; the test documents are the index.

  NAME                  a suite name in suites/ (${availableSuites().join(', ') || 'none'}) or a .yaml/.json suite file:
                        its dataset, seed and split; or a dataset name (${DATASETS.join(', ')}) with the options below
  --out FILE            the JSONL file to write (its folder is created; an existing file is replaced)
  --quick               the suite's --quick slice (the data "kdbench run NAME --quick" uses)
  --seed N              dataset name only: the split's seed (default 0)
  --test-fraction F     dataset name only: share of examples in the test split (default 0.2)
  --max-examples N      dataset name only: a stratified subsample of N examples before splitting
  --passage-words N     dataset name only (brown-genre): words per passage (default 100)
  --quiet               print nothing but errors
`;

const FLAGS = {
  out: { type: 'string' },
  quick: { type: 'boolean' },
  seed: { type: 'string' },
  'test-fraction': { type: 'string' },
  'max-examples': { type: 'string' },
  'passage-words': { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

const DATASET_FLAGS = ['seed', 'test-fraction', 'max-examples', 'passage-words'] as const;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'export')
    throw new UserError(`data: expected the subcommand "export", got ${sub === undefined ? 'none' : `"${sub}"`}\n\n${usage}`);
  const { values, positionals } = parseCommandArgs(rest, FLAGS, usage);
  if (positionals.length !== 1)
    throw new UserError(`data export: expected one NAME, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\n\n${usage}`);
  if (values.out === undefined || values.out === '') throw new UserError(`data export: --out FILE.jsonl is required\n\n${usage}`);
  const out = resolve(values.out);
  if (existsSync(out) && statSync(out).isDirectory()) throw new UserError(`--out ${values.out}: is a directory; give a file name`);
  const name = positionals[0];
  let spec: DatasetSpec;
  let seed: number;
  let what: string;
  if ((DATASETS as string[]).includes(name)) {
    if (values.quick) throw new UserError(`--quick: only for a suite; a dataset name takes --max-examples`);
    seed = numberFlag('seed', values.seed, { min: 0, max: 4294967295, integer: true }) ?? 0;
    const testFraction = numberFlag('test-fraction', values['test-fraction'], { min: 0.001, max: 0.999 }) ?? 0.2;
    const maxExamples = numberFlag('max-examples', values['max-examples'], { min: 20, integer: true });
    const passageWords = numberFlag('passage-words', values['passage-words'], { min: 5, max: 2000, integer: true });
    spec = {
      name: name as DatasetSpec['name'],
      testFraction,
      vocabSize: 10,
      seqLen: 4,
      ...(maxExamples === undefined ? {} : { maxExamples }),
      ...(passageWords === undefined ? {} : { passageWords }),
    };
    what = `dataset ${name}, seed ${seed}, test fraction ${testFraction}${maxExamples ? `, ${maxExamples} examples` : ''}`;
  } else {
    const given = DATASET_FLAGS.filter((f) => values[f] !== undefined);
    if (given.length > 0)
      throw new UserError(`--${given[0]}: only with a dataset name (${DATASETS.join(', ')}); a suite's data comes from its file`);
    let loaded;
    try {
      loaded = loadSuite(name);
    } catch (e) {
      if (e instanceof UserError && /^unknown suite/.test(e.message))
        throw new UserError(`${e.message}; or a dataset name: ${DATASETS.join(', ')}`);
      throw e;
    }
    const suite = effectiveSuite(loaded.suite, Boolean(values.quick));
    spec = suite.dataset;
    seed = suite.seed;
    what = `suite ${suite.name}${values.quick ? ' (--quick)' : ''}: dataset ${spec.name}, seed ${seed}`;
    if (suite.task === 'retrieval') {
      const r = writeRetrievalJsonl(prepareRetrieval(spec, seed, suite.retrieval!.querySeqLen), out);
      if (!values.quiet)
        process.stderr.write(
          `kdbench: ${what}: ${r.train} training and ${r.test} test pairs (query, document)\n` +
            `kdbench: wrote ${r.file} (${(r.bytes / 1e6).toFixed(1)} MB, sha256 ${r.sha256})\n`,
        );
      process.stdout.write(`${r.file}\n`);
      return 0;
    }
  }
  const data = prepareData(spec, seed);
  const s = writeJsonl(data, out);
  if (!values.quiet)
    process.stderr.write(
      `kdbench: ${what}: ${s.train} training and ${s.test} test examples, classes ${s.classes.join(', ')}\n` +
        `kdbench: wrote ${s.file} (${(s.bytes / 1e6).toFixed(1)} MB, sha256 ${s.sha256})\n`,
    );
  process.stdout.write(`${s.file}\n`);
  return 0;
}
