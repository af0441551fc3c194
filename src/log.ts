import { writeSync } from 'node:fs';
import pino, { type DestinationStream, type Logger } from 'pino';
import { redactSecrets } from './providers/errors.js';

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

/**
 * pino on stderr (fd 2) or a file, never stdout, so machine-readable output stays clean. Known key
 * paths are redacted by pino, and every string is scrubbed of the run's API keys as a second guard.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const secrets = opts.secrets;
  return pino(
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
