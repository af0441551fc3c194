import Anthropic from '@anthropic-ai/sdk';
import type { Completion, CompletionRequest, ModelClient, ModelSpec } from './model-client.js';
import { anthropicMessageBody, readAnthropicMessage } from './request-bodies.js';
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
    const body = anthropicMessageBody(this.spec.model, req);
    const started = Date.now();
    let res: Anthropic.Message;
    try {
      res = await this.#client.messages.create(body, { signal: req.signal ?? null });
    } catch (err) {
      throw toProviderError(err, this.#secrets, req.signal);
    }
    return readAnthropicMessage(res, Date.now() - started);
  }
}
