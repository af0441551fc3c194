/**
 * HealthBench Professional records (docs/professional.md): an id, the conversation, `rubric_items` and the task's
 * use case, type, difficulty and specialty, plus a physician's answer. This module tells the two JSONL layouts apart
 * record by record and turns a Professional record into an Example. Accepted field-name variants: `id` / `prompt_id`,
 * `conversation` / `prompt` (a message list, or an object holding it under `messages`), `criterion_text` /
 * `criterion`. Other fields are ignored.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { DataIssue } from '../core/errors.js';
import { PROFESSIONAL_FAMILIES } from '../core/professional.js';
import type { Example, Message } from '../core/types.js';
import { lazyValidator, messageSchema, validateRecord, type MessageRecord } from '../schemas/index.js';
import { PRECOMPILED as precompiled } from '../schemas/precompiled/professional.js';

/** Which record layout a JSONL file holds. */
export type RecordLayout = 'healthbench' | 'professional';

const LAYOUT_FIELDS: Record<RecordLayout, string> = {
  healthbench: 'prompt_id, prompt, rubrics, example_tags',
  professional: 'id, conversation (or prompt), rubric_items, use_case, type, difficulty, specialty, physician_response',
};

export const LAYOUT_NAMES: Record<RecordLayout, string> = {
  healthbench: 'HealthBench',
  professional: 'HealthBench Professional',
};

const validateMessages = lazyValidator<MessageRecord[]>({ type: 'array', items: messageSchema, minItems: 1 }, { precompiled });

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The layout a parsed record is in: `rubric_items` marks Professional; `rubrics` or `prompt_id` the original. */
export function layoutOf(value: unknown): RecordLayout | null {
  if (!isObject(value)) return null;
  if ('rubric_items' in value) return 'professional';
  if ('rubrics' in value || 'prompt_id' in value) return 'healthbench';
  return null;
}

/**
 * The layout of a JSONL file judged from its first records (at most `maxLines` non-blank lines), or null when none is
 * recognisable or the file cannot be read (opening it properly reports why). Used to pick defaults before the file is
 * validated; the full check happens when it is opened.
 */
export async function peekLayout(path: string, maxLines = 20): Promise<RecordLayout | null> {
  const input = createReadStream(path);
  const stream = path.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  const failed = new Promise<null>((resolve) => {
    input.once('error', () => resolve(null));
    stream.once('error', () => resolve(null));
  });
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  const scan = async (): Promise<RecordLayout | null> => {
    let seen = 0;
    for await (const text of rl) {
      if (text.trim() === '') continue;
      const layout = layoutOf(parseLine(text));
      if (layout !== null || ++seen >= maxLines) return layout;
    }
    return null;
  };
  try {
    return await Promise.race([scan().catch(() => null), failed]);
  } finally {
    rl.close();
    input.destroy();
  }
}

function parseLine(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The problem of a record in neither layout, naming the fields it has. */
export function neitherLayoutIssue(value: unknown, file: string, line: number): DataIssue {
  const has = isObject(value)
    ? Object.keys(value).length > 0
      ? `its fields are ${Object.keys(value).join(', ')}`
      : 'it has no fields'
    : `it is ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}, not an object`;
  return {
    file,
    line,
    pointer: '',
    message:
      `record matches neither the ${LAYOUT_NAMES.healthbench} layout (${LAYOUT_FIELDS.healthbench}) nor the ` +
      `${LAYOUT_NAMES.professional} layout (${LAYOUT_FIELDS.professional}); ${has}. Fix or remove this line`,
  };
}

/** Exactly one of two variant keys: the one present, or an issue. */
function variantKey(
  r: Obj,
  keys: readonly [string, string],
  at: (pointer: string, message: string) => DataIssue,
  base = '',
): string | DataIssue {
  const present = keys.filter((k) => k in r);
  if (present.length === 2) return at(`${base}/${keys[1]}`, `both '${keys[0]}' and '${keys[1]}' are given; keep one`);
  if (present.length === 0) return at(`${base}/${keys[0]}`, `missing required field '${keys[0]}' (or '${keys[1]}')`);
  return present[0] as string;
}

function readMessages(r: Obj, file: string, line: number, issues: DataIssue[]): Message[] {
  const at = (pointer: string, message: string): DataIssue => ({ file, line, pointer, message });
  const key = variantKey(r, ['conversation', 'prompt'], at);
  if (typeof key !== 'string') return (void issues.push(key), []);
  const raw = r[key];
  const base = isObject(raw) ? `/${key}/messages` : `/${key}`;
  const list = isObject(raw) ? raw['messages'] : raw;
  const checked = validateRecord(validateMessages, list, file, line);
  if (!checked.ok) {
    issues.push(...checked.issues.map((i) => ({ ...i, pointer: `${base}${i.pointer}` })));
    return [];
  }
  const messages = checked.value.map((m) => ({ role: m.role, content: m.content }));
  const last = messages[messages.length - 1];
  if (last && last.role !== 'user') issues.push(at(`${base}/${messages.length - 1}/role`, 'the conversation must end with a user turn'));
  return messages;
}

function readRubricItem(
  item: unknown,
  pointer: string,
  at: (p: string, m: string) => DataIssue,
  issues: DataIssue[],
): Example['rubric'][number] | null {
  if (!isObject(item)) return (void issues.push(at(pointer, 'must be an object')), null);
  const key = variantKey(item, ['criterion_text', 'criterion'], at, pointer);
  const before = issues.length;
  if (typeof key !== 'string') issues.push(key);
  const text = typeof key === 'string' ? item[key] : undefined;
  if (typeof key === 'string' && (typeof text !== 'string' || text.trim() === ''))
    issues.push(at(`${pointer}/${key}`, 'must be a non-empty string'));
  const points = item['points'];
  if (!('points' in item)) issues.push(at(`${pointer}/points`, "missing required field 'points'"));
  else if (typeof points !== 'number' || !Number.isFinite(points)) issues.push(at(`${pointer}/points`, 'must be a number'));
  const tags = item['tags'] ?? [];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) issues.push(at(`${pointer}/tags`, 'must be an array of strings'));
  if (issues.length > before) return null;
  return { text: text as string, points: points as number, tags: [...(tags as string[])] };
}

function readRubric(r: Obj, at: (p: string, m: string) => DataIssue, issues: DataIssue[]): Example['rubric'] {
  const items = r['rubric_items'];
  if (!Array.isArray(items) || items.length === 0)
    return (void issues.push(at('/rubric_items', 'must be a non-empty array of rubric items')), []);
  const rubric: Example['rubric'] = [];
  items.forEach((item, i) => {
    const c = readRubricItem(item, `/rubric_items/${i}`, at, issues);
    if (c) rubric.push(c);
  });
  return rubric;
}

/** Optional string fields: absent and null mean "not stated". */
function optionalString(r: Obj, key: string, at: (p: string, m: string) => DataIssue, issues: DataIssue[]): string | null {
  const v = r[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string')
    return (void issues.push(at(`/${key}`, `must be a string or null, got ${Array.isArray(v) ? 'an array' : typeof v}`)), null);
  return v;
}

/** Checks one Professional record and converts it; every problem is collected with its JSON pointer. */
export function readProfessionalRecord(
  value: unknown,
  file: string,
  line: number,
): { ok: true; example: Example } | { ok: false; issues: DataIssue[] } {
  const at = (pointer: string, message: string): DataIssue => ({ file, line, pointer, message });
  if (!isObject(value)) return { ok: false, issues: [neitherLayoutIssue(value, file, line)] };
  const issues: DataIssue[] = [];
  const idKey = variantKey(value, ['id', 'prompt_id'], at);
  const id = typeof idKey === 'string' ? value[idKey] : undefined;
  if (typeof idKey !== 'string') issues.push(idKey);
  else if (typeof id !== 'string' || id === '') issues.push(at(`/${idKey}`, 'must be a non-empty string'));
  const messages = readMessages(value, file, line, issues);
  const rubric = readRubric(value, at, issues);
  const tags: string[] = [];
  for (const family of PROFESSIONAL_FAMILIES) {
    const v = optionalString(value, family, at, issues);
    if (v !== null && v.trim() !== '') tags.push(`${family}:${v.trim()}`);
  }
  const physician = optionalString(value, 'physician_response', at, issues);
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    example: {
      id: id as string,
      messages,
      rubric,
      tags,
      language: null,
      // Professional has no physician groups or reference completions: the physician answer is the only baseline.
      ideal: physician === null ? null : { idealCompletion: physician, group: '', refCompletions: [] },
    },
  };
}
