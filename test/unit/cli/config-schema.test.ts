import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { configSchema, renderConfigSchemaJson } from '../../../src/cli/config-schema.js';
import { STARTER_CONFIG } from '../../../src/cli/commands/init.js';
import { FLAGS } from '../../../src/cli/eval-flags.js';

const docs = (name: string): string => new URL(`../../../docs/${name}`, import.meta.url).pathname;

describe('config schema', () => {
  test('docs/config.schema.json is generated from src/cli/config.ts', async () => {
    // Regenerate after a flag change with: npx vitest run test/unit/cli/config-schema.test.ts -u
    await expect(renderConfigSchemaJson()).toMatchFileSnapshot(docs('config.schema.json'));
  });

  test('every eval option can be set in the file, except the command-line-only ones', () => {
    const properties = Object.keys((configSchema() as { properties: Record<string, unknown> }).properties);
    const missing = Object.keys(FLAGS).filter((f) => !properties.includes(f));
    expect(missing.sort()).toEqual(['config', 'dry-run', 'help', 'profile', 'resume']);
  });

  test('the starter config of `init` and the committed example are valid', () => {
    const validate = new Ajv({ strict: false }).compile(configSchema());
    for (const text of [STARTER_CONFIG, readFileSync(docs('examples/healthbench.config.yaml'), 'utf8')]) {
      expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});
