/**
 * Strict field check of Kubernetes objects against the API types that kubernetes-models generates from
 * the Kubernetes OpenAPI schemas (its .d.ts files), with the TypeScript compiler: every key of the object
 * must be a property of its type at that place (or fall under an index signature, like labels). The
 * models' own validate() checks types, required fields and enums but lets unknown fields through, as
 * the API server without strict field validation would silently drop them.
 */
import ts from 'typescript';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

let cached: { checker: ts.TypeChecker; type: ts.Type } | undefined;

/** A checker that knows `IJob` (kubernetes-models/batch/v1/Job.d.ts); built once (a few seconds). */
function jobType(): { checker: ts.TypeChecker; type: ts.Type } {
  if (cached) return cached;
  const dts = require.resolve('kubernetes-models/batch/v1/Job').replace(/\.js$/, '.d.ts');
  const program = ts.createProgram([dts], {
    noEmit: true,
    skipLibCheck: true,
    lib: ['lib.es5.d.ts'],
    types: [],
    moduleResolution: ts.ModuleResolutionKind.Node10,
    baseUrl: dirname(dts),
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(dts)!;
  const decl = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'IJob');
  if (!decl) throw new Error('IJob not found in kubernetes-models');
  cached = { checker, type: checker.getTypeAtLocation(decl) };
  return cached;
}

/** Paths of keys that the Kubernetes API type does not have ("spec.template.spec.containers[0].resorces"). */
export function unknownJobFields(job: unknown): string[] {
  const { checker, type } = jobType();
  const out: string[] = [];
  const walk = (value: unknown, t: ts.Type, path: string) => {
    const nn = checker.getNonNullableType(t);
    if (Array.isArray(value)) {
      const el = checker.getIndexTypeOfType(nn, ts.IndexKind.Number);
      if (!el) return out.push(`${path}: an array where the API has no list`);
      value.forEach((v, i) => walk(v, el, `${path}[${i}]`));
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const stringIndex = checker.getIndexTypeOfType(nn, ts.IndexKind.String);
    for (const [k, v] of Object.entries(value)) {
      const prop = nn.isUnion() ? nn.types.map((u) => u.getProperty(k)).find(Boolean) : nn.getProperty(k);
      const at = path ? `${path}.${k}` : k;
      if (prop) walk(v, checker.getTypeOfSymbol(prop), at);
      else if (stringIndex) walk(v, stringIndex, at);
      else out.push(at);
    }
  };
  walk(job, type, '');
  return out;
}
