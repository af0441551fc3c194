import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { Completion, CompletionRequest, ModelClient, ModelSpec } from './model-client.js';
import { ProviderCallError, withSystemPrompt } from './model-client.js';
import { toProviderError } from './errors.js';
import type { ClientOptions } from './factory.js';

/** The official SDK client both OpenAI APIs (Chat Completions, Responses) go through. */
export function openaiSdk(opts: ClientOptions): OpenAI {
  return new OpenAI({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL ?? null,
    maxRetries: opts.maxRetries,
    timeout: opts.timeoutMs,
    fetch: opts.fetch,
    logLevel: 'off',
  });
}

/** Chat Completions through the official SDK; any OpenAI-compatible server via `baseURL`. */
export class OpenAIClient implements ModelClient {
  readonly spec: ModelSpec;
  readonly #client: OpenAI;
  readonly #secrets: string[];

  constructor(spec: ModelSpec, opts: ClientOptions) {
    this.spec = spec;
    this.#secrets = [opts.apiKey];
    this.#client = openaiSdk(opts);
  }

  async complete(req: CompletionRequest): Promise<Completion> {
    const { params } = req;
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: this.spec.model,
      messages: withSystemPrompt(req.messages, params.systemPrompt).map((m) => ({ role: m.role, content: m.content })),
    };
    if (params.temperature !== null) body.temperature = params.temperature;
    if (params.maxTokens !== null) body.max_tokens = params.maxTokens;
    if (params.reasoningEffort !== null) body.reasoning_effort = params.reasoningEffort as 'low' | 'medium' | 'high';
    const started = Date.now();
    let res: OpenAI.Chat.Completions.ChatCompletion;
    try {
      res = await this.#client.chat.completions.create(body, { signal: req.signal ?? null });
    } catch (err) {
      throw toProviderError(err, this.#secrets, req.signal);
    }
    const choice = res.choices[0];
    const text = choice?.message?.content;
    if (typeof text !== 'string' || text.length === 0) {
      throw new ProviderCallError(
        `empty response (finish_reason=${choice?.finish_reason ?? 'none'})`,
        null,
        'empty response',
      );
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
      latencyMs: Date.now() - started,
      model: res.model,
      fromCache: false,
    };
  }
}
