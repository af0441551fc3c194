import Anthropic from '@anthropic-ai/sdk';
import type { Completion, CompletionRequest, ModelClient, ModelSpec } from './model-client.js';
import { ProviderCallError } from './model-client.js';
import { toProviderError } from './errors.js';
import type { ClientOptions } from './factory.js';

/** The Messages API through the official SDK. System messages are mapped to `system`. */
export class AnthropicClient implements ModelClient {
  readonly spec: ModelSpec;
  readonly #client: Anthropic;
  readonly #secrets: string[];

  constructor(spec: ModelSpec, opts: ClientOptions) {
    this.spec = spec;
    this.#secrets = [opts.apiKey];
    this.#client = new Anthropic({
      apiKey: opts.apiKey,
      baseURL: opts.baseURL ?? null,
      maxRetries: opts.maxRetries,
      timeout: opts.timeoutMs,
      fetch: opts.fetch,
      logLevel: 'off',
    });
  }

  async complete(req: CompletionRequest): Promise<Completion> {
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
    // `temperature` is no longer in this SDK's types but the API accepts it, and the reference sets it.
    const body: Anthropic.MessageCreateParamsNonStreaming & { temperature?: number } = {
      model: this.spec.model,
      max_tokens: params.maxTokens ?? 4096,
      messages,
    };
    if (systemParts.length > 0) body.system = systemParts.join('\n\n');
    if (params.temperature !== null) body.temperature = params.temperature;
    const started = Date.now();
    let res: Anthropic.Message;
    try {
      res = await this.#client.messages.create(body, { signal: req.signal ?? null });
    } catch (err) {
      throw toProviderError(err, this.#secrets, req.signal);
    }
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
      latencyMs: Date.now() - started,
      model: res.model,
      fromCache: false,
    };
  }
}
