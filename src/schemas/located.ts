/**
 * JSON or YAML files checked against a JSON Schema, every problem reported as `file:line /pointer: message`
 * (release policies, the config file). Pure: the caller reads the file.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { DataValidationError, type DataIssue } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';

function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function encodeSegment(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Start offset of the node at `path`, or of the key `keyName` inside it when given; falls back to the nearest
 * ancestor that exists so every issue gets some line.
 */
function offsetOf(doc: Document, path: string[], keyName: string | undefined): number | undefined {
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

export function issueForAjvError(e: ErrorObject, doc: Document, counter: LineCounter, file: string): DataIssue {
  const path = decodePointer(e.instancePath);
  const params = e.params as Record<string, unknown>;
  const extra = typeof params['additionalProperty'] === 'string' ? params['additionalProperty'] : undefined;
  // Errors raised inside `propertyNames` carry the offending key on the error itself.
  const badName = e.propertyName;
  const keyName = extra ?? badName;
  const offset = offsetOf(doc, path, keyName);
  const pointer = keyName === undefined ? e.instancePath : `${e.instancePath}/${encodeSegment(keyName)}`;
  let message = e.message ?? 'is invalid';
  if (extra !== undefined) message = `unknown field '${extra}'${didYouMean(extra, knownKeys(e), (k) => `'${k}'`)}`;
  else if (badName !== undefined) message = `key '${badName}' ${message}`;
  else if (e.keyword === 'enum' && Array.isArray(params['allowedValues'])) message += `: ${params['allowedValues'].join(', ')}`;
  return { file, line: offset === undefined ? 0 : counter.linePos(offset).line, pointer, message };
}

/** The property names the schema around an error allows (ajv gives the schema only with `verbose: true`). */
function knownKeys(e: ErrorObject): string[] {
  const properties = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return properties ? Object.keys(properties).filter((k) => k !== '$schema') : [];
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
export function parseLocated<T>(text: string, file: string, validate: ValidateFunction<T>, invalid: string): T {
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
  const issues = (validate.errors ?? [])
    // `propertyNames` reports the bad key twice (the pattern, then "property name must be valid"); keep the first.
    .filter((e) => e.keyword !== 'propertyNames')
    .map((e) => issueForAjvError(e, doc, counter, file));
  throw new DataValidationError(issues.length > 0 ? issues : [{ file, line: 0, pointer: '', message: invalid }]);
}
