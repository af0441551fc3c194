import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { PRECOMPILED_DIR, precompiledSources, VALIDATOR_GROUPS } from '../../../src/build/precompile-schemas.js';
import { AJV_OPTIONS, declaredSchemas, schemaKey } from '../../../src/schemas/validate.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

// Loads every declaring module, so declaredSchemas() below holds every schema of the tool.
const sources = await precompiledSources();

describe('precompiled validators (src/schemas/precompiled/, `npm run schemas`)', () => {
  it('every module that declares a validator has its table listed in VALIDATOR_GROUPS', () => {
    const declaring = sourceFiles(SRC)
      .filter((f) => !f.includes('/schemas/precompiled/') && /lazyValidator(<[^>]*>)?\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(join(SRC, 'build'), f).replace(/\.ts$/, '.js'))
      .filter((f) => f !== '../schemas/validate.js')
      .sort();
    expect(declaring).toEqual(VALIDATOR_GROUPS.map((g) => g.module).sort());
  });

  it('are up to date with the schemas (else: run `npm run schemas`)', () => {
    for (const [group, source] of sources) {
      const file = join(ROOT, PRECOMPILED_DIR, `${group}.ts`);
      expect(readFileSync(file, 'utf8'), `${file} is stale: run \`npm run schemas\``).toBe(source);
    }
  });

  it('every schema is valid JSON Schema and has its validator in its own table', () => {
    const declared = declaredSchemas();
    expect(declared.length).toBeGreaterThanOrEqual(14);
    for (const { schema, table } of declared) {
      // Ajv checks a schema against the draft-07 meta-schema (and strict mode) when compiling it.
      expect(() => new Ajv(AJV_OPTIONS).compile(schema)).not.toThrow();
      expect(typeof table[schemaKey(schema)]).toBe('function');
    }
  });

  it('give the same verdicts and the same errors as Ajv compiling the schema at run time', () => {
    const probes: unknown[] = [
      {},
      [],
      null,
      'text',
      '',
      '\u{1F600}',
      '\uD83D',
      0,
      { unknown: 1 },
      { exampleId: 'e', repeat: -1, criteria: 'x' },
    ];
    for (const { schema, table } of declaredSchemas()) {
      const generated = table[schemaKey(schema)];
      const compiled = new Ajv(AJV_OPTIONS).compile(schema);
      for (const value of probes) {
        const ok = generated?.(value);
        expect(ok).toBe(compiled(value));
        if (!ok) expect(generated?.errors).toEqual(compiled.errors);
      }
    }
  });
});
