/** `npm run bench`: runs the benchmarks and writes their results under reports/bench/ (JSON + markdown). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { metersMarkdown, runMetersBench } from './meters.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(REPO, 'reports', 'bench');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const started = Date.now();
  const meters = await runMetersBench((s) => process.stderr.write(`bench: ${s}\n`));
  writeFileSync(join(OUT, 'meters.json'), JSON.stringify(meters, null, 2) + '\n');
  writeFileSync(join(OUT, 'meters.md'), metersMarkdown(meters));
  process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s; ${join(OUT, 'meters.md')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
