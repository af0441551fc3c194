import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';

/** Looked for in the working directory, in this order, when `--config` is not given. */
export const CONFIG_FILE_NAMES = ['healthbench.config.yaml', 'healthbench.config.yml', 'healthbench.config.json'] as const;

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
  // The YAML parser and the schema's validator are loaded only when there is a config file to read.
  const [{ parseLocated }, { validateConfig }] = await Promise.all([import('../schemas/located.js'), import('./config-schema.js')]);
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
