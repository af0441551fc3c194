import { createReadStream, openAsBlob } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { toStreamingFile } from 'openai';
import type { Completion, CompletionRequest, ModelSpec } from './model-client.js';
import { ProviderCallError } from './model-client.js';
import { toProviderError } from './errors.js';
import { readResponsesReply, responsesBody } from './openai-responses.js';
import { anthropicMessageBody, openaiChatBody, readAnthropicMessage, readChatCompletion } from './request-bodies.js';

/**
 * The providers' asynchronous batch services (half price, 24 h window) through the official SDKs: OpenAI's
 * Batch API (JSONL file upload + /v1/batches) and Anthropic's Message Batches. Input files are written by the
 * caller to disk and uploaded from there as file-backed blobs; results are read line by line as they stream in,
 * so neither side holds a whole batch in memory.
 */

/** Where a batch stands, in provider-neutral terms. */
export interface BatchState {
  id: string;
  /** The provider's own status word (`in_progress`, `finalizing`, `ended`, ...). */
  status: string;
  /** True once results can be read and no more will come. */
  ended: boolean;
  /** True when the provider rejected the whole batch (OpenAI `failed`); `problem` says why. */
  rejected: boolean;
  problem: string | null;
  counts: { total: number; succeeded: number; failed: number; pending: number };
  /** Epoch ms. */
  createdAt: number;
}

/** One request's outcome. `retry` marks requests that did not run (expired, canceled) or failed transiently. */
export type BatchOutcome =
  { customId: string; ok: true; completion: Completion } | { customId: string; ok: false; retry: boolean; error: ProviderCallError };

/** Limits of one batch (the provider's, or smaller ones given by the user). */
export interface BatchLimits {
  maxRequests: number;
  maxBytes: number;
}

/** How an input file is laid out: lines (OpenAI JSONL) or one JSON document (Anthropic's create body). */
export interface InputFormat {
  prefix: string;
  separator: string;
  suffix: string;
  encode(customId: string, body: unknown): string;
}

export interface BatchService {
  readonly provider: ModelSpec['provider'];
  readonly baseURL: string | null;
  readonly limits: BatchLimits;
  readonly format: InputFormat;
  /** The exact body a live call would send. */
  bodyFor(model: string, req: Pick<CompletionRequest, 'messages' | 'params' | 'cachePrefixChars'>): unknown;
  /** Uploads the input file written in `format` and starts a batch; returns its id. */
  submit(inputPath: string, label: string): Promise<string>;
  retrieve(id: string): Promise<BatchState>;
  /** Every outcome of an ended batch, streamed. */
  results(id: string): AsyncIterable<BatchOutcome>;
  cancel(id: string): Promise<void>;
}

export interface BatchServiceOptions {
  apiKey: string;
  baseURL: string | null;
  maxRetries: number;
  /** Smaller limits than the provider's, e.g. to split a run into several batches. */
  limits?: Partial<BatchLimits>;
  /** OpenAI: the endpoint of every line (the role's API, as its live calls use). @default 'chat' */
  api?: 'chat' | 'responses';
}

/** Published per-batch limits (docs/batch.md). */
export const PROVIDER_LIMITS: Record<ModelSpec['provider'], BatchLimits> = {
  openai: { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 },
  anthropic: { maxRequests: 100_000, maxBytes: 256 * 1024 * 1024 },
};

function limitsOf(provider: ModelSpec['provider'], given: Partial<BatchLimits> | undefined): BatchLimits {
  const max = PROVIDER_LIMITS[provider];
  return {
    maxRequests: Math.min(max.maxRequests, given?.maxRequests ?? Infinity),
    maxBytes: Math.min(max.maxBytes, given?.maxBytes ?? Infinity),
  };
}

/** Statuses that retrying may cure, as the SDKs retry them live. */
const retryableStatus = (status: number | null): boolean =>
  status === null || status === 408 || status === 409 || status === 429 || status >= 500;

function readOrError(customId: string, read: () => Completion): BatchOutcome {
  try {
    return { customId, ok: true, completion: read() };
  } catch (err) {
    const e = err instanceof ProviderCallError ? err : new ProviderCallError(String(err), null, 'error');
    return { customId, ok: false, retry: false, error: e };
  }
}

/** Lines of a streamed HTTP body. */
async function* bodyLines(res: Response): AsyncGenerator<string> {
  if (!res.body) return;
  const rl = createInterface({ input: Readable.fromWeb(res.body), crlfDelay: Infinity });
  for await (const line of rl) if (line.trim() !== '') yield line;
}

interface OpenAIResultLine {
  custom_id: string;
  response: { status_code: number; body: unknown } | null;
  error: { code?: string; message?: string } | null;
}

/** OpenAI Batch API: upload JSONL (`purpose: batch`), create, poll, read the output and error files. */
export class OpenAIBatchService implements BatchService {
  readonly provider = 'openai' as const;
  readonly baseURL: string | null;
  readonly limits: BatchLimits;
  readonly #client: OpenAI;
  readonly #secrets: string[];
  readonly #endpoint: '/v1/chat/completions' | '/v1/responses';
  readonly format: InputFormat = {
    prefix: '',
    separator: '\n',
    suffix: '\n',
    encode: (customId, body) => JSON.stringify({ custom_id: customId, method: 'POST', url: this.#endpoint, body }),
  };

  constructor(opts: BatchServiceOptions) {
    this.#endpoint = opts.api === 'responses' ? '/v1/responses' : '/v1/chat/completions';
    this.baseURL = opts.baseURL;
    this.limits = limitsOf('openai', opts.limits);
    this.#secrets = [opts.apiKey];
    this.#client = new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: opts.maxRetries, logLevel: 'off' });
  }

  bodyFor(model: string, req: Pick<CompletionRequest, 'messages' | 'params'>): unknown {
    return this.#endpoint === '/v1/responses' ? responsesBody(model, req) : openaiChatBody(model, req);
  }

  async submit(inputPath: string, label: string): Promise<string> {
    try {
      // Streamed from disk into the multipart body (a web File would be read into memory whole: up to 200 MB).
      const upload = toStreamingFile(createReadStream(inputPath), `${label.replace(/[^A-Za-z0-9_-]+/g, '-')}.jsonl`, {
        type: 'application/jsonl',
      });
      const file = await this.#client.files.create({ file: upload, purpose: 'batch' });
      const batch = await this.#client.batches.create({
        input_file_id: file.id,
        endpoint: this.#endpoint,
        completion_window: '24h',
        metadata: { source: 'healthbench', label: label.slice(0, 512) },
      });
      return batch.id;
    } catch (err) {
      throw toProviderError(err, this.#secrets);
    }
  }

  async retrieve(id: string): Promise<BatchState> {
    let b: OpenAI.Batches.Batch;
    try {
      b = await this.#client.batches.retrieve(id);
    } catch (err) {
      throw toProviderError(err, this.#secrets);
    }
    const total = b.request_counts?.total ?? 0;
    const succeeded = b.request_counts?.completed ?? 0;
    const failed = b.request_counts?.failed ?? 0;
    return {
      id,
      status: b.status,
      ended: ['completed', 'expired', 'cancelled', 'failed'].includes(b.status),
      rejected: b.status === 'failed',
      problem:
        b.errors?.data
          ?.map((e) => `${e.line !== undefined && e.line !== null ? `line ${e.line}: ` : ''}${e.message ?? e.code ?? ''}`)
          .join('; ') || null,
      counts: { total, succeeded, failed, pending: Math.max(0, total - succeeded - failed) },
      createdAt: b.created_at * 1000,
    };
  }

  async *results(id: string): AsyncGenerator<BatchOutcome> {
    const b = await this.#client.batches.retrieve(id).catch((err: unknown) => {
      throw toProviderError(err, this.#secrets);
    });
    for (const fileId of [b.output_file_id, b.error_file_id]) {
      if (!fileId) continue;
      const res = await this.#client.files.content(fileId).catch((err: unknown) => {
        throw toProviderError(err, this.#secrets);
      });
      for await (const line of bodyLines(res)) yield this.#outcome(JSON.parse(line) as OpenAIResultLine);
    }
  }

  #outcome(line: OpenAIResultLine): BatchOutcome {
    const customId = line.custom_id;
    if (line.response && line.response.status_code === 200) {
      const body = line.response.body;
      return readOrError(customId, () =>
        this.#endpoint === '/v1/responses'
          ? readResponsesReply(body as OpenAI.Responses.Response, 0)
          : readChatCompletion(body as OpenAI.Chat.Completions.ChatCompletion, 0),
      );
    }
    if (line.response) {
      const status = line.response.status_code;
      const message = (line.response.body as { error?: { message?: string } } | null)?.error?.message ?? 'no message';
      return {
        customId,
        ok: false,
        retry: retryableStatus(status),
        error: new ProviderCallError(`${status} ${message}`, status, `HTTP ${status}`),
      };
    }
    const code = line.error?.code ?? 'error';
    const retry = code === 'batch_expired' || code === 'batch_cancelled' || code === 'batch_failed';
    return { customId, ok: false, retry, error: new ProviderCallError(`${code}: ${line.error?.message ?? ''}`.trim(), null, code) };
  }

  async cancel(id: string): Promise<void> {
    await this.#client.batches.cancel(id).catch((err: unknown) => {
      throw toProviderError(err, this.#secrets);
    });
  }
}

/** Anthropic Message Batches: one create call with every request, poll, stream the results JSONL. */
export class AnthropicBatchService implements BatchService {
  readonly provider = 'anthropic' as const;
  readonly baseURL: string | null;
  readonly limits: BatchLimits;
  readonly #client: Anthropic;
  readonly #secrets: string[];
  readonly format: InputFormat = {
    prefix: '{"requests":[',
    separator: ',\n',
    suffix: ']}\n',
    encode: (customId, body) => JSON.stringify({ custom_id: customId, params: body }),
  };

  constructor(opts: BatchServiceOptions) {
    this.baseURL = opts.baseURL;
    this.limits = limitsOf('anthropic', opts.limits);
    this.#secrets = [opts.apiKey];
    this.#client = new Anthropic({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: opts.maxRetries, logLevel: 'off' });
  }

  bodyFor(model: string, req: Pick<CompletionRequest, 'messages' | 'params' | 'cachePrefixChars'>): unknown {
    return anthropicMessageBody(model, req);
  }

  async submit(inputPath: string): Promise<string> {
    try {
      // The create body was written to disk as it was built; the SDK sends a Blob verbatim, so it streams from
      // the file instead of being assembled in memory (up to 256 MB per batch).
      const blob = await openAsBlob(inputPath, { type: 'application/json' });
      const batch = await this.#client.messages.batches.create(
        { requests: [] },
        { body: blob, headers: { 'content-type': 'application/json' } },
      );
      return batch.id;
    } catch (err) {
      throw toProviderError(err, this.#secrets);
    }
  }

  async retrieve(id: string): Promise<BatchState> {
    let b: Anthropic.Messages.MessageBatch;
    try {
      b = await this.#client.messages.batches.retrieve(id);
    } catch (err) {
      throw toProviderError(err, this.#secrets);
    }
    const c = b.request_counts;
    const failed = c.errored + c.canceled + c.expired;
    return {
      id,
      status: b.processing_status,
      ended: b.processing_status === 'ended',
      rejected: false,
      problem: null,
      counts: { total: c.processing + c.succeeded + failed, succeeded: c.succeeded, failed, pending: c.processing },
      createdAt: Date.parse(b.created_at),
    };
  }

  async *results(id: string): AsyncGenerator<BatchOutcome> {
    let stream: AsyncIterable<Anthropic.Messages.MessageBatchIndividualResponse>;
    try {
      stream = await this.#client.messages.batches.results(id);
    } catch (err) {
      throw toProviderError(err, this.#secrets);
    }
    for await (const line of stream) {
      const customId = line.custom_id;
      const r = line.result;
      if (r.type === 'succeeded') yield readOrError(customId, () => readAnthropicMessage(r.message, 0));
      else if (r.type === 'errored') {
        const type = r.error.error.type;
        const retry = type === 'api_error' || type === 'overloaded_error' || type === 'rate_limit_error';
        yield { customId, ok: false, retry, error: new ProviderCallError(`${type}: ${r.error.error.message}`, null, type) };
      } else yield { customId, ok: false, retry: true, error: new ProviderCallError(`batch request ${r.type}`, null, r.type) };
    }
  }

  async cancel(id: string): Promise<void> {
    await this.#client.messages.batches.cancel(id).catch((err: unknown) => {
      throw toProviderError(err, this.#secrets);
    });
  }
}

export function createBatchService(provider: ModelSpec['provider'], opts: BatchServiceOptions): BatchService {
  return provider === 'openai' ? new OpenAIBatchService(opts) : new AnthropicBatchService(opts);
}
