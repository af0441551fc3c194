import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

/** One parsed line of a JSONL file, with its 1-based line number. */
export interface JsonlLine {
  line: number;
  value: unknown;
}

/** Result of parsing one raw line. */
export type ParsedLine = { ok: true; value: unknown } | { ok: false; message: string };

export function parseJsonLine(text: string): ParsedLine {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: `invalid JSON: ${(err as Error).message}` };
  }
}

/**
 * Streams the non-blank lines of a `.jsonl` (or `.jsonl.gz`) file with their line numbers, without
 * holding the file in memory. Parsing is left to the caller so it can collect every problem.
 */
export async function* readRawLines(path: string): AsyncGenerator<{ line: number; text: string }> {
  const input = createReadStream(path);
  const stream = path.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line += 1;
    if (text.trim() === '') continue;
    yield { line, text };
  }
}
