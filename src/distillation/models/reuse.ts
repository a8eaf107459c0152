import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../core/errors.js';
import { resolveModelJson } from './io.js';

/**
 * --teacher PATH: a saved model folder, its model.json, or a kdbench run directory (whose teacher,
 * saved under models/<name>/, is used). Returns the model.json path; checked before any work starts.
 */
export function resolveTeacherPath(path: string): string {
  const p = resolve(path);
  const runJson = join(p, 'run.json');
  if (existsSync(runJson) && !existsSync(join(p, 'model.json'))) {
    let models: { name: string; role: string; savedTo?: string }[] = [];
    try {
      models = (JSON.parse(readFileSync(runJson, 'utf8')) as { models?: typeof models }).models ?? [];
    } catch {
      throw new UserError(`--teacher ${path}: run.json there cannot be read`);
    }
    const t = models.find((m) => m.role === 'teacher');
    if (!t) throw new UserError(`--teacher ${path}: that run recorded no teacher`);
    const dir = join(p, t.savedTo ?? join('models', t.name));
    if (!existsSync(join(dir, 'model.json')))
      throw new UserError(`--teacher ${path}: that run did not save its teacher (no ${join(dir, 'model.json')})`);
    return join(dir, 'model.json');
  }
  return resolveModelJson(path, `--teacher ${path}`);
}
