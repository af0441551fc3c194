import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Our own rule (docs: style.md §2.2): a pure core with I/O at the edges. Pure folders never import
// Node I/O, an SDK, pino or p-queue, never touch `process`, and import only other pure folders.
const SRC = new URL('../../src', import.meta.url).pathname;
const PURE = ['core', 'scoring', 'grading', 'report', 'compare', 'gate', 'meta', 'medcalc', 'schemas'];
/** Edge files that live beside their pure siblings because they only read the files those modules parse. */
const EDGE_FILES = new Set(['compare/load-run.ts', 'gate/read-policy.ts', 'medcalc/csv.ts']);
const PURE_PACKAGES = new Set(['ajv', 'yaml', 'csv-parse/sync']);
/** Only these folders may import these packages. */
const OWNERS: Record<string, string[]> = {
  openai: ['providers'],
  '@anthropic-ai/sdk': ['providers'],
  'p-queue': ['runner'],
  pino: ['log.ts', 'runner', 'cli'],
  // Ajv compiles the schemas at build time only (src/build/precompile-schemas.ts); the rest imports its types.
  ajv: ['build'],
  // The WebAssembly kernel is assembled at build time only (src/build/assemble-wasm.ts).
  wabt: ['build'],
};

/**
 * The test double (src/testing) is its own entry point, `healthbench/testing`. Inside src/ only the CLI entry points
 * that start it may import it: `healthbench fake-server` and the eval command's `--fake-server` path.
 */
const TESTING_IMPORTERS = new Set(['cli/commands/fake-server.ts', 'cli/test-double.ts']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function imports(text: string): Array<{ spec: string; typeOnly: boolean }> {
  const out: Array<{ spec: string; typeOnly: boolean }> = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) {
    out.push({ spec: m[3] ?? '', typeOnly: Boolean(m[2]) });
  }
  for (const m of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) out.push({ spec: m[1] ?? '', typeOnly: false });
  return out;
}

const all = files(SRC).map((path) => ({ rel: relative(SRC, path), text: readFileSync(path, 'utf8') }));

describe('architecture', () => {
  it('pure folders import no I/O, SDK, logger or queue, only other pure folders, and never touch process', () => {
    const problems: string[] = [];
    for (const { rel, text } of all) {
      const folder = rel.split('/')[0] ?? '';
      if (!PURE.includes(folder) || EDGE_FILES.has(rel)) continue;
      for (const { spec, typeOnly } of imports(text)) {
        if (spec.startsWith('.')) {
          const target = join(dirname(rel), spec).split('/')[0] ?? '';
          if (!PURE.includes(target) && !typeOnly) problems.push(`${rel} imports ${spec}`);
        } else if (!PURE_PACKAGES.has(spec)) {
          problems.push(`${rel} imports ${spec}`);
        }
      }
      if (/\bprocess\./.test(text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ''))) problems.push(`${rel} uses process`);
    }
    expect(problems).toEqual([]);
  });

  it('SDKs, p-queue, pino and ajv are imported only by their owning modules', () => {
    const problems: string[] = [];
    for (const { rel, text } of all) {
      for (const { spec, typeOnly } of imports(text)) {
        const owners = OWNERS[spec];
        if (!owners || typeOnly) continue;
        if (!owners.some((o) => rel === o || rel.startsWith(`${o}/`))) problems.push(`${rel} imports ${spec}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('core/ takes nothing, not even a type, from the edges or the orchestration (the saved records are core types)', () => {
    const problems = all
      .filter(({ rel }) => rel.startsWith('core/'))
      .flatMap(({ rel, text }) => imports(text).map(({ spec }) => ({ rel, spec })))
      .filter(
        ({ rel, spec }) => spec.startsWith('.') && /^(runner|providers|cli|store|data|tasks|testing)\//.test(join(dirname(rel), spec)),
      )
      .map(({ rel, spec }) => `${rel} imports ${spec}`);
    expect(problems).toEqual([]);
  });

  it('compare/ never imports gate/ (the gate reads diffs, a diff knows nothing of release policy)', () => {
    const problems = all
      .filter(({ rel }) => rel.startsWith('compare/'))
      .flatMap(({ rel, text }) =>
        imports(text)
          .filter(({ spec }) => join('compare', spec).startsWith('gate/'))
          .map(({ spec }) => `${rel} imports ${spec}`),
      );
    expect(problems).toEqual([]);
  });

  it('src/testing (the test double) is imported only by the CLI entry points that start it', () => {
    const importers = all
      .filter(({ rel }) => !rel.startsWith('testing/'))
      .filter(({ rel, text }) => imports(text).some(({ spec }) => spec.startsWith('.') && join(dirname(rel), spec).startsWith('testing/')))
      .map(({ rel }) => rel);
    expect(importers.filter((rel) => !TESTING_IMPORTERS.has(rel))).toEqual([]);
  });

  it('the test double stands alone: src/testing imports only itself and core/', () => {
    const problems = all
      .filter(({ rel }) => rel.startsWith('testing/'))
      .flatMap(({ rel, text }) => imports(text).map(({ spec }) => ({ rel, spec })))
      .filter(({ rel, spec }) => spec.startsWith('.') && !/^(testing|core)\//.test(join(dirname(rel), spec)))
      .map(({ rel, spec }) => `${rel} imports ${spec}`);
    expect(problems).toEqual([]);
  });

  it('the CLI reaches the project only through commands that call the library', () => {
    const mainText = all.find((f) => f.rel === 'cli/main.ts')?.text ?? '';
    const statics = imports(mainText).filter((i) => !mainText.includes(`import('${i.spec}')`));
    expect(statics.map((i) => i.spec).filter((s) => s.startsWith('.'))).toEqual(['../core/errors.js', './io.js']);
  });

  it('benchmark tasks never import the runner or the CLI', () => {
    const problems: string[] = [];
    for (const { rel, text } of all) {
      if (!rel.startsWith('tasks/')) continue;
      for (const { spec } of imports(text)) {
        const target = join(rel, '..', spec);
        if (spec.startsWith('.') && (target.startsWith('runner/') || target.startsWith('cli/'))) problems.push(`${rel} imports ${spec}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the runner reaches a benchmark only through the task contract (tasks/index.ts)', () => {
    const problems: string[] = [];
    for (const { rel, text } of all) {
      if (!rel.startsWith('runner/')) continue;
      for (const { spec } of imports(text)) {
        const target = join(rel, '..', spec);
        if (spec.startsWith('.') && target.startsWith('tasks/') && target !== 'tasks/index.js') problems.push(`${rel} imports ${spec}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('an eval loads, before its first call, none of the code it needs only later or only sometimes', () => {
    // Static imports only: a dynamic import() is loaded when (and if) the code reaches it. What is listed here is
    // loaded after the first request (report, provider SDKs) or only when asked for (gate, batch, MedCalc, meta,
    // the test double, the dry run, the YAML config reader and the config schema, the saved files' validators).
    const byRel = new Map(all.map((f) => [f.rel, f.text]));
    const staticImports = (text: string): string[] =>
      [...text.matchAll(/^\s*(?:(?:import|export)\s+(?!type\s)[^'"]*?from\s+|import\s+)'([^']+)'/gm)].map((m) => m[1] ?? '');
    const loaded = new Set<string>();
    const packages = new Set<string>();
    const visit = (rel: string): void => {
      if (loaded.has(rel)) return;
      loaded.add(rel);
      for (const spec of staticImports(byRel.get(rel) ?? '')) {
        if (spec.startsWith('.')) visit(join(dirname(rel), spec).replace(/\.js$/, '.ts'));
        else packages.add(spec);
      }
    };
    visit('cli/commands/eval.ts');
    const later =
      /^(report\/html\/|gate\/|compare\/|testing\/|tasks\/(medcalc|meta)\/|runner\/batch\/|runner\/(finalize|estimate-eval|report-html)\.ts$|schemas\/located\.ts$|cli\/config-schema\.ts$)/;
    expect([...loaded].filter((rel) => later.test(rel)).sort()).toEqual([]);
    expect([...packages].filter((p) => ['openai', '@anthropic-ai/sdk', 'yaml', 'ajv'].includes(p) || p.startsWith('ajv/'))).toEqual([]);
    // Validators come precompiled, and the saved files' ones only when a saved file is read (a fresh run reads none).
    expect([...loaded].filter((rel) => /^schemas\/(saved|precompiled\/(saved|config|policy|meta))\.ts$/.test(rel))).toEqual([]);
  });
});
