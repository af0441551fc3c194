/**
 * The JSON Schema of `healthbench.config.{yaml,json}`, built from the eval flags, and its validator. Loaded only when
 * there is a config file to read; docs/config.schema.json is rendered from it.
 */
import { PRECOMPILED as precompiled } from '../schemas/precompiled/config.js';
import { lazyValidator } from '../schemas/validate.js';
import type { FlagMap } from './config.js';
import { CHOICE_FLAGS, FLAGS, NUMERIC_FLAGS } from './eval-flags.js';

/** Flags that only make sense on a command line, never in a committed file. */
const NOT_IN_FILE = new Set(['help', 'resume', 'config', 'profile', 'dry-run']);

function optionSchema(name: string): Record<string, unknown> {
  const flag = FLAGS[name as keyof typeof FLAGS] as { type: string; multiple?: boolean };
  const numeric = NUMERIC_FLAGS[name as keyof typeof NUMERIC_FLAGS] as { integer?: boolean; min?: number; max?: number } | undefined;
  const choices = CHOICE_FLAGS[name as keyof typeof CHOICE_FLAGS] as readonly string[] | undefined;
  if (flag.type === 'boolean') return { type: 'boolean' };
  if (numeric) {
    return {
      type: numeric.integer ? 'integer' : 'number',
      ...(numeric.min !== undefined ? { minimum: numeric.min } : {}),
      ...(numeric.max !== undefined ? { maximum: numeric.max } : {}),
    };
  }
  if (choices) return { type: 'string', enum: [...choices] };
  if (name === 'max-errors')
    return { type: ['string', 'number'], pattern: '^(100(\\.0+)?%|\\d{1,2}(\\.\\d+)?%|\\d+(\\.\\d+)?)$', minimum: 0 };
  if (flag.multiple) return { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] };
  return { type: 'string', minLength: 1 };
}

/** The options a config file (and each of its profiles) may set: every `eval` flag, named as the flag. */
function optionProperties(): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(FLAGS)
      .filter((k) => !NOT_IN_FILE.has(k))
      .map((k) => [k, optionSchema(k)]),
  );
}

/** JSON Schema of `healthbench.config.{yaml,json}`; `docs/config.schema.json` is generated from it. */
export function configSchema(): Record<string, unknown> {
  const options = optionProperties();
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'healthbench configuration',
    description:
      'Defaults for `healthbench eval`, keyed by flag name (`model`, `max-errors`, ...). Flags given on the command line win; `--profile NAME` applies `profiles.NAME` over the top-level options. Paths are relative to this file.',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      ...options,
      profiles: {
        type: 'object',
        description: 'Named sets of options applied over the top-level ones with `--profile NAME`.',
        additionalProperties: { type: 'object', additionalProperties: false, properties: options },
      },
    },
  };
}

export function renderConfigSchemaJson(): string {
  return `${JSON.stringify(configSchema(), null, 2)}\n`;
}

/** A config file as its schema allows it: flag values, and named profiles of them. */
export type ConfigFile = FlagMap & { profiles?: Record<string, FlagMap> };

export const validateConfig = lazyValidator<ConfigFile>(configSchema, { precompiled });
