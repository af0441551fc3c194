/**
 * JSON Schemas of the files a run directory saves (`run.json`, `samples.jsonl` lines, `journal.jsonl` lines,
 * `report.json`), checked when they are read back so a damaged or edited file is a located error, never a silent
 * cast. Each validator is precompiled (`npm run schemas`, schemas/precompiled/saved.ts) and taken on first use. Pure.
 *
 * Fields every reader relies on are required; the others are typed and checked when present, so records of
 * earlier versions of the same format (without `finishReason`, `audit`, `pacing`...) still read.
 */
import type { RunRecord } from '../core/records.js';
import type { SavedReport } from '../core/report.js';
import type { SampleRecord } from '../core/types.js';
import type { SelectionFile } from '../runner/shard.js';
import type { JournalEntry } from '../store/run-store.js';
import { lazyValidator } from './validate.js';
import { PRECOMPILED as precompiled } from './precompiled/saved.js';

const TASKS = ['healthbench', 'medcalc', 'meta'];
/** Figures can be NaN in memory, which JSON writes as null. */
const FIGURE = { type: ['number', 'null'] };
const STRING = { type: 'string' };
const STRINGS = { type: 'array', items: STRING };
const INTEGER = { type: 'integer', minimum: 0 };
const OBJECT = { type: 'object' };
const NULLABLE_STRING = { type: ['string', 'null'] };

const tokenUsageSchema = {
  type: 'object',
  properties: {
    calls: INTEGER,
    inputTokens: INTEGER,
    outputTokens: INTEGER,
    cachedInputTokens: INTEGER,
    reasoningTokens: INTEGER,
  },
  required: ['calls', 'inputTokens', 'outputTokens', 'cachedInputTokens'],
};

const criterionSchema = {
  type: 'object',
  properties: {
    text: STRING,
    points: { type: 'number' },
    tags: STRINGS,
    met: { type: ['boolean', 'null'] },
    explanation: STRING,
    attempts: INTEGER,
    error: NULLABLE_STRING,
    verdicts: { type: 'array', items: { type: ['boolean', 'null'] } },
  },
  required: ['text', 'points', 'met'],
};

/** A `samples.jsonl` line. */
export const sampleRecordSchema = {
  $id: 'https://healthbench.dev/schemas/sample-record.schema.json',
  title: 'healthbench samples.jsonl record',
  type: 'object',
  properties: {
    task: { type: 'string', enum: TASKS },
    exampleId: STRING,
    repeat: INTEGER,
    language: STRING,
    exampleTags: STRINGS,
    messagesSent: {
      type: 'array',
      items: { type: 'object', properties: { role: STRING, content: STRING }, required: ['role', 'content'] },
    },
    response: NULLABLE_STRING,
    criteria: { type: 'array', items: criterionSchema },
    score: FIGURE,
    metrics: { type: ['object', 'null'], additionalProperties: FIGURE },
    detail: { type: ['object', 'null'] },
    usage: { type: 'object', properties: { candidate: tokenUsageSchema, grader: tokenUsageSchema } },
    error: {
      type: ['object', 'null'],
      properties: { stage: { type: 'string', enum: ['candidate', 'grader', 'scoring'] }, message: STRING, cause: NULLABLE_STRING },
      required: ['stage', 'message'],
    },
    finishReason: NULLABLE_STRING,
  },
  required: ['exampleId', 'repeat', 'criteria', 'usage', 'error'],
};

/** A `journal.jsonl` line: completions and verdicts are what resume reads; other entry types belong to their readers. */
export const journalEntrySchema = {
  $id: 'https://healthbench.dev/schemas/journal-entry.schema.json',
  title: 'healthbench journal.jsonl entry',
  type: 'object',
  properties: { t: STRING },
  required: ['t'],
  allOf: [
    {
      if: { type: 'object', properties: { t: { const: 'completion' } }, required: ['t'] },
      then: {
        type: 'object',
        properties: { exampleId: STRING, repeat: INTEGER, response: STRING, usage: OBJECT, finishReason: NULLABLE_STRING },
        required: ['exampleId', 'repeat', 'response'],
      },
    },
    {
      if: { type: 'object', properties: { t: { const: 'verdict' } }, required: ['t'] },
      then: {
        type: 'object',
        properties: {
          exampleId: STRING,
          repeat: INTEGER,
          i: INTEGER,
          r: STRING,
          met: { type: 'boolean' },
          explanation: STRING,
          attempts: INTEGER,
          usage: OBJECT,
        },
        required: ['exampleId', 'repeat', 'i', 'met'],
      },
    },
  ],
};

const samplingParamsSchema = { type: 'object' };

/** `run.json`. */
export const runRecordSchema = {
  $id: 'https://healthbench.dev/schemas/run.schema.json',
  title: 'healthbench run.json',
  type: 'object',
  properties: {
    formatVersion: { const: 1 },
    runId: STRING,
    status: { type: 'string', enum: ['running', 'completed', 'cancelled', 'failed'] },
    tool: { type: 'object', properties: { name: { const: 'healthbench' }, version: STRING }, required: ['name', 'version'] },
    createdAt: STRING,
    updatedAt: STRING,
    finishedAt: NULLABLE_STRING,
    attempts: INTEGER,
    testDouble: { type: 'boolean' },
    config: {
      type: 'object',
      properties: {
        task: { type: 'string', enum: TASKS },
        dataset: {
          type: 'object',
          properties: {
            name: STRING,
            sha256: STRING,
            officialSha256: STRING,
            limit: { type: ['integer', 'null'] },
            count: INTEGER,
            version: STRING,
          },
          required: ['name', 'sha256', 'officialSha256', 'limit', 'count'],
        },
        model: { type: ['object', 'null'], properties: { spec: STRING, params: samplingParamsSchema }, required: ['spec', 'params'] },
        graders: {
          type: 'array',
          items: {
            type: 'object',
            properties: { spec: STRING, params: samplingParamsSchema, templateSha256: STRING, officialTemplate: { type: 'boolean' } },
            required: ['spec', 'params', 'templateSha256', 'officialTemplate'],
          },
        },
        graderAttempts: INTEGER,
        taskSettings: OBJECT,
        seed: INTEGER,
        repeats: INTEGER,
        shard: { type: 'object', properties: { index: INTEGER, count: INTEGER }, required: ['index', 'count'] },
      },
      required: ['task', 'dataset', 'model', 'graders', 'graderAttempts', 'taskSettings', 'seed', 'repeats'],
    },
    progress: { type: ['object', 'null'] },
    error: NULLABLE_STRING,
    audit: OBJECT,
    shard: OBJECT,
    mergedFrom: { type: 'array', items: OBJECT },
    pacing: { type: 'array', items: OBJECT },
    effectiveConfig: {
      type: 'object',
      properties: { file: NULLABLE_STRING, profile: NULLABLE_STRING, options: OBJECT },
      required: ['options'],
    },
  },
  required: [
    'formatVersion',
    'runId',
    'status',
    'tool',
    'createdAt',
    'updatedAt',
    'finishedAt',
    'attempts',
    'testDouble',
    'config',
    'progress',
    'error',
  ],
};

const groupSummarySchema = {
  type: 'object',
  properties: { score: FIGURE, bootstrapStd: FIGURE, ci95: { type: 'array', items: FIGURE }, n: INTEGER },
  required: ['score', 'bootstrapStd', 'ci95', 'n'],
};
const groupsSchema = { type: 'object', additionalProperties: groupSummarySchema };
const datasetSchema = {
  type: 'object',
  properties: {
    name: STRING,
    sha256: STRING,
    officialSha256: { type: 'string', enum: ['match', 'mismatch', 'unknown', 'n/a'] },
    count: INTEGER,
    version: STRING,
  },
  required: ['name', 'sha256', 'officialSha256', 'count'],
};

/** What every report.json of a run directory has, whatever its task. */
const reportHead = {
  formatVersion: { const: 1 },
  runId: STRING,
  createdAt: STRING,
  task: { type: 'string', enum: TASKS },
  tool: { type: 'object', properties: { name: { const: 'healthbench' }, version: STRING }, required: ['name', 'version'] },
  dataset: datasetSchema,
  grader: { type: ['object', 'null'] },
  seed: { type: 'integer' },
  testDouble: { type: 'boolean' },
  errors: { type: 'array', items: OBJECT },
  finishReasons: { type: 'object', additionalProperties: INTEGER },
  batch: OBJECT,
  cost: {
    type: 'object',
    properties: { currency: STRING, candidate: FIGURE, grader: FIGURE, total: FIGURE },
    required: ['candidate', 'grader', 'total'],
  },
  diff: OBJECT,
  gate: OBJECT,
};

/** `report.json`: the scored layout (HealthBench, MedCalc-Bench) or the meta-evaluation's. */
export const savedReportSchema = {
  $id: 'https://healthbench.dev/schemas/report.schema.json',
  title: 'healthbench report.json',
  type: 'object',
  properties: reportHead,
  required: ['formatVersion', 'runId', 'createdAt', 'task', 'tool', 'dataset', 'grader', 'seed', 'testDouble', 'errors'],
  if: { type: 'object', properties: { task: { const: 'meta' } }, required: ['task'] },
  then: { type: 'object', properties: { meta: OBJECT }, required: ['meta'] },
  else: {
    type: 'object',
    properties: {
      model: { type: ['object', 'null'] },
      repeats: INTEGER,
      notes: STRINGS,
      overall: {
        ...groupSummarySchema,
        properties: { ...groupSummarySchema.properties, errors: INTEGER },
        required: [...groupSummarySchema.required, 'errors'],
      },
      byTheme: groupsSchema,
      byAxis: groupsSchema,
      byLanguage: groupsSchema,
      byGroup: { type: 'object', additionalProperties: groupsSchema },
      metrics: { type: 'object', additionalProperties: FIGURE },
      usage: { type: 'object', additionalProperties: tokenUsageSchema },
      lowest: { type: 'array', items: OBJECT },
      medcalc: { type: 'object', properties: { promptStyle: STRING, compat: STRING, labels: { type: ['object', 'null'] } } },
    },
    required: ['model', 'repeats', 'notes', 'overall', 'byTheme', 'byAxis', 'byLanguage', 'byGroup', 'metrics', 'usage', 'lowest'],
  },
};

/** `selection.json`: the selected example ids in reference order. */
export const selectionSchema = {
  $id: 'https://healthbench.dev/schemas/selection.schema.json',
  title: 'healthbench selection.json',
  type: 'object',
  properties: { formatVersion: { const: 1 }, count: INTEGER, exampleIds: STRINGS },
  required: ['formatVersion', 'count', 'exampleIds'],
};

/** The part of a report.json that names its run (what `agreement` labels a side with). */
export interface ReportLabel {
  runId?: string;
  grader?: { spec: string; mode: string } | null;
}

export const reportLabelSchema = {
  type: 'object',
  properties: {
    runId: STRING,
    grader: { type: ['object', 'null'], properties: { spec: STRING, mode: STRING }, required: ['spec', 'mode'] },
  },
};

export const validateSampleRecord = lazyValidator<SampleRecord>(sampleRecordSchema, { precompiled });
export const validateJournalEntry = lazyValidator<JournalEntry>(journalEntrySchema, { precompiled });
export const validateRunRecord = lazyValidator<RunRecord>(runRecordSchema, { precompiled });
export const validateSavedReport = lazyValidator<SavedReport>(savedReportSchema, { precompiled });
export const validateReportLabel = lazyValidator<ReportLabel>(reportLabelSchema, { precompiled });
export const validateSelection = lazyValidator<SelectionFile>(selectionSchema, { precompiled });
