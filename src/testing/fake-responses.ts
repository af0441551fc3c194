/**
 * The test double's OpenAI Responses API (`POST /v1/responses`): request checks and the reply body. The HTTP shell,
 * faults, rate limits and reply text are shared with Chat Completions in `fake-provider.ts`; this file only knows the
 * wire format. `input` may be a string or a message list (content a string or `input_text`/`output_text` parts);
 * `instructions` becomes a leading system message; `reasoning.effort` decides a deterministic reasoning-token count
 * reported in `usage.output_tokens_details` (and included in `output_tokens`, as the real API counts them).
 */
import type { FakeMessage } from './fake-replies.js';

/** Reasoning tokens the double reports per effort (none when no effort is sent). */
export const FAKE_REASONING_TOKENS: Readonly<Record<string, number>> = {
  none: 0,
  minimal: 16,
  low: 64,
  medium: 256,
  high: 1024,
  xhigh: 2048,
};

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const parts: string[] = [];
  for (const part of content as unknown[]) {
    if (!isObject(part)) return null;
    const { type, text } = part;
    if ((type === 'input_text' || type === 'output_text') && typeof text === 'string') parts.push(text);
    else return null;
  }
  return parts.join('\n');
}

function inputMessages(input: unknown): FakeMessage[] | { error: string } {
  if (typeof input === 'string') return input === '' ? { error: '`input` must not be empty' } : [{ role: 'user', content: input }];
  if (!Array.isArray(input) || input.length === 0) return { error: '`input` must be a non-empty string or a non-empty array of messages' };
  const messages: FakeMessage[] = [];
  for (const [i, m] of (input as unknown[]).entries()) {
    if (!isObject(m)) return { error: `input.${i} must be an object` };
    const text = contentText(m['content']);
    if (typeof m['role'] !== 'string' || text === null) return { error: `input.${i} must have a string role and text content` };
    messages.push({ role: m['role'], content: text });
  }
  return messages;
}

/** Model and flattened messages of a Responses request, or why it is rejected with 400. */
export function normalizeResponsesBody(body: unknown): { model: string; messages: FakeMessage[] } | { error: string } {
  if (!isObject(body)) return { error: 'request body must be a JSON object' };
  if (typeof body['model'] !== 'string' || body['model'] === '') return { error: '`model` must be a non-empty string' };
  if ('messages' in body) return { error: '`messages` is not a Responses API field; send `input`' };
  const effort = isObject(body['reasoning']) ? body['reasoning']['effort'] : undefined;
  if (
    body['reasoning'] !== undefined &&
    (effort === undefined || (effort !== null && !(typeof effort === 'string' && effort in FAKE_REASONING_TOKENS)))
  ) {
    return { error: `\`reasoning.effort\` must be one of ${Object.keys(FAKE_REASONING_TOKENS).join(', ')}` };
  }
  // Reasoning models reject sampling temperature, as the real API does.
  if (effort !== undefined && effort !== null && effort !== 'none' && body['temperature'] !== undefined) {
    return { error: 'Unsupported parameter: `temperature` is not supported with reasoning effort on this model' };
  }
  const messages = inputMessages(body['input']);
  if ('error' in messages) return messages;
  const instructions = body['instructions'];
  if (instructions !== undefined && instructions !== null && typeof instructions !== 'string')
    return { error: '`instructions` must be a string' };
  return {
    model: body['model'],
    messages: typeof instructions === 'string' ? [{ role: 'system', content: instructions }, ...messages] : messages,
  };
}

/** A completed `response` object with the reply text, usage and (for reasoning requests) a reasoning item. */
export function responsesReplyBody(index: number, model: string, text: string, messages: readonly FakeMessage[], body: unknown): unknown {
  const promptChars = messages.reduce((n, m) => n + m.content.length, 0);
  const inputTokens = Math.ceil(promptChars / 4);
  const effort = isObject(body) && isObject(body['reasoning']) ? String(body['reasoning']['effort']) : null;
  const reasoningTokens = effort === null ? 0 : (FAKE_REASONING_TOKENS[effort] ?? 0);
  const outputTokens = Math.ceil(text.length / 4) + reasoningTokens;
  const output: unknown[] = [];
  if (reasoningTokens > 0) output.push({ id: `rs_fake_${index}`, type: 'reasoning', summary: [] });
  output.push({
    id: `msg_fake_${index}`,
    type: 'message',
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text, annotations: [] }],
  });
  return {
    id: `resp_fake_${index}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'completed',
    error: null,
    incomplete_details: null,
    model,
    output,
    reasoning: { effort, summary: null },
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: reasoningTokens },
      total_tokens: inputTokens + outputTokens,
    },
  };
}
