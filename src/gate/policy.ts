/**
 * Release-gate policy: type, JSON Schema (checked by ajv) and a parser for JSON or YAML that reports every problem
 * as `file:line /pointer: message`. Pure: the caller reads the file.
 */
import { parseLocated } from '../schemas/located.js';
import { lazyValidator } from '../schemas/validate.js';
import { PRECOMPILED as precompiled } from '../schemas/precompiled/policy.js';

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

const validatePolicy = lazyValidator<GatePolicy>(GATE_POLICY_SCHEMA, { precompiled });

/** The text of `docs/gate-policy.schema.json`. */
export function renderPolicySchemaJson(): string {
  return `${JSON.stringify(GATE_POLICY_SCHEMA, null, 2)}\n`;
}

/**
 * Parses and validates a policy written as JSON (`.json`) or YAML (anything else). Throws DataValidationError
 * listing every problem as `file:line /pointer: message`.
 */
export function parsePolicy(text: string, file: string): GatePolicy {
  return parseLocated(text, file, validatePolicy, 'invalid policy');
}
