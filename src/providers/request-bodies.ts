import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { Completion, CompletionRequest } from './model-client.js';
import { ProviderCallError, withSystemPrompt } from './model-client.js';

/**
 * The request bodies and reply readers shared by the live clients and the batch services: a batch line
 * carries exactly the body a live call would send, and its result is read exactly as a live reply, so a
 * `--batch` run and a live run of the same work score the same.
 */

/** The Chat Completions body of a request. */
export function openaiChatBody(model: string, req: Pick<CompletionRequest, 'messages' | 'params'>): ChatCompletionCreateParamsNonStreaming {
  const { params } = req;
  const body: ChatCompletionCreateParamsNonStreaming = {
    model,
    messages: withSystemPrompt(req.messages, params.systemPrompt).map((m) => ({ role: m.role, content: m.content })),
  };
  if (params.temperature !== null) body.temperature = params.temperature;
  if (params.maxTokens !== null) body.max_tokens = params.maxTokens;
  if (params.reasoningEffort !== null) body.reasoning_effort = params.reasoningEffort as 'low' | 'medium' | 'high';
  return body;
}

/** A chat.completion read into a Completion; an empty reply is an error, as for a live call. */
export function readChatCompletion(res: OpenAI.Chat.Completions.ChatCompletion, latencyMs: number): Completion {
  const choice = res.choices[0];
  const text = choice?.message?.content;
  if (typeof text !== 'string' || text.length === 0) {
    throw new ProviderCallError(`empty response (finish_reason=${choice?.finish_reason ?? 'none'})`, null, 'empty response');
  }
  return {
    text,
    usage: {
      calls: 1,
      inputTokens: res.usage?.prompt_tokens ?? 0,
      outputTokens: res.usage?.completion_tokens ?? 0,
      cachedInputTokens: res.usage?.prompt_tokens_details?.cached_tokens ?? 0,
    },
    finishReason: choice?.finish_reason ?? 'unknown',
    latencyMs,
    model: res.model,
    fromCache: false,
  };
}

/** `temperature` is no longer in this SDK's types but the API accepts it, and the reference sets it. */
export type AnthropicBody = Anthropic.MessageCreateParamsNonStreaming & { temperature?: number };

/** The Messages body of a request; system messages become `system`, the shared grader head is marked for caching. */
export function anthropicMessageBody(
  model: string,
  req: Pick<CompletionRequest, 'messages' | 'params' | 'cachePrefixChars'>,
): AnthropicBody {
  const { params } = req;
  const systemParts = [
    ...(params.systemPrompt !== null ? [params.systemPrompt] : []),
    ...req.messages.filter((m) => m.role === 'system').map((m) => m.content),
  ];
  const turns = req.messages.filter((m) => m.role !== 'system');
  const cut = req.cachePrefixChars ?? 0;
  const messages: Anthropic.MessageParam[] = turns.map((m, i) => {
    const role = m.role as 'user' | 'assistant';
    // The part every grader call of a sample shares is marked for Anthropic's prompt cache; the runner
    // sends one such call first so the others read the cache instead of each writing it.
    if (i === turns.length - 1 && cut > 0 && cut < m.content.length) {
      return {
        role,
        content: [
          { type: 'text', text: m.content.slice(0, cut), cache_control: { type: 'ephemeral' } },
          { type: 'text', text: m.content.slice(cut) },
        ],
      };
    }
    return { role, content: m.content };
  });
  const body: AnthropicBody = { model, max_tokens: params.maxTokens ?? 4096, messages };
  if (systemParts.length > 0) body.system = systemParts.join('\n\n');
  if (params.temperature !== null) body.temperature = params.temperature;
  return body;
}

/** A Message read into a Completion; a reply without text is an error, as for a live call. */
export function readAnthropicMessage(res: Anthropic.Message, latencyMs: number): Completion {
  const text = res.content
    .filter((b): b is Anthropic.TextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('');
  if (text.length === 0) {
    throw new ProviderCallError(`empty response (stop_reason=${res.stop_reason ?? 'none'})`, null, 'empty response');
  }
  return {
    text,
    usage: {
      calls: 1,
      inputTokens: res.usage.input_tokens + (res.usage.cache_read_input_tokens ?? 0),
      outputTokens: res.usage.output_tokens,
      cachedInputTokens: res.usage.cache_read_input_tokens ?? 0,
    },
    finishReason: res.stop_reason ?? 'unknown',
    latencyMs,
    model: res.model,
    fromCache: false,
  };
}
