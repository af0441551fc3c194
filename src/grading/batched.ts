/**
 * Batched grading (`--grader-mode batched`): every rubric item of a sample judged in one grader call, with a
 * verdict per item in one JSON reply. Not the reference protocol (one call per item); `healthbench agreement`
 * measures how far it drifts. Pure.
 */
import type { ErrorObject } from 'ajv';
import type { Message } from '../core/types.js';
import { lazyValidator } from '../schemas/index.js';
import { CONVERSATION_PLACEHOLDER, fillTemplate, renderConversation, renderRubricItem } from './render-prompt.js';
import { PRECOMPILED as precompiled } from '../schemas/precompiled/batched.js';

export const RUBRIC_ITEMS_PLACEHOLDER = '<<rubric_items>>';
/** The lines around the item list: the reply contract with the grader (and the fake provider's marker). */
export const RUBRIC_ITEMS_OPEN = '<rubric_items>';
export const RUBRIC_ITEMS_CLOSE = '</rubric_items>';
/** File name of the bundled batched template under `graders/`. */
export const BATCHED_TEMPLATE_FILE = 'healthbench-grader-batched.md';
/** The label a batched run's report carries. */
export const BATCHED_GRADING_NOTE =
  'Batched grading: all rubric items of a sample were judged in one grader call (items missing or malformed in the reply were re-graded one by one). This is not the reference protocol (one call per item); check it against per-criterion grading with `healthbench agreement` before trusting it.';

/** One rubric item as the batched prompt lists it. */
export interface BatchItem {
  /** `c1`..`cN`, the item's position in the rubric, 1-based. */
  id: string;
  points: number;
  text: string;
}

/** A verdict read from a batched reply. */
export interface BatchVerdict {
  met: boolean;
  explanation: string;
}

/** What a batched reply decided; the ids it did not decide (with why) must be graded again, never guessed. */
export interface BatchedParse {
  verdicts: Map<string, BatchVerdict>;
  /** Ids asked for that have no valid verdict, in the order asked. */
  missing: Array<{ id: string; reason: string }>;
  /** Set when the reply as a whole is unusable (then every id is missing). */
  reason: string | null;
}

/** The id of the item at 0-based rubric position `index`. */
export function batchItemId(index: number): string {
  return `c${index + 1}`;
}

/** Problems that make a batched template unusable. */
export function batchedTemplateProblems(text: string): string[] {
  const problems: string[] = [];
  if (!text.includes(CONVERSATION_PLACEHOLDER)) problems.push(`template has no ${CONVERSATION_PLACEHOLDER} placeholder`);
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const at = lines.indexOf(RUBRIC_ITEMS_PLACEHOLDER);
  if (at < 1 || lines[at - 1] !== RUBRIC_ITEMS_OPEN || lines[at + 1] !== RUBRIC_ITEMS_CLOSE) {
    problems.push(
      `template must have ${RUBRIC_ITEMS_PLACEHOLDER} on its own line between ${RUBRIC_ITEMS_OPEN} and ${RUBRIC_ITEMS_CLOSE} lines`,
    );
  }
  return problems;
}

// A conversation line equal to a list delimiter gets a backslash, so a response cannot close the list early.
const DELIMITER_LINE = /^(<\/?rubric_items>)[ \t]*$/gm;

/**
 * The batched grader prompt: the conversation (sent messages + the response under judgement) and the items as
 * one single-line JSON array `[{"id":"c1","item":"[7] text"}, ...]` (JSON escapes newlines inside items).
 */
export function renderBatchedPrompt(
  template: string,
  messagesSent: readonly Message[],
  response: string,
  items: readonly BatchItem[],
): string {
  const conversation = renderConversation([...messagesSent, { role: 'assistant', content: response }]).replace(DELIMITER_LINE, '\\$1');
  const list = JSON.stringify(items.map((it) => ({ id: it.id, item: renderRubricItem(it.points, it.text) })));
  return fillTemplate(template, { [CONVERSATION_PLACEHOLDER]: conversation, [RUBRIC_ITEMS_PLACEHOLDER]: list });
}

interface BatchedReply {
  verdicts: Array<{ id: string; explanation?: string; criteria_met: boolean }>;
}

const validateReply = lazyValidator<BatchedReply>(
  {
    type: 'object',
    required: ['verdicts'],
    properties: {
      verdicts: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'criteria_met'],
          properties: {
            id: { type: 'string' },
            explanation: { type: 'string' },
            criteria_met: { type: 'boolean' },
          },
        },
      },
    },
  },
  { precompiled },
);

const FENCE = /^```json\s*|\s*```$/g;
const ENTRY_PATH = /^\/verdicts\/(\d+)(\/|$)/;

function describeError(e: ErrorObject): string {
  const field = e.instancePath.replace(ENTRY_PATH, '') || 'entry';
  if (e.keyword === 'required') return `missing "${String((e.params as { missingProperty?: string }).missingProperty)}"`;
  return `${field.replace(/^\//, '')} ${e.message ?? 'is invalid'}`;
}

/**
 * Reads a batched reply against the ids asked for. The acceptance rules follow `parseVerdict`: trim, strip one
 * ```json fence, parse JSON; the object must hold a `verdicts` array. Each entry is checked on its own: an entry
 * without a string id, with a non-boolean `criteria_met` or a non-string explanation decides nothing; an id given
 * twice decides nothing (which one would we believe?); ids not asked for are ignored. Every id left undecided is
 * listed in `missing` with the reason.
 */
export function parseBatchedVerdicts(text: string, ids: readonly string[]): BatchedParse {
  const allMissing = (reason: string): BatchedParse => ({ verdicts: new Map(), missing: ids.map((id) => ({ id, reason })), reason });
  let value: unknown;
  try {
    value = JSON.parse(text.trim().replace(FENCE, ''));
  } catch {
    return allMissing('reply is not valid JSON');
  }
  const badEntries = new Map<number, string>();
  if (!validateReply(value)) {
    for (const e of validateReply.errors ?? []) {
      const m = ENTRY_PATH.exec(e.instancePath);
      if (m) {
        const k = Number(m[1]);
        if (!badEntries.has(k)) badEntries.set(k, describeError(e));
      } else {
        return allMissing(
          e.instancePath === ''
            ? `reply ${e.keyword === 'required' ? 'has no "verdicts"' : 'is not a JSON object'}`
            : '"verdicts" is not an array',
        );
      }
    }
  }
  const entries = (value as { verdicts: unknown[] }).verdicts;
  const asked = new Set(ids);
  const seen = new Map<string, Array<BatchVerdict | string>>();
  entries.forEach((raw, k) => {
    const id = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['id'] : undefined;
    if (typeof id !== 'string' || !asked.has(id)) return;
    const entry = raw as BatchedReply['verdicts'][number];
    const outcome = badEntries.get(k) ?? { met: entry.criteria_met, explanation: entry.explanation ?? 'No explanation provided' };
    const list = seen.get(id);
    if (list) list.push(outcome);
    else seen.set(id, [outcome]);
  });
  const verdicts = new Map<string, BatchVerdict>();
  const missing: BatchedParse['missing'] = [];
  for (const id of ids) {
    const list = seen.get(id) ?? [];
    const only = list[0];
    if (list.length > 1) missing.push({ id, reason: 'id given more than once' });
    else if (only === undefined) missing.push({ id, reason: 'no verdict for this id' });
    else if (typeof only === 'string') missing.push({ id, reason: only });
    else verdicts.set(id, only);
  }
  return { verdicts, missing, reason: null };
}
