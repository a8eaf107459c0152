/** Checks of a suite's own models (command, hf-onnx) that need no data and no run: done before any work starts. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../../core/errors.js';
import { ONNX_FILES } from '../../ownmodels/onnx/hf-folder.js';
import { COMMAND_STEPS, type LoadedSuite } from '../../suites/types.js';
import { resolveStepCommand } from './command-model.js';
import { modelEntries } from './own-models.js';

/**
 * What can be checked before any work starts: every command step's program exists and is executable,
 * every cwd and hf-onnx folder exists with its files. (Label mappings need the data and model inputs
 * need the model loaded: those are checked in the run, which then fails with everything kept.)
 */
export function checkOwnModels(loaded: LoadedSuite, suiteDir: string): void {
  for (const { path, spec } of modelEntries(loaded.suite)) {
    const where = `${loaded.file}: ${path} "${spec.name}"`;
    if (spec.kind === 'command') {
      for (const step of COMMAND_STEPS) {
        const st = spec[step];
        if (st) resolveStepCommand(spec, st, suiteDir, `${where}, step "${step}"`);
      }
      if (spec.compress) resolveStepCommand(spec, spec.compress, suiteDir, `${where}, step "compress"`);
    } else if (spec.kind === 'hf-onnx') {
      const dir = resolve(suiteDir, spec.path);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${where}: field "path": model folder ${dir} not found`);
      for (const f of ['config.json', 'tokenizer.json', `onnx/${ONNX_FILES[spec.dtype ?? 'fp32']}`])
        if (!existsSync(resolve(dir, f)))
          throw new UserError(
            `${where}: ${resolve(dir, f)} is missing; a model folder in the Hugging Face layout has config.json, tokenizer.json and onnx/model.onnx (Optimum's export, with model.onnx moved into onnx/)`,
          );
    }
  }
}
