/** `npm run bench`: runs the benchmarks and writes their results under reports/bench/ (JSON + markdown). */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { metersMarkdown, runMetersBench } from './meters.js';
import { runSuitesBench, suitesMarkdown } from './suites.js';
import { gpuMarkdown, runGpuBench } from './gpu.js';
import { runTrainingBench, trainingMarkdown } from './training.js';
import { runMutationBench } from './mutation.js';
import { compressionMarkdown, runCompressionBench } from './compression.js';
import { retrievalMarkdown, retrievalSectionOf, runRetrievalBench, withRetrievalSection } from './retrieval.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(REPO, 'reports', 'bench');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const started = Date.now();
  // `npm run bench -- suites` (or meters, gpu, training) runs one benchmark only; `npm run bench -- suites brown-genre` another suite.
  // `npm run bench -- mutation [MODULE...]` (mutation testing, an hour of CPU for all modules) runs only when named.
  const only = process.argv[2];
  if (only === 'mutation') {
    await runMutationBench(REPO, OUT, process.argv.slice(3), (s) => process.stderr.write(`bench: ${s}\n`));
    process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${OUT}\n`);
    return;
  }
  // `npm run bench -- compression [quick]` (suites/compression.yaml, PyTorch; up to 10 min) runs only when named.
  if (only === 'compression') {
    const c = await runCompressionBench((s) => process.stderr.write(`bench: ${s}\n`), process.argv[3] === 'quick');
    if (!c.ran) process.stderr.write(`bench: compression: not run: ${c.reason}\n`);
    else {
      const base = process.argv[3] === 'quick' ? 'compression-quick' : 'compression';
      writeFileSync(join(OUT, `${base}.json`), JSON.stringify(c, null, 2) + '\n');
      writeFileSync(join(OUT, `${base}.md`), compressionMarkdown(c));
    }
    process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${OUT}\n`);
    return;
  }
  const suite = only === 'retrieval' ? 'default' : (process.argv[3] ?? 'default');
  if (!only || only === 'meters') {
    const meters = await runMetersBench((s) => process.stderr.write(`bench: ${s}\n`));
    writeFileSync(join(OUT, 'meters.json'), JSON.stringify(meters, null, 2) + '\n');
    writeFileSync(join(OUT, 'meters.md'), metersMarkdown(meters));
  }
  if (!only || only === 'suites') {
    const suites = await runSuitesBench((s) => process.stderr.write(`bench: ${s}\n`), suite);
    const base = suite === 'default' ? 'suites' : `suites-${suite}`;
    writeFileSync(join(OUT, `${base}.json`), JSON.stringify(suites, null, 2) + '\n');
    // The retrieval suites' section of suites.md (bench/retrieval.ts) is kept when the default suite's part is rewritten.
    const kept =
      base === 'suites' && existsSync(join(OUT, 'suites.md')) ? retrievalSectionOf(readFileSync(join(OUT, 'suites.md'), 'utf8')) : '';
    writeFileSync(join(OUT, `${base}.md`), suitesMarkdown(suites) + (kept ? `\n${kept}` : ''));
  }
  if (only === 'retrieval') {
    // `npm run bench -- retrieval [SUITE...]`: the retrieval suites (default retrieval-spam, retrieval-brown), only when named.
    const names = process.argv.slice(3).length ? process.argv.slice(3) : ['retrieval-spam', 'retrieval-brown'];
    const startedAt = new Date().toISOString();
    const runs = runRetrievalBench((s) => process.stderr.write(`bench: ${s}\n`), names);
    writeFileSync(join(OUT, 'suites-retrieval.json'), JSON.stringify({ startedAt, runs }, null, 2) + '\n');
    const md = join(OUT, 'suites.md');
    writeFileSync(md, withRetrievalSection(existsSync(md) ? readFileSync(md, 'utf8') : '', retrievalMarkdown(runs, startedAt)));
  }
  if (!only || only === 'gpu') {
    // Runs only where WebGPU finds a GPU; elsewhere it says so and writes nothing (an earlier GPU result stays).
    // `npm run bench -- gpu quick`: the --quick run only.
    const gpu = await runGpuBench((s) => process.stderr.write(`bench: ${s}\n`), only === 'gpu' && process.argv[3] === 'quick');
    if (!gpu.ran) process.stderr.write(`bench: gpu: not run: ${gpu.reason}${gpu.fix ? `\nbench: gpu: fix: ${gpu.fix}` : ''}\n`);
    else {
      writeFileSync(join(OUT, 'gpu.json'), JSON.stringify(gpu, null, 2) + '\n');
      writeFileSync(join(OUT, 'gpu.md'), gpuMarkdown(gpu));
    }
  }
  if (!only || only === 'training') {
    const training = await runTrainingBench((s) => process.stderr.write(`bench: ${s}\n`));
    writeFileSync(join(OUT, 'training.json'), JSON.stringify(training, null, 2) + '\n');
    writeFileSync(join(OUT, 'training.md'), trainingMarkdown(training));
  }
  process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${OUT}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
