import type { ErrorObject, JSONSchemaType } from 'ajv';
import { lazyValidator } from './validate.js';
import { PRECOMPILED as precompiled } from './precompiled/records.js';

const ROLES = ['system', 'user', 'assistant'] as const;

/** A message of either format. */
export interface MessageRecord {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export const messageSchema: JSONSchemaType<MessageRecord> = {
  type: 'object',
  properties: {
    role: { type: 'string', enum: [...ROLES], description: 'Who wrote the message.' },
    content: { type: 'string', description: 'The message text, verbatim.' },
  },
  required: ['role', 'content'],
  additionalProperties: false,
};

/** A conversation in our own format (`conversations/*.jsonl`, one per line). */
export interface ConversationRecord {
  id: string;
  messages: MessageRecord[];
  language?: string;
  tags?: string[];
}

export const conversationSchema: JSONSchemaType<ConversationRecord> = {
  $id: 'https://healthbench.dev/schemas/conversation.schema.json',
  title: 'healthbench conversation',
  description: 'One conversation to replay to the candidate; it must end with a user turn.',
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 1, description: 'Unique id; rubrics refer to it as conversationId.' },
    messages: { type: 'array', items: messageSchema, minItems: 1, description: 'The turns so far, oldest first.' },
    language: {
      type: 'string',
      pattern: '^[a-z]{2}$',
      nullable: true,
      description: 'ISO 639-1 code of the user turns; detected when absent.',
    },
    tags: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      nullable: true,
      description: 'Example tags, e.g. theme:emergency_referrals; each at most once.',
    },
  },
  required: ['id', 'messages'],
  additionalProperties: false,
};

/** One weighted criterion of a rubric in our own format. */
export interface CriterionRecord {
  text: string;
  points: number;
  tags: string[];
}

/** The rubric of one conversation (`rubrics/*.jsonl`, one per line). */
export interface RubricRecord {
  conversationId: string;
  criteria: CriterionRecord[];
}

export const rubricSchema: JSONSchemaType<RubricRecord> = {
  $id: 'https://healthbench.dev/schemas/rubric.schema.json',
  title: 'healthbench rubric',
  description: 'The physician-style rubric of one conversation.',
  type: 'object',
  properties: {
    conversationId: { type: 'string', minLength: 1, description: 'The id of the conversation this rubric grades.' },
    criteria: {
      type: 'array',
      minItems: 1,
      description: 'Weighted criteria; negative points penalise harmful behaviour.',
      items: {
        type: 'object',
        properties: {
          text: { type: 'string', minLength: 1, description: 'What the grader checks in the final reply.' },
          points: { type: 'integer', minimum: -10, maximum: 10, not: { const: 0 }, description: 'Weight, -10..10, not 0.' },
          tags: {
            type: 'array',
            items: { type: 'string', minLength: 1 },
            uniqueItems: true,
            description: 'level:*, axis:*, cluster:* tags; each at most once.',
          },
        },
        required: ['text', 'points', 'tags'],
        additionalProperties: false,
      },
    },
  },
  required: ['conversationId', 'criteria'],
  additionalProperties: false,
};

/** A record of the official HealthBench files (docs/healthbench.md §2). */
export interface OfficialRecord {
  prompt_id: string;
  prompt: MessageRecord[];
  rubrics: Array<{ criterion: string; points: number; tags: string[] }>;
  example_tags: string[];
  ideal_completions_data?: {
    ideal_completion: string;
    ideal_completions_group: string;
    ideal_completions_ref_completions: string[];
  } | null;
  canary?: string;
}

export const officialRecordSchema: JSONSchemaType<OfficialRecord> = {
  $id: 'https://healthbench.dev/schemas/healthbench-record.schema.json',
  title: 'HealthBench record (official format)',
  type: 'object',
  properties: {
    prompt_id: { type: 'string', minLength: 1 },
    prompt: { type: 'array', items: messageSchema, minItems: 1 },
    rubrics: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          criterion: { type: 'string', minLength: 1 },
          points: { type: 'number' },
          tags: { type: 'array', items: { type: 'string' }, uniqueItems: true },
        },
        required: ['criterion', 'points', 'tags'],
        additionalProperties: false,
      },
    },
    example_tags: { type: 'array', items: { type: 'string' }, uniqueItems: true },
    ideal_completions_data: {
      type: 'object',
      nullable: true,
      properties: {
        ideal_completion: { type: 'string' },
        ideal_completions_group: { type: 'string' },
        ideal_completions_ref_completions: { type: 'array', items: { type: 'string' } },
      },
      required: ['ideal_completion', 'ideal_completions_group', 'ideal_completions_ref_completions'],
      additionalProperties: false,
    },
    canary: { type: 'string', nullable: true },
  },
  required: ['prompt_id', 'prompt', 'rubrics', 'example_tags'],
  additionalProperties: false,
};

/** A zero weight is the one rubric error whose fix the schema cannot say. */
function rubricHint(e: ErrorObject): string | undefined {
  if (e.keyword === 'not' && e.instancePath.endsWith('/points')) {
    return 'must not be 0: give the criterion a weight from -10 to 10 (negative for behaviour to penalise), or drop it';
  }
  return undefined;
}

export const validateConversation = lazyValidator<ConversationRecord>(conversationSchema, { precompiled });
export const validateRubric = lazyValidator<RubricRecord>(rubricSchema, { precompiled, hint: rubricHint });
export const validateOfficialRecord = lazyValidator<OfficialRecord>(officialRecordSchema, { precompiled });
