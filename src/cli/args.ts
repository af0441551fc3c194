import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Joins `--name value` into `--name=value` for every option that takes a value, so a value that starts with
 * a dash (`--limit -1`) reaches our own checks instead of the parser's three-line complaint, and rejects an
 * unknown option with the closest known one.
 */
function normalize(argv: string[], options: Options): string[] {
  const out: string[] = [];
  const names = Object.keys(options);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      out.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const option = options[name];
    if (!option) {
      throw new UsageError(`unknown option --${name}${didYouMean(name, names, (n) => `--${n}`) || '.'} Run with --help for every option`);
    }
    if (option.type === 'string' && eq === -1) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value, e.g. --${name} ${example(name)}`);
      out.push(`--${name}=${argv[i + 1] as string}`);
      i += 1;
      continue;
    }
    if (option.type === 'boolean' && eq !== -1) throw new UsageError(`--${name} takes no value; write --${name} alone`);
    out.push(arg);
  }
  return out;
}

function example(name: string): string {
  if (/^(model|grader)$/.test(name)) return 'openai:gpt-4.1-mini';
  if (/dir|out|resume|file|template|policy|baseline|labels|exemplars|prices|config|cache/.test(name)) return 'PATH';
  return 'VALUE';
}

/** parseArgs with our error type: an unknown or malformed flag is a one-line usage error (exit 2) naming it. */
export function parseFlags<T extends Options>(argv: string[], options: T, allowPositionals = false) {
  const args = normalize(argv, options);
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    const text = (err as Error).message.split('\n')[0] ?? '';
    const positional = /Unexpected argument '([^']*)'/.exec(text);
    if (positional)
      throw new UsageError(`unexpected argument '${positional[1]}'; this command takes options only. Run with --help for its usage`);
    const short = /Unknown option '(-[^-])'/.exec(text);
    if (short) throw new UsageError(`unknown option ${short[1]}. Run with --help for every option`);
    throw new UsageError(text);
  }
}

/** A numeric flag: `undefined` when absent, a one-line usage error naming the flag when not a number in range. */
export function numberFlag(
  value: string | undefined,
  name: string,
  opts: { integer?: boolean; min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const ok =
    value.trim() !== '' &&
    Number.isFinite(n) &&
    (!opts.integer || Number.isSafeInteger(n)) &&
    (opts.min === undefined || n >= opts.min) &&
    (opts.max === undefined || n <= opts.max);
  if (!ok) {
    const range = [opts.min !== undefined ? `≥ ${opts.min}` : '', opts.max !== undefined ? `≤ ${opts.max}` : '']
      .filter(Boolean)
      .join(' and ');
    throw new UsageError(`--${name}: expected ${opts.integer ? 'a whole number' : 'a number'}${range ? ` ${range}` : ''}, got '${value}'`);
  }
  return n;
}

/** A flag with a fixed set of values: the fallback when absent, a usage error with the closest value otherwise. */
export function oneOf<T extends string>(value: string | undefined, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name}: expected one of ${allowed.join(', ')}, got '${value}'${didYouMean(value, allowed)}`);
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `--log-level`, checked here so pino never throws on it. */
export function logLevelFlag(value: string | undefined): string {
  return oneOf(value, 'log-level', LOG_LEVELS, 'warn');
}
