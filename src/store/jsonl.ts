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

/**
 * Streams the parsed JSON values of a JSONL file; a line that is not JSON is recorded in `issues` (located
 * as `display:line`) and skipped, so the caller can go on collecting every problem of the file.
 */
export async function* readJsonValues(
  path: string,
  display: string,
  issues: Array<{ file: string; line: number; pointer: string; message: string }>,
): AsyncGenerator<{ line: number; value: unknown }> {
  for await (const { line, text } of readRawLines(path)) {
    const parsed = parseJsonLine(text);
    if (parsed.ok) yield { line, value: parsed.value };
    else issues.push({ file: display, line, pointer: '', message: parsed.message });
  }
}
