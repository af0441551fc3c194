/**
 * What the fake provider answers: request-kind detection and deterministic reply text. Pure: the HTTP shell in
 * `fake-provider.ts` passes the messages, the seed and the fault draws in.
 *
 * The prompt markers recognised here (`# Rubric item`, `<rubric_items>`, `Patient Note`, `FAKE_REPLY:`) are the
 * contract between our grader/MedCalc templates and this test double, not the benchmarks' wording.
 */
import { hash32, hashUnit, shortHash } from './seeded.js';

/** Which of our call types a request is, judged from its prompt. */
export type FakeRequestKind = 'candidate' | 'grader' | 'grader-batched' | 'medcalc';

/** A message with its content flattened to text. `role` is kept as sent ('system', 'developer', 'user', ...). */
export interface FakeMessage {
  role: string;
  content: string;
}

/** Everything besides the messages that decides a reply. */
export interface ReplyContext {
  seed: number;
  model: string;
  /** Fraction of rubric items judged met, in [0, 1]. */
  metRate: number;
  /** A rubric item containing this text always gets an invalid verdict. */
  neverValidMarker: string;
  /** True when this request's malformed-verdict fault draw hit. */
  malformed: boolean;
  /** A counter that picks which invalid-verdict variant to send, so consecutive failures differ. */
  rotation: number;
}

/** One item of a batched grader prompt. */
export interface BatchedItem {
  id: string;
  item: string;
}

const RUBRIC_HEADING = '# Rubric item';
const CONVERSATION_HEADING = '# Conversation';
const INSTRUCTIONS_HEADING = '# Instructions';
const BATCH_OPEN = '<rubric_items>';
const BATCH_CLOSE = '</rubric_items>';
const ASSISTANT_PREFIX = 'assistant: ';

/** Text of the last `user` message, '' when there is none. */
export function lastUserText(messages: readonly FakeMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === 'user') return m.content;
  }
  return '';
}

/** All system/developer instructions joined, '' when there are none. */
export function systemText(messages: readonly FakeMessage[]): string {
  return messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => m.content)
    .join('\n');
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

function lastIndexOfLine(lines: readonly string[], heading: string, before = lines.length): number {
  for (let i = Math.min(before, lines.length) - 1; i >= 0; i--) {
    if (lines[i]?.trim() === heading) return i;
  }
  return -1;
}

/**
 * The response under judgement: the last `assistant: ` turn between the last `# Conversation` heading before
 * `anchor` and `anchor`; '' when there is none.
 */
function responseBefore(lines: readonly string[], anchor: number): string {
  const start = lastIndexOfLine(lines, CONVERSATION_HEADING, anchor);
  if (start < 0) return '';
  const section = lines.slice(start + 1, anchor);
  for (let i = section.length - 1; i >= 0; i--) {
    const line = section[i] ?? '';
    if (line.startsWith(ASSISTANT_PREFIX)) {
      return [line.slice(ASSISTANT_PREFIX.length), ...section.slice(i + 1)].join('\n').trim();
    }
  }
  return '';
}

/** Rubric item and judged response of a per-criterion grader prompt, or null when `text` is not one. */
export function parseGraderPrompt(text: string): { item: string; response: string } | null {
  const lines = splitLines(text);
  const rubric = lastIndexOfLine(lines, RUBRIC_HEADING);
  if (rubric < 0 || lastIndexOfLine(lines, CONVERSATION_HEADING, rubric) < 0) return null;
  let end = lines.length;
  for (let i = rubric + 1; i < lines.length; i++) {
    if (lines[i]?.trim() === INSTRUCTIONS_HEADING) {
      end = i;
      break;
    }
  }
  return {
    item: lines
      .slice(rubric + 1, end)
      .join('\n')
      .trim(),
    response: responseBefore(lines, rubric),
  };
}

/**
 * Items and judged response of a batched grader prompt, or null when `text` has no `<rubric_items>` line.
 * A block whose JSON does not parse yields no items (the reply is then an empty verdict list).
 */
export function parseBatchedPrompt(text: string): { items: BatchedItem[]; response: string } | null {
  const lines = splitLines(text);
  const open = lastIndexOfLine(lines, BATCH_OPEN);
  if (open < 0) return null;
  const items: BatchedItem[] = [];
  let close = lines.length;
  for (let i = open + 1; i < lines.length; i++) {
    if (lines[i]?.trim() === BATCH_CLOSE) {
      close = i;
      break;
    }
  }
  const json = lines
    .slice(open + 1, close)
    .join('\n')
    .trim();
  try {
    const parsed: unknown = JSON.parse(json);
    if (Array.isArray(parsed)) {
      for (const entry of parsed as unknown[]) {
        if (typeof entry !== 'object' || entry === null) continue;
        const { id, item } = entry as Record<string, unknown>;
        if (typeof id === 'string' && typeof item === 'string') items.push({ id, item });
      }
    }
  } catch {
    // A broken block is the caller's bug; answering with no verdicts surfaces it in their parser.
  }
  return { items, response: responseBefore(lines, open) };
}

/** Kind of a request; batched grading wins over per-criterion grading, which wins over MedCalc. */
export function detectKind(messages: readonly FakeMessage[]): FakeRequestKind {
  const user = lastUserText(messages);
  const system = systemText(messages);
  // Grader templates may sit in the system message with only the conversation in the user turn.
  const joined = system ? `${system}\n${user}` : user;
  if (parseBatchedPrompt(user) ?? parseBatchedPrompt(joined)) return 'grader-batched';
  if (parseGraderPrompt(user) ?? parseGraderPrompt(joined)) return 'grader';
  if (system.includes('"answer"') && /patient note/i.test(user)) return 'medcalc';
  return 'candidate';
}

/** The verdict rule shared by per-criterion and batched grading: a seeded hash of item and response below `metRate`. */
export function isMet(seed: number, item: string, response: string, metRate: number): boolean {
  return hashUnit(seed, 'met', item, response) < metRate;
}

function fenced(value: unknown): string {
  return '```json\n' + JSON.stringify(value, null, 2) + '\n```';
}

function explain(met: boolean, h: string): string {
  return `Fake grader ${h}: the response ${met ? 'satisfies' : 'does not satisfy'} this rubric item.`;
}

function invalidVerdict(rotation: number, h: string): string {
  switch (rotation % 4) {
    case 0:
      return `Fake grader ${h}: I think the response mostly does what the item asks, but I cannot say for sure.`;
    case 1:
      return fenced({ explanation: `Fake grader ${h}: string instead of boolean.`, criteria_met: 'true' });
    case 2:
      return fenced({ explanation: `Fake grader ${h}: the verdict key is missing.` });
    default:
      return '```json\n{"explanation": "Fake grader ' + h + ': this reply is cut off';
  }
}

/** Reply text for a per-criterion grader prompt. */
export function graderReply(messages: readonly FakeMessage[], ctx: ReplyContext): string {
  const user = lastUserText(messages);
  const system = systemText(messages);
  const prompt = parseGraderPrompt(user) ?? parseGraderPrompt(`${system}\n${user}`) ?? { item: '', response: '' };
  const h = shortHash(ctx.seed, prompt.item, prompt.response);
  if (ctx.malformed || prompt.item.includes(ctx.neverValidMarker)) return invalidVerdict(ctx.rotation, h);
  const met = isMet(ctx.seed, prompt.item, prompt.response, ctx.metRate);
  return fenced({ explanation: explain(met, h), criteria_met: met });
}

/** Reply text for a batched grader prompt. */
export function batchedGraderReply(messages: readonly FakeMessage[], ctx: ReplyContext): string {
  const user = lastUserText(messages);
  const system = systemText(messages);
  const prompt = parseBatchedPrompt(user) ?? parseBatchedPrompt(`${system}\n${user}`) ?? { items: [], response: '' };
  const h = shortHash(ctx.seed, prompt.response, prompt.items.length);
  if (ctx.malformed) {
    switch (ctx.rotation % 4) {
      case 0:
        return `Fake grader ${h}: all items look fine to me.`;
      case 1:
        return fenced({ verdicts: prompt.items.map((it) => ({ id: it.id, explanation: 'string verdict', criteria_met: 'true' })) });
      case 2:
        return fenced({ results: prompt.items.map((it) => ({ id: it.id, criteria_met: true })) });
      default:
        return '```json\n{"verdicts": [{"id": "' + (prompt.items[0]?.id ?? 'x') + '", "explanation": "cut';
    }
  }
  const verdicts: Array<{ id: string; explanation: string; criteria_met: boolean | string }> = [];
  for (const it of prompt.items) {
    const ih = shortHash(ctx.seed, it.item, prompt.response);
    if (it.item.includes(ctx.neverValidMarker)) {
      // Alternate between the two ways a batched verdict goes wrong in practice: dropped, or mistyped.
      if (ctx.rotation % 2 === 1) verdicts.push({ id: it.id, explanation: `Fake grader ${ih}: mistyped.`, criteria_met: 'true' });
      continue;
    }
    const met = isMet(ctx.seed, it.item, prompt.response, ctx.metRate);
    verdicts.push({ id: it.id, explanation: explain(met, ih), criteria_met: met });
  }
  return fenced({ verdicts });
}

/** The text of a `PREFIX: text` line in `text`, or null. */
export function forcedLine(text: string, prefix: 'FAKE_REPLY' | 'FAKE_ANSWER'): string | null {
  for (const line of splitLines(text)) {
    if (line.startsWith(`${prefix}:`)) return line.slice(prefix.length + 1).trim();
  }
  return null;
}

/** Reply text for a MedCalc prompt: JSON with a deterministic answer, or the `FAKE_ANSWER:` text. */
export function medcalcReply(messages: readonly FakeMessage[], ctx: ReplyContext): string {
  const user = lastUserText(messages);
  const h = hash32([ctx.seed, 'medcalc', ctx.model, user].join('\u0000'));
  const forced = forcedLine(user, 'FAKE_ANSWER');
  // Mostly small integers (scores, counts) with some two-decimal values (doses, ratios), like MedCalc answers.
  const computed = h % 5 === 0 ? (((h >>> 8) % 2001) / 100).toFixed(2) : String((h >>> 8) % 21);
  const answer = forced ?? computed;
  return JSON.stringify({
    step_by_step_thinking: `Fake calculator ${(h >>> 0).toString(16).padStart(8, '0')}: read the patient note, took the relevant values and applied the formula.`,
    answer,
  });
}

const OPENINGS = [
  'Thanks for describing this in detail.',
  'That sounds worrying, and it is good that you are asking.',
  'Here is what I would consider in your situation.',
  'I can give some general guidance, though I cannot examine you.',
];
const MIDDLES = [
  'Keep track of when the symptoms started and whether they are getting better or worse.',
  'Rest, fluids and an over-the-counter remedy at the labelled dose help in many mild cases.',
  'A pharmacist or your usual doctor can check whether this fits with your other medicines.',
  'If anything changes quickly, it is safer to be seen in person than to wait.',
];
const CLOSINGS = [
  'Seek urgent care for chest pain, trouble breathing, confusion or fainting.',
  'Book an appointment if this has not settled within a few days.',
  '',
  '',
];

/** Reply text for a candidate request: 2-4 plausible sentences with a per-prompt hash, or the `FAKE_REPLY:` text. */
export function candidateReply(messages: readonly FakeMessage[], ctx: ReplyContext): string {
  const forced = forcedLine(lastUserText(messages), 'FAKE_REPLY');
  if (forced !== null) return forced;
  const transcript = messages.map((m) => `${m.role}\u0001${m.content}`).join('\u0002');
  const h = hash32([ctx.seed, 'candidate', ctx.model, transcript].join('\u0000'));
  const pick = (list: readonly string[], shift: number): string => list[(h >>> shift) % list.length] ?? '';
  const sentences = [pick(OPENINGS, 0), pick(MIDDLES, 8), pick(CLOSINGS, 16)].filter((s) => s !== '');
  return `${sentences.join(' ')} (fake reply ${h.toString(16).padStart(8, '0')})`;
}

/** The reply text for a request of `kind`. */
export function composeReply(kind: FakeRequestKind, messages: readonly FakeMessage[], ctx: ReplyContext): string {
  switch (kind) {
    case 'grader':
      return graderReply(messages, ctx);
    case 'grader-batched':
      return batchedGraderReply(messages, ctx);
    case 'medcalc':
      return medcalcReply(messages, ctx);
    case 'candidate':
      return candidateReply(messages, ctx);
  }
}
