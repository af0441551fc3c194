import pino, { type Logger } from 'pino';
import { redactSecrets } from './providers/errors.js';

export interface LoggerOptions {
  level: string;
  /** Write to this file instead of stderr. */
  file?: string | null | undefined;
  /** Strings that must never appear in a log line (API keys). */
  secrets: readonly string[];
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
      redact: { paths: ['apiKey', '*.apiKey', 'headers.authorization', '*.headers.authorization', 'headers["x-api-key"]'], censor: '[REDACTED]' },
      formatters: { log: (obj) => scrub(obj, secrets) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactSecrets(a, secrets) : a)) as Parameters<typeof method>);
        },
      },
    },
    opts.file ? pino.destination({ dest: opts.file, sync: true, mkdir: true }) : pino.destination({ dest: 2, sync: true }),
  );
}
