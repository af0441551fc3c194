import OpenAI from 'openai';
import type { Completion, CompletionRequest, ModelClient, ModelSpec } from './model-client.js';
import { openaiChatBody, readChatCompletion } from './request-bodies.js';
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
    const body = openaiChatBody(this.spec.model, req);
    const started = Date.now();
    let res: OpenAI.Chat.Completions.ChatCompletion;
    try {
      res = await this.#client.chat.completions.create(body, { signal: req.signal ?? null });
    } catch (err) {
      throw toProviderError(err, this.#secrets, req.signal);
    }
    return readChatCompletion(res, Date.now() - started);
  }
}
