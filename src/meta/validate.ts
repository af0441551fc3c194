/**
 * Validation of one official meta-eval record (docs/healthbench.md §12) into a {@link MetaRow}.
 * Pure: the caller reads the file and passes each parsed line with its file name and 1-based line number.
 */

import type { ErrorObject, JSONSchemaType } from 'ajv';
import type { Role } from '../core/types.js';
import type { DataIssue } from '../core/errors.js';
import type { MetaRow } from './types.js';
import { lazyValidator, validateRecord } from '../schemas/validate.js';
import { PRECOMPILED as precompiled } from '../schemas/precompiled/meta.js';

/** The record as stored in the official JSONL (snake_case). */
interface RawMetaRecord {
  prompt: { role: Role; content: string }[];
  completion: string;
  prompt_id: string;
  completion_id: string;
  rubric: string;
  category: string;
  binary_labels: boolean[];
  anonymized_physician_ids: string[];
  canary?: string;
}

const ROLES: Role[] = ['system', 'user', 'assistant'];

// Extra top-level fields are tolerated: the row shape is known only from code and third-party descriptions (docs/healthbench.md §12),
// and a mirror adding a column should not make the whole file unreadable.
const rawMetaRecordSchema: JSONSchemaType<RawMetaRecord> = {
  type: 'object',
  properties: {
    prompt: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          role: { type: 'string', enum: ROLES },
          content: { type: 'string' },
        },
        required: ['role', 'content'],
        additionalProperties: true,
      },
    },
    completion: { type: 'string' },
    prompt_id: { type: 'string', minLength: 1 },
    completion_id: { type: 'string', minLength: 1 },
    rubric: { type: 'string', minLength: 1 },
    category: { type: 'string', pattern: '^cluster:.+' },
    binary_labels: { type: 'array', minItems: 1, items: { type: 'boolean' } },
    anonymized_physician_ids: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    canary: { type: 'string', nullable: true },
  },
  required: ['prompt', 'completion', 'prompt_id', 'completion_id', 'rubric', 'category', 'binary_labels', 'anonymized_physician_ids'],
  additionalProperties: true,
};

/** The one meta-eval error whose fix the schema cannot say. */
function metaHint(error: ErrorObject): string | undefined {
  return error.keyword === 'pattern' && error.instancePath === '/category' ? 'must start with "cluster:"' : undefined;
}

const validateRawMetaRecord = lazyValidator<RawMetaRecord>(rawMetaRecordSchema, { precompiled, hint: metaHint });

/** Rules JSON Schema cannot state: the physician ids run parallel to the labels. */
function crossFieldIssues(value: unknown, file: string, line: number): DataIssue[] {
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  const labels = record['binary_labels'];
  const ids = record['anonymized_physician_ids'];
  if (!Array.isArray(labels) || !Array.isArray(ids) || labels.length === ids.length) return [];
  return [
    {
      file,
      line,
      pointer: '/anonymized_physician_ids',
      message: `must have one id per label: ${ids.length} ids for ${labels.length} binary_labels`,
    },
  ];
}

/**
 * Checks one parsed JSONL value against the official meta-eval row shape and converts it to a {@link MetaRow}.
 * Returns every problem found (JSON-pointer located), never the first one only.
 */
export function parseMetaRecord(value: unknown, file: string, line: number): { row: MetaRow } | { issues: DataIssue[] } {
  const checked = validateRecord(validateRawMetaRecord, value, file, line);
  const issues = [...(checked.ok ? [] : checked.issues), ...crossFieldIssues(value, file, line)];
  if (!checked.ok || issues.length > 0) return { issues };
  const raw = checked.value;
  return {
    row: {
      promptId: raw.prompt_id,
      completionId: raw.completion_id,
      prompt: raw.prompt.map((m) => ({ role: m.role, content: m.content })),
      completion: raw.completion,
      rubric: raw.rubric,
      category: raw.category,
      binaryLabels: [...raw.binary_labels],
      physicianIds: [...raw.anonymized_physician_ids],
    },
  };
}
