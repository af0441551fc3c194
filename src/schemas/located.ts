/**
 * JSON or YAML files checked against a JSON Schema, every problem reported as `file:line /pointer: message`
 * (release policies, the config file). Pure: the caller reads the file.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { DataValidationError } from '../core/errors.js';
import { issuesFromAjvErrors, type LazyValidator } from './validate.js';

/**
 * Start offset of the node at `path`, or of the key `keyName` inside it when given; falls back to the nearest
 * ancestor that exists so every issue gets some line.
 */
function offsetOf(doc: Document, path: readonly string[], keyName: string | undefined): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = rangeStart(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) return best;
      node = pair.value;
      best = rangeStart(node) ?? rangeStart(pair.key) ?? best;
    } else if (isSeq(node)) {
      node = node.items[Number(seg)];
      best = rangeStart(node) ?? best;
    } else {
      return best;
    }
  }
  if (keyName !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === keyName);
    if (pair) return rangeStart(pair.key) ?? best;
  }
  return best;
}

function rangeStart(node: unknown): number | undefined {
  if (node !== null && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] | null }).range;
    return range?.[0];
  }
  return undefined;
}

/** Line of a character offset in `text` (1-based). */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parses and validates a file written as JSON (`.json`) or YAML (anything else). Throws DataValidationError
 * listing every problem as `file:line /pointer: message`.
 */
export function parseLocated<T>(text: string, file: string, validate: LazyValidator<T>, invalid: string): T {
  if (file.toLowerCase().endsWith('.json')) {
    // YAML would accept things JSON forbids (comments, bare words), so a .json file must be strict JSON first.
    try {
      JSON.parse(text);
    } catch (err) {
      const msg = (err as Error).message;
      const pos = /position (\d+)/.exec(msg);
      const lineCol = /line (\d+) column/.exec(msg);
      const line = lineCol ? Number(lineCol[1]) : pos ? lineAt(text, Number(pos[1])) : 0;
      throw new DataValidationError([{ file, line, pointer: '', message: `invalid JSON: ${msg}` }]);
    }
  }
  // JSON is YAML 1.2, so one parser gives positions for both formats.
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new DataValidationError(
      doc.errors.map((e) => ({
        file,
        line: counter.linePos(e.pos[0]).line,
        pointer: '',
        message: `invalid YAML: ${e.message.split('\n')[0] ?? e.code}`,
      })),
    );
  }
  const value: unknown = doc.toJS();
  if (validate(value)) return value;
  const lineOf = (path: readonly string[], key: string | undefined): number => {
    const offset = offsetOf(doc, path, key);
    return offset === undefined ? 0 : counter.linePos(offset).line;
  };
  const issues = issuesFromAjvErrors(validate.errors ?? [], file, lineOf, validate.hint);
  throw new DataValidationError(issues.length > 0 ? issues : [{ file, line: 0, pointer: '', message: invalid }]);
}
