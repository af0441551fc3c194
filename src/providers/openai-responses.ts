import type OpenAI from 'openai';
import type { Response, ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import type { Completion, CompletionRequest, ModelClient, ModelSpec } from './model-client.js';
import { ProviderCallError } from './model-client.js';
import { toProviderError } from './errors.js';
import { openaiSdk } from './openai.js';
import type { ClientOptions } from './factory.js';

/** Reasoning effort values the Responses API takes (`reasoning.effort`). */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export type ReasoningEffortValue = (typeof REASONING_EFFORTS)[number];

/**
 * The request body for one call: the system prompt goes in `instructions`, the conversation in `input` as a message
 * list (roles and text kept as they are), `reasoning.effort` when set. Nothing is stored on the provider's side.
 */
export function responsesBody(model: string, req: CompletionRequest): ResponseCreateParamsNonStreaming {
  const { params } = req;
  const body: ResponseCreateParamsNonStreaming = {
    model,
    input: req.messages.map((m) => ({ role: m.role, content: m.content })),
    store: false,
  };
  if (params.systemPrompt !== null) body.instructions = params.systemPrompt;
  if (params.temperature !== null) body.temperature = params.temperature;
  if (params.maxTokens !== null) body.max_output_tokens = params.maxTokens;
  if (params.reasoningEffort !== null) body.reasoning = { effort: params.reasoningEffort as ReasoningEffortValue };
  return body;
}

/** Why a response ended: `stop` when completed, `length` when cut at max_output_tokens, else the API's reason. */
function finishReasonOf(res: Response): string {
  if (res.status === 'completed') return 'stop';
  const reason = res.incomplete_details?.reason;
  if (reason === 'max_output_tokens') return 'length';
  return reason ?? res.status ?? 'unknown';
}

/**
 * The OpenAI Responses API (`client.responses.create`) through the official SDK: reasoning models (`gpt-5*`, `o*`)
 * and any model run with `--api responses`. Same contract as the Chat Completions client: one text reply, usage
 * (reasoning tokens included in output tokens and also reported apart), errors mapped and redacted.
 */
export class OpenAIResponsesClient implements ModelClient {
  readonly spec: ModelSpec;
  readonly #client: OpenAI;
  readonly #secrets: string[];

  constructor(spec: ModelSpec, opts: ClientOptions) {
    this.spec = spec;
    this.#secrets = [opts.apiKey];
    this.#client = openaiSdk(opts);
  }

  async complete(req: CompletionRequest): Promise<Completion> {
    const started = Date.now();
    let res: Response;
    try {
      res = await this.#client.responses.create(responsesBody(this.spec.model, req), { signal: req.signal ?? null });
    } catch (err) {
      throw toProviderError(err, this.#secrets, req.signal);
    }
    return readResponsesReply(res, Date.now() - started);
  }
}

/** A Response read into a Completion (a live reply, or a batch result line's body). */
export function readResponsesReply(res: Response, latencyMs: number): Completion {
  const finishReason = finishReasonOf(res);
  if (res.status === 'failed') {
    throw new ProviderCallError(`response failed: ${res.error?.message ?? 'no reason given'}`, null, 'response failed');
  }
  // The SDK adds `output_text` to the replies it parses; a batch result line holds the raw body.
  const text = res.output_text ?? outputText(res);
  if (typeof text !== 'string' || text.length === 0) {
    throw new ProviderCallError(`empty response (status=${res.status ?? 'none'}, finish_reason=${finishReason})`, null, 'empty response');
  }
  const u = res.usage;
  return {
    text,
    usage: {
      calls: 1,
      inputTokens: u?.input_tokens ?? 0,
      outputTokens: u?.output_tokens ?? 0,
      cachedInputTokens: u?.input_tokens_details?.cached_tokens ?? 0,
      reasoningTokens: u?.output_tokens_details?.reasoning_tokens ?? 0,
    },
    finishReason,
    latencyMs,
    model: res.model,
    fromCache: false,
  };
}

function outputText(res: Response): string {
  return (res.output ?? [])
    .flatMap((o) => (o.type === 'message' ? o.content : []))
    .map((c) => (c.type === 'output_text' ? c.text : ''))
    .join('');
}
