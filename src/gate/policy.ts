/**
 * Release-gate policy: type, JSON Schema (checked by ajv) and a parser for JSON or YAML that reports every problem
 * as `file:line /pointer: message`. Pure: the caller reads the file.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { DataValidationError, type DataIssue } from '../core/errors.js';

/** Maximum drops against a baseline run, in score units (0.02 = two points on a 0–1 scale). */
export interface MaxDropPolicy {
  /** Largest allowed drop of the overall score. */
  overall?: number;
  /** Per theme, keyed by theme name (with or without the `theme:` prefix). */
  byTheme?: Record<string, number>;
  /** Per rubric axis, keyed by axis name (with or without `axis:`). */
  byAxis?: Record<string, number>;
  /** Per language, keyed by ISO 639-1 code. */
  byLanguage?: Record<string, number>;
  /** Per diff group, keyed by its full name (`physician_agreed_category:...`, `category:lab`, `language:en`). */
  byTag?: Record<string, number>;
  /** Largest allowed drop of every group the diff reports (one rule per group). */
  anyGroup?: number;
  /** When true, a drop beyond its limit fails only if the paired bootstrap calls it significant. @default false */
  requireSignificant?: boolean;
}

/** A release gate. Every field is optional; each one present becomes one or more rules. */
export interface GatePolicy {
  /** Editors' schema hint; ignored. */
  $schema?: string;
  /** Free text shown nowhere but kept for readers of the policy file. */
  description?: string;
  /** Lowest allowed overall score. */
  minOverall?: number;
  /** Lowest allowed score per theme (key with or without `theme:`). */
  minByTheme?: Record<string, number>;
  /** Lowest allowed score per rubric axis (key with or without `axis:`). */
  minByAxis?: Record<string, number>;
  /** Lowest allowed score per language (ISO 639-1 code). */
  minByLanguage?: Record<string, number>;
  /** Lowest allowed score of any metric key of the report (`cluster:...`, `physician_agreed_category:...`). */
  minByTag?: Record<string, number>;
  /** Largest allowed share of failed samples: errors / (scored + errors). */
  maxErrorRate?: number;
  /** Limits against a baseline run (needs `--baseline`). */
  maxDrop?: MaxDropPolicy;
}

const fraction = (description: string) => ({ type: 'number', minimum: 0, maximum: 1, description }) as const;
const fractionMap = (description: string, keyPattern: string) =>
  ({
    type: 'object',
    description,
    propertyNames: { pattern: keyPattern },
    additionalProperties: { type: 'number', minimum: 0, maximum: 1 },
  }) as const;

const THEME_KEY = '^(theme:)?[A-Za-z0-9_.-]+$';
const AXIS_KEY = '^(axis:)?[A-Za-z0-9_.-]+$';
const LANGUAGE_KEY = '^[a-z]{2,3}$';
const TAG_KEY = '^[A-Za-z0-9_]+:.+$';

/** The policy's JSON Schema (draft-07); `docs/gate-policy.schema.json` is generated from it. */
export const GATE_POLICY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'healthbench release-gate policy',
  description: 'Checked by `healthbench gate REPORT --policy FILE` and `healthbench eval --gate FILE`. Scores are on a 0-1 scale.',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: "Editors' schema hint; ignored." },
    description: { type: 'string', description: 'Free text for readers of the policy file.' },
    minOverall: fraction('Lowest allowed overall score.'),
    minByTheme: fractionMap('Lowest allowed score per theme (key with or without `theme:`).', THEME_KEY),
    minByAxis: fractionMap('Lowest allowed score per rubric axis (key with or without `axis:`).', AXIS_KEY),
    minByLanguage: fractionMap('Lowest allowed score per language (ISO 639-1 code).', LANGUAGE_KEY),
    minByTag: fractionMap('Lowest allowed score of any report metric key (`cluster:...`, `physician_agreed_category:...`).', TAG_KEY),
    maxErrorRate: fraction('Largest allowed share of failed samples: errors / (scored + errors).'),
    maxDrop: {
      type: 'object',
      description: 'Largest allowed drops against a baseline run (needs --baseline), in score units.',
      additionalProperties: false,
      properties: {
        overall: fraction('Largest allowed drop of the overall score.'),
        byTheme: fractionMap('Per theme (key with or without `theme:`).', THEME_KEY),
        byAxis: fractionMap('Per rubric axis (key with or without `axis:`).', AXIS_KEY),
        byLanguage: fractionMap('Per language (ISO 639-1 code).', LANGUAGE_KEY),
        byTag: fractionMap('Per diff group by full name (`physician_agreed_category:...`, `category:lab`, `language:en`).', TAG_KEY),
        anyGroup: fraction('Largest allowed drop of every group the diff reports.'),
        requireSignificant: {
          type: 'boolean',
          default: false,
          description: 'A drop beyond its limit fails only when the paired bootstrap calls it significant.',
        },
      },
    },
  },
} as const;

// Compile-time drift guard: the schema's properties must be exactly the type's keys, at both levels.
type PropertyKeys<S> = S extends { properties: infer P } ? keyof P : never;
type SameKeys<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : false;
const topLevelKeysMatch: SameKeys<keyof GatePolicy, PropertyKeys<typeof GATE_POLICY_SCHEMA>> = true;
const maxDropKeysMatch: SameKeys<keyof MaxDropPolicy, PropertyKeys<typeof GATE_POLICY_SCHEMA.properties.maxDrop>> = true;
void topLevelKeysMatch;
void maxDropKeysMatch;

const ajv = new Ajv({ allErrors: true, strict: true });
const validatePolicy = ajv.compile<GatePolicy>(GATE_POLICY_SCHEMA);

/** The text of `docs/gate-policy.schema.json`. */
export function renderPolicySchemaJson(): string {
  return `${JSON.stringify(GATE_POLICY_SCHEMA, null, 2)}\n`;
}

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

function issueForAjvError(e: ErrorObject, doc: Document, counter: LineCounter, file: string): DataIssue {
  const path = decodePointer(e.instancePath);
  const params = e.params as Record<string, unknown>;
  const extra = typeof params['additionalProperty'] === 'string' ? params['additionalProperty'] : undefined;
  // Errors raised inside `propertyNames` carry the offending key on the error itself.
  const badName = e.propertyName;
  const keyName = extra ?? badName;
  const offset = offsetOf(doc, path, keyName);
  const pointer = keyName === undefined ? e.instancePath : `${e.instancePath}/${encodeSegment(keyName)}`;
  let message = e.message ?? 'is invalid';
  if (extra !== undefined) message = `unknown field '${extra}' (${message})`;
  else if (badName !== undefined) message = `key '${badName}' ${message}`;
  else if (e.keyword === 'enum' && Array.isArray(params['allowedValues'])) message += `: ${params['allowedValues'].join(', ')}`;
  return { file, line: offset === undefined ? 0 : counter.linePos(offset).line, pointer, message };
}

/** Line of a character offset in `text` (1-based). */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parses and validates a policy written as JSON (`.json`) or YAML (anything else). Throws DataValidationError
 * listing every problem as `file:line /pointer: message`.
 */
export function parsePolicy(text: string, file: string): GatePolicy {
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
  if (validatePolicy(value)) return value;
  const issues = (validatePolicy.errors ?? [])
    // `propertyNames` reports the bad key twice (the pattern, then "property name must be valid"); keep the first.
    .filter((e) => e.keyword !== 'propertyNames')
    .map((e) => issueForAjvError(e, doc, counter, file));
  throw new DataValidationError(issues.length > 0 ? issues : [{ file, line: 0, pointer: '', message: 'invalid policy' }]);
}
