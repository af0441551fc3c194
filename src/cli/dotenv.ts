import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `KEY=value` lines of a `.env` file: blank lines and `#` comments skipped, an `export ` prefix allowed, values
 * optionally in single or double quotes (double quotes understand \n), an unquoted value ends at ` #`.
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(raw);
    if (!m) continue;
    const [, key, rest] = m as unknown as [string, string, string];
    let value = rest.trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.lastIndexOf(quote) > 0) {
      value = value.slice(1, value.lastIndexOf(quote));
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out[key] = value;
  }
  return out;
}

/**
 * The environment with `.env` from the working directory underneath: a variable already set (even to '')
 * wins. Values are never logged or printed; a missing or unreadable file is the same as none.
 */
export function withDotenv(env: Record<string, string | undefined>, cwd: string): Record<string, string | undefined> {
  let text: string;
  try {
    text = readFileSync(join(cwd, '.env'), 'utf8');
  } catch {
    return env;
  }
  const merged: Record<string, string | undefined> = { ...parseDotenv(text) };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  return merged;
}
