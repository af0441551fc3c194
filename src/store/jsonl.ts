import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { DataValidationError } from '../core/errors.js';
import { fsError } from './fs-errors.js';

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

/** A compressed input that cannot be decompressed: located bad input (exit 2), with what to do about it. */
function gzipProblem(err: NodeJS.ErrnoException, file: string, line: number): DataValidationError {
  const message = `cannot read gzip data after line ${line} (${err.message}; ${err.code ?? 'zlib error'}): the file is truncated or corrupt; download or compress it again`;
  return new DataValidationError([{ file, line: line + 1, pointer: '', message }]);
}

/**
 * Streams the non-blank lines of a `.jsonl` (or `.jsonl.gz`) file with their line numbers, without
 * holding the file in memory. Parsing is left to the caller so it can collect every problem. A file that cannot
 * be read is an FsError, a `.gz` that cannot be decompressed a DataValidationError (both exit 2), each naming
 * `display` (default: the path).
 */
export async function* readRawLines(path: string, display: string = path): AsyncGenerator<{ line: number; text: string }> {
  const input = createReadStream(path);
  const gzip = path.endsWith('.gz') ? createGunzip() : null;
  // pipe() does not forward errors: a read error must reach the stream readline iterates.
  if (gzip) input.on('error', (err) => gzip.destroy(err));
  const rl = createInterface({ input: gzip ? input.pipe(gzip) : input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of rl) {
      line += 1;
      if (text.trim() === '') continue;
      yield { line, text };
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code === 'string' && e.code.startsWith('Z_')) throw gzipProblem(e, display, line);
    throw fsError(err, display, 'read', 'setup');
  } finally {
    // A reader that stops early (e.g. after the first line) must not leave a decompression error unheard.
    gzip?.on('error', () => undefined);
    rl.close();
    gzip?.destroy();
    input.destroy();
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
  for await (const { line, text } of readRawLines(path, display)) {
    const parsed = parseJsonLine(text);
    if (parsed.ok) yield { line, value: parsed.value };
    else issues.push({ file: display, line, pointer: '', message: parsed.message });
  }
}
