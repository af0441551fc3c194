import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { lazyValidator } from '../schemas/validate.js';
import { CHOICE_FLAGS, FLAGS, NUMERIC_FLAGS } from './eval-flags.js';

/** Looked for in the working directory, in this order, when `--config` is not given. */
export const CONFIG_FILE_NAMES = ['healthbench.config.yaml', 'healthbench.config.yml', 'healthbench.config.json'] as const;

/** Flags that only make sense on a command line, never in a committed file. */
const NOT_IN_FILE = new Set(['help', 'resume', 'config', 'profile', 'dry-run']);

/** Options whose value is a path: in a config file they are relative to the file's directory. */
export const PATH_FLAGS = new Set([
  'dataset',
  'grader-template',
  'batched-template',
  'labels',
  'exemplars',
  'out',
  'cache',
  'prices',
  'gate',
  'baseline',
  'log-file',
]);

/** A `--dataset` value that names a file or directory rather than a built-in dataset. */
export function looksLikePath(value: string): boolean {
  return isAbsolute(value) || value.includes('/') || value.includes('\\') || /\.(jsonl|jsonl\.gz|csv)$/i.test(value);
}

/** Option values as `parseArgs` gives them: strings, booleans, and lists for repeatable flags. */
export type FlagMap = Record<string, string | boolean | string[] | undefined>;

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

type ConfigFile = FlagMap & { profiles?: Record<string, FlagMap> };

const validateConfig = lazyValidator<ConfigFile>(configSchema);

export interface LoadedConfig {
  /** The file read, as shown to the user; null when there is none. */
  file: string | null;
  profile: string | null;
  /** Options from the file (and profile), as flag values with paths made absolute. */
  values: FlagMap;
}

async function findConfigFile(cwd: string): Promise<string | null> {
  for (const name of CONFIG_FILE_NAMES) {
    const path = join(cwd, name);
    if ((await stat(path).catch(() => null))?.isFile()) return path;
  }
  return null;
}

/** File values as flag values: numbers as text, one grader as a list, paths absolute from the file's directory. */
function asFlagValues(options: FlagMap, dir: string): FlagMap {
  const out: FlagMap = {};
  for (const [k, v] of Object.entries(options)) {
    if (k === 'profiles' || k === '$schema' || v === undefined) continue;
    let value: string | boolean | string[] = typeof v === 'number' ? String(v) : v;
    if (k === 'grader' && typeof value === 'string') value = [value];
    if (typeof value === 'string' && PATH_FLAGS.has(k) && (k !== 'dataset' || looksLikePath(value))) value = resolve(dir, value);
    out[k] = value;
  }
  return out;
}

/**
 * Reads `--config FILE`, else the first of CONFIG_FILE_NAMES in the working directory, validates it (every
 * problem as `file:line /pointer: message`, exit 2) and applies `--profile NAME` over its top-level options.
 */
export async function loadConfig(
  cwd: string,
  explicit: string | undefined,
  profile: string | undefined,
  command = 'healthbench',
): Promise<LoadedConfig> {
  const path = explicit !== undefined ? resolve(cwd, explicit) : await findConfigFile(cwd);
  if (path === null) {
    if (profile !== undefined) {
      throw new UsageError(
        `--profile ${profile}: no ${CONFIG_FILE_NAMES.join(' or ')} in ${cwd}; pass --config FILE or create one with ${command} init`,
      );
    }
    return { file: null, profile: null, values: {} };
  }
  const shown = relative(cwd, path) || path;
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`--config ${shown}: ${err.code === 'ENOENT' ? 'no such file' : err.message}; check the path`);
  });
  // The YAML parser is loaded only when there is a config file to read.
  const { parseLocated } = await import('../schemas/located.js');
  const data = text.trim() === '' ? {} : parseLocated(text, shown, validateConfig, 'invalid configuration');
  const dir = dirname(path);
  let values = asFlagValues(data, dir);
  if (profile !== undefined) {
    const names = Object.keys(data.profiles ?? {});
    const chosen = data.profiles?.[profile];
    if (!chosen) {
      const known = names.length > 0 ? `; its profiles are ${names.join(', ')}` : '; it defines no profiles';
      throw new UsageError(`--profile ${profile}: no such profile in ${shown}${didYouMean(profile, names, (n) => `'${n}'`) || known}`);
    }
    values = { ...values, ...asFlagValues(chosen, dir) };
  }
  return { file: shown, profile: profile ?? null, values };
}
