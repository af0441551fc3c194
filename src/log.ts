import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DestinationStream, Logger, LogFn } from 'pino';
import { redactSecrets } from './providers/errors.js';

/** What the tool logs through: pino's methods that it calls (a pino Logger is one). */
export type RunLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error' | 'flush'>;

export interface LoggerOptions {
  level: string;
  /** Write to this file instead of stderr. */
  file?: string | null | undefined;
  /** Strings that must never appear in a log line (API keys). */
  secrets: readonly string[];
  /** `json` (pino's lines; always for files) or `pretty` (one human line per entry, for a terminal). @default 'json' */
  format?: 'json' | 'pretty';
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

function showValue(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

/**
 * One pino JSON line as a human line: `12:03:04 WARN message key=value ...`. Control characters of the
 * message are escaped (model and dataset text must not drive the terminal); the line starts by clearing
 * the terminal line, so it replaces a progress bar instead of running into it.
 */
export function prettyLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return `${json}\n`;
  }
  const time = typeof entry['time'] === 'number' ? new Date(entry['time']).toISOString().slice(11, 19) : '';
  const level = LEVEL_NAMES[entry['level'] as number] ?? String(entry['level']);
  const fields = Object.entries(entry)
    .filter(([k]) => !OMITTED.has(k))
    .map(([k, v]) => `${k}=${showValue(v)}`);
  const msg = typeof entry['msg'] === 'string' ? entry['msg'] : '';
  const line = [time, level.padEnd(5), msg, ...fields].filter(Boolean).join(' ');
  // eslint-disable-next-line no-control-regex
  return `\r\x1b[K${line.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/** A pino destination that writes human lines to stderr synchronously (no worker thread, no transport). */
function prettyStderr(): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') writeSync(2, prettyLogLine(line));
    },
  };
}

function scrub(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, secrets, depth + 1));
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, scrub(v, secrets, depth + 1)]));
}

/** pino's numeric levels: a call below the logger's level writes nothing. */
const LEVEL_VALUES: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/**
 * pino on stderr (fd 2) or a file, never stdout, so machine-readable output stays clean. Known key
 * paths are redacted by pino, and every string is scrubbed of the run's API keys as a second guard.
 *
 * On stderr, pino itself is loaded on the first line the level lets through, not before: at the default level a run
 * usually writes none, and loading pino (with its dependencies, about 100 KB of code) would delay the first request.
 * A log file is opened at once (it exists, and an unwritable path fails, before any call), and a level pino does not
 * know is handed to pino at once, so it is refused as before. `load` is for tests.
 */
export function createLogger(opts: LoggerOptions, load: (opts: LoggerOptions) => Logger = createPino): RunLogger {
  const threshold = LEVEL_VALUES[opts.level];
  if (threshold === undefined || opts.file) return load(opts);
  let real: Logger | undefined;
  const method =
    (name: 'debug' | 'info' | 'warn' | 'error', value: number): LogFn =>
    (...args: Parameters<LogFn>) => {
      if (value < threshold) return;
      real ??= load(opts);
      real[name](...args);
    };
  return {
    debug: method('debug', LEVEL_VALUES['debug'] as number),
    info: method('info', LEVEL_VALUES['info'] as number),
    warn: method('warn', LEVEL_VALUES['warn'] as number),
    error: method('error', LEVEL_VALUES['error'] as number),
    flush: (cb?: (err?: Error) => void) => (real ? real.flush(cb) : cb?.()),
  };
}

/** The pino logger itself, loaded now (CommonJS, so synchronously). */
export function createPino(opts: LoggerOptions): Logger {
  const pino = createRequire(import.meta.url)('pino') as typeof import('pino');
  const secrets = opts.secrets;
  return pino.pino(
    {
      name: 'healthbench',
      level: opts.level,
      redact: {
        paths: ['apiKey', '*.apiKey', 'headers.authorization', '*.headers.authorization', 'headers["x-api-key"]'],
        censor: '[REDACTED]',
      },
      formatters: { log: (obj) => scrub(obj, secrets) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactSecrets(a, secrets) : a)) as Parameters<typeof method>);
        },
      },
    },
    opts.file
      ? pino.destination({ dest: opts.file, sync: true, mkdir: true })
      : opts.format === 'pretty'
        ? prettyStderr()
        : pino.destination({ dest: 2, sync: true }),
  );
}
