/**
 * A TEST DOUBLE: a local OpenAI Chat Completions + Anthropic Messages server on loopback, for tests, the offline
 * demo and the bench. The real SDKs talk to it over real HTTP, so their retry, timeout and error mapping are
 * exercised unchanged (the openai-node local-mock-server approach). Replies are deterministic per seed.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BoundedTimeline, QuotaLimiter } from './fake-provider-state.js';
import type { FakeQuotaKind, TimelinePoint } from './fake-provider-state.js';
import { composeReply, detectKind } from './fake-replies.js';
import type { FakeMessage, FakeRequestKind, ReplyContext } from './fake-replies.js';
import { normalizeResponsesBody, responsesReplyBody } from './fake-responses.js';
import { createRandom } from './seeded.js';
import { createFakeBatchService, type FakeBatchOptions, type FakeBatchService, type FakeBatchStats } from './fake-batch.js';

export type { FakeMessage, FakeRequestKind } from './fake-replies.js';
export type { TimelinePoint } from './fake-provider-state.js';
export type { FakeBatchOptions, FakeBatchStats } from './fake-batch.js';

/** Fault probabilities, each in [0, 1], drawn per request from the seeded stream. */
export interface FakeFaults {
  /** Answer 500 with a JSON error. @default 0 */
  readonly status500Rate?: number;
  /** Destroy the socket without a response. @default 0 */
  readonly resetRate?: number;
  /** Never answer. @default 0 */
  readonly hangRate?: number;
  /** Grader replies that are not a valid verdict. @default 0 */
  readonly malformedVerdictRate?: number;
  /** Answer 429 regardless of `rpm`. @default 0 */
  readonly rate429?: number;
}

/** Options of `startFakeProvider` (the batch services' options included). */
export interface FakeProviderOptions extends FakeBatchOptions {
  /** Loopback address to bind ('127.0.0.1', '::1' or 'localhost'); anything else is refused. @default '127.0.0.1' */
  readonly host?: string;
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Seed of every random choice: jitter, fault draws, verdicts, answers. @default 1 */
  readonly seed?: number;
  /** Base latency per request, ms, from its arrival to the reply (the double's own work falls within it). @default 0 */
  readonly latencyMs?: number;
  /** Uniform ± jitter around `latencyMs`, ms. @default 0 */
  readonly jitterMs?: number;
  /**
   * Requests per `windowMs`, enforced as the providers do: a token bucket refilled continuously that holds
   * `burstMs` of the budget; beyond it, 429 with retry-after and the rate-limit headers. @default unlimited
   */
  readonly rpm?: number;
  /** Input tokens (prompt characters / 4) per `windowMs`, enforced the same way. @default unlimited */
  readonly tpm?: number;
  /** Output tokens per `windowMs`, charged as replies are sent. @default unlimited */
  readonly otpm?: number;
  /** What "per minute" means, ms (shorter in tests, so quotas can be measured in seconds). @default 60000 */
  readonly windowMs?: number;
  /** Budget the buckets hold, in ms of the refill. @default 1000 */
  readonly burstMs?: number;
  /**
   * Delay advertised on 429s (`retry-after` in whole seconds rounded up; OpenAI also `retry-after-ms`).
   * @default the time until the refused request would fit (0 for `faults.rate429`)
   */
  readonly retryAfterMs?: number;
  /** Injected faults. */
  readonly faults?: FakeFaults;
  /** Fraction of rubric items judged met. @default 0.6 */
  readonly metRate?: number;
  /** A rubric item containing this text always gets an invalid verdict. @default '[[never-valid]]' */
  readonly neverValidMarker?: string;
  /** Keep every request in `requests`; the bench turns this off to keep memory flat. @default true */
  readonly recordRequests?: boolean;
  /** Per-request override, consulted before the rate limiter and faults; `undefined` falls through. */
  readonly script?: (req: FakeRequest) => FakeReply | undefined;
}

/** What the server does with one request. */
export type FakeReply =
  | { kind: 'text'; text: string }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'reset' }
  /** Send the headers and half of a 200 body, then drop the connection. */
  | { kind: 'truncate' }
  | { kind: 'hang' };

/** One model request as received. */
export interface FakeRequest {
  api: 'openai' | 'anthropic';
  kind: FakeRequestKind;
  model: string;
  /** The parsed JSON body. */
  body: unknown;
  /** Messages with content flattened to text; an Anthropic `system` comes first as role 'system'. */
  messages: FakeMessage[];
  /** Hex SHA-256 of the raw body bytes; equal for an SDK retry of the same call. */
  bodySha256: string;
  /** Arrival number of model requests since start, from 0; not reset by `resetStats()`. */
  index: number;
  /** The credential as sent: the `authorization` header (OpenAI) or `x-api-key` (Anthropic); null when absent. */
  authorization: string | null;
  /** The path the request was sent to, e.g. `/v1/chat/completions`, `/v1/responses`, `/v1/messages`. */
  path: string;
}

/** Counters since start or the last `resetStats()`; only model requests (POST) are counted. */
export interface FakeProviderStats {
  total: number;
  /** By request kind, plus 'invalid' for bodies rejected with 400/413. */
  byKind: Record<string, number>;
  /** By HTTP status ('200', '429', ...), plus 'reset', 'truncate', 'hang' and 'aborted' (client left before the answer). */
  byStatus: Record<string, number>;
  peakInFlight: number;
  inFlight: number;
  /** Peak in flight per time bucket, at most 1024 points. */
  inFlightTimeline: TimelinePoint[];
  /** Epoch ms of the first model request, null before any. */
  firstRequestAt: number | null;
  /** When the last model request's response closed (epoch ms), null before any. */
  lastResponseAt: number | null;
}

/** A running fake provider. */
export interface FakeProvider {
  /** e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** `baseURL` for the `openai` client: `url + '/v1'`. */
  openaiBaseUrl: string;
  /** `baseURL` for the `@anthropic-ai/sdk` client: `url`. */
  anthropicBaseUrl: string;
  /** Every model request received, in arrival order (empty when `recordRequests` is false). */
  requests: FakeRequest[];
  stats(): FakeProviderStats;
  /** Counters of the batch services (batches, items, custom ids received twice). */
  batchStats(): FakeBatchStats;
  /** Clears counters, the timeline and `requests`; the seeded stream and the rate-limit window carry on. */
  resetStats(): void;
  /** Stops listening and destroys every connection, hung ones included. Idempotent. */
  close(): Promise<void>;
}

interface Resolved {
  host: string;
  port: number;
  seed: number;
  latencyMs: number;
  jitterMs: number;
  limiter: QuotaLimiter | null;
  retryAfterMs: number | null;
  status500Rate: number;
  resetRate: number;
  hangRate: number;
  malformedVerdictRate: number;
  rate429: number;
  metRate: number;
  neverValidMarker: string;
  recordRequests: boolean;
  script: ((req: FakeRequest) => FakeReply | undefined) | null;
}

const LOOPBACK: Record<string, string> = { '127.0.0.1': '127.0.0.1', localhost: '127.0.0.1', '::1': '::1' };
const MAX_BODY_BYTES = 32 * 1024 * 1024;

function describe(value: unknown): string {
  return `\`${String(value)}\` (${typeof value})`;
}

function checkNumber(name: string, value: number | undefined, fallback: number, min: number, max = Infinity, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const range = max === Infinity ? `from ${min} and up` : `from ${min} to ${max}`;
    throw new TypeError(`Expected \`${name}\` to be ${integer ? 'an integer' : 'a number'} ${range}, got ${describe(value)}`);
  }
  return value;
}

function resolveOptions(opts: FakeProviderOptions): Resolved {
  const hostIn = opts.host ?? '127.0.0.1';
  const host = LOOPBACK[hostIn];
  if (host === undefined) {
    throw new TypeError(`Expected \`host\` to be a loopback address (127.0.0.1, ::1, localhost), got ${describe(hostIn)}`);
  }
  const faults = opts.faults ?? {};
  const quota = (name: 'rpm' | 'tpm' | 'otpm'): number | undefined =>
    opts[name] === undefined ? undefined : checkNumber(name, opts[name], 0, 1, Infinity, true);
  const limits = { rpm: quota('rpm'), tpm: quota('tpm'), otpm: quota('otpm') };
  const windowMs = checkNumber('windowMs', opts.windowMs, 60_000, 1);
  const burstMs = checkNumber('burstMs', opts.burstMs, 1000, 1);
  const limiter = new QuotaLimiter({ ...limits, windowMs, burstMs }, Date.now());
  return {
    host,
    port: checkNumber('port', opts.port, 0, 0, 65535, true),
    seed: checkNumber('seed', opts.seed, 1, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true),
    latencyMs: checkNumber('latencyMs', opts.latencyMs, 0, 0),
    jitterMs: checkNumber('jitterMs', opts.jitterMs, 0, 0),
    limiter: limiter.active ? limiter : null,
    retryAfterMs: opts.retryAfterMs === undefined ? null : checkNumber('retryAfterMs', opts.retryAfterMs, 0, 0),
    status500Rate: checkNumber('faults.status500Rate', faults.status500Rate, 0, 0, 1),
    resetRate: checkNumber('faults.resetRate', faults.resetRate, 0, 0, 1),
    hangRate: checkNumber('faults.hangRate', faults.hangRate, 0, 0, 1),
    malformedVerdictRate: checkNumber('faults.malformedVerdictRate', faults.malformedVerdictRate, 0, 0, 1),
    rate429: checkNumber('faults.rate429', faults.rate429, 0, 0, 1),
    metRate: checkNumber('metRate', opts.metRate, 0.6, 0, 1),
    neverValidMarker: opts.neverValidMarker ?? '[[never-valid]]',
    recordRequests: opts.recordRequests ?? true,
    script: opts.script ?? null,
  };
}

type Api = FakeRequest['api'];

/** Another request/reply format served by the same handler (faults, limits and reply text shared). */
interface ModelWire {
  normalize(body: unknown): { model: string; messages: FakeMessage[] } | { error: string };
  reply(index: number, model: string, text: string, messages: readonly FakeMessage[], body: unknown): unknown;
}

const RESPONSES_WIRE: ModelWire = { normalize: normalizeResponsesBody, reply: responsesReplyBody };

function errorType(api: Api, status: number): { type: string; code: string | null } {
  if (api === 'anthropic') {
    const types: Record<number, string> = {
      400: 'invalid_request_error',
      401: 'authentication_error',
      403: 'permission_error',
      404: 'not_found_error',
      413: 'request_too_large',
      429: 'rate_limit_error',
      529: 'overloaded_error',
    };
    return { type: types[status] ?? 'api_error', code: null };
  }
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status === 404) return { type: 'invalid_request_error', code: 'not_found' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

/** The API's JSON error shape for `status`. */
function errorBody(api: Api, status: number, message: string): unknown {
  const { type, code } = errorType(api, status);
  if (api === 'anthropic') return { type: 'error', error: { type, message } };
  return { error: { message, type, param: null, code } };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function blockText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) return null;
  const parts: string[] = [];
  for (const block of content as unknown[]) {
    if (typeof block !== 'object' || block === null) return null;
    const { type, text } = block as Record<string, unknown>;
    if (type === 'text' && typeof text === 'string') parts.push(text);
  }
  return parts.join('\n');
}

/** Model and flattened messages of a request body, or the reason it is rejected with 400. */
function normalizeBody(api: Api, body: unknown): { model: string; messages: FakeMessage[] } | { error: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'request body must be a JSON object' };
  const b = body as Record<string, unknown>;
  if (typeof b['model'] !== 'string' || b['model'] === '') return { error: '`model` must be a non-empty string' };
  if (!Array.isArray(b['messages']) || b['messages'].length === 0) return { error: '`messages` must be a non-empty array' };
  const messages: FakeMessage[] = [];
  if (api === 'anthropic') {
    const maxTokens = b['max_tokens'];
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      return { error: '`max_tokens` must be a positive integer' };
    }
    if (b['system'] !== undefined) {
      const system = blockText(b['system']);
      if (system === null) return { error: '`system` must be a string or an array of text blocks' };
      messages.push({ role: 'system', content: system });
    }
  }
  for (const [i, m] of (b['messages'] as unknown[]).entries()) {
    if (typeof m !== 'object' || m === null) return { error: `messages.${i} must be an object` };
    const { role, content } = m as Record<string, unknown>;
    const text = blockText(content);
    if (typeof role !== 'string' || text === null) return { error: `messages.${i} must have a string role and text content` };
    messages.push({ role, content: text });
  }
  return { model: b['model'], messages };
}

function completionBody(api: Api, index: number, model: string, text: string, messages: readonly FakeMessage[]): unknown {
  const promptChars = messages.reduce((n, m) => n + m.content.length, 0);
  const inputTokens = Math.ceil(promptChars / 4);
  const outputTokens = Math.ceil(text.length / 4);
  if (api === 'anthropic') {
    return {
      id: `msg_fake_${index}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    };
  }
  return {
    id: `chatcmpl-fake-${index}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: inputTokens,
      completion_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
      prompt_tokens_details: { cached_tokens: 0 },
    },
  };
}

/** `retry-after` in whole seconds as both providers send it; OpenAI adds `retry-after-ms`. */
function retryHeaders(api: Api, ms: number): Record<string, string> {
  const seconds = { 'retry-after': String(Math.ceil(ms / 1000)) };
  return api === 'openai' ? { ...seconds, 'retry-after-ms': String(Math.ceil(ms)) } : seconds;
}

/** OpenAI's reset durations: `120ms`, `1.5s`, `1m30s`. */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const s = Number(((ms % 60_000) / 1000).toFixed(3));
  return ms >= 60_000 ? `${Math.floor(ms / 60_000)}m${s}s` : `${s}s`;
}

const OPENAI_QUOTA: Partial<Record<FakeQuotaKind, string>> = { requests: 'requests', inputTokens: 'tokens' };
const ANTHROPIC_QUOTA: Record<FakeQuotaKind, string> = { requests: 'requests', inputTokens: 'input-tokens', outputTokens: 'output-tokens' };

/** The rate-limit headers of every quota in force, as each provider names them. */
function quotaHeaders(api: Api, limiter: QuotaLimiter, now: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const q of limiter.states(now)) {
    if (api === 'openai') {
      const name = OPENAI_QUOTA[q.kind];
      if (name === undefined) continue;
      out[`x-ratelimit-limit-${name}`] = String(q.limit);
      out[`x-ratelimit-remaining-${name}`] = String(q.remaining);
      out[`x-ratelimit-reset-${name}`] = formatDuration(q.resetMs);
    } else {
      const name = ANTHROPIC_QUOTA[q.kind];
      out[`anthropic-ratelimit-${name}-limit`] = String(q.limit);
      out[`anthropic-ratelimit-${name}-remaining`] = String(q.remaining);
      out[`anthropic-ratelimit-${name}-reset`] = new Date(now + q.resetMs).toISOString();
    }
  }
  return out;
}

const QUOTA_WORDS: Record<FakeQuotaKind, string> = { requests: 'requests', inputTokens: 'input tokens', outputTokens: 'output tokens' };

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) return 'too-large';
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  if (Array.isArray(v)) return v[0] ?? null;
  return v ?? null;
}

const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** One fake provider's shared state: options, the seeded stream, the counters and the recorded requests. */
class FakeTraffic {
  readonly requests: FakeRequest[] = [];
  /** Arrival number of the next model request (live or batch item); never reset. */
  nextIndex = 0;
  graderReplies = 0;
  inFlight = 0;
  peakInFlight = 0;
  firstRequestAt: number | null = null;
  lastResponseAt: number | null = null;
  total = 0;
  byKind: Record<string, number> = {};
  byStatus: Record<string, number> = {};
  timeline = new BoundedTimeline();
  // close() waits for these: the server's close callback can run before the destroyed requests' 'close' events.
  private idleWaiters: Array<() => void> = [];

  readonly o: Resolved;
  /** The seeded stream of fault, jitter and verdict draws. */
  readonly random: () => number;

  constructor(o: Resolved, random: () => number) {
    this.o = o;
    this.random = random;
  }

  /** A model request arrived and is in flight from now. */
  arrive(now: number): void {
    this.firstRequestAt ??= now;
    this.total += 1;
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    this.timeline.record(now, this.inFlight);
  }

  /** A model request's response closed (answered, reset, or the client left). */
  leave(): void {
    const now = Date.now();
    this.inFlight -= 1;
    this.lastResponseAt = now;
    this.timeline.record(now, this.inFlight);
  }

  wakeIfIdle(): void {
    if (this.inFlight !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once no model request is in flight. */
  whenIdle(): Promise<void> | undefined {
    return this.inFlight === 0 ? undefined : new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * The reply context of a generated reply; graders take the next rotation and a malformed-verdict draw
   * (`malformedDraw` is called only for graders, so other kinds consume no draw).
   */
  replyContext(kind: FakeRequestKind, model: string, malformedDraw: () => number): ReplyContext {
    const isGrader = kind === 'grader' || kind === 'grader-batched';
    return {
      seed: this.o.seed,
      model,
      metRate: this.o.metRate,
      neverValidMarker: this.o.neverValidMarker,
      malformed: isGrader && malformedDraw() < this.o.malformedVerdictRate,
      rotation: isGrader ? this.graderReplies++ : 0,
    };
  }

  stats(): FakeProviderStats {
    return {
      total: this.total,
      byKind: { ...this.byKind },
      byStatus: { ...this.byStatus },
      peakInFlight: this.peakInFlight,
      inFlight: this.inFlight,
      inFlightTimeline: this.timeline.points(),
      firstRequestAt: this.firstRequestAt,
      lastResponseAt: this.lastResponseAt,
    };
  }

  reset(): void {
    this.total = 0;
    this.byKind = {};
    this.byStatus = {};
    this.peakInFlight = this.inFlight;
    this.firstRequestAt = null;
    this.lastResponseAt = null;
    this.timeline = new BoundedTimeline();
    // In place: callers may hold a reference to `requests`.
    this.requests.length = 0;
  }
}

/** The seeded draws of one live request: every fault and the jitter. */
interface Draws {
  r429: number;
  r500: number;
  reset: number;
  hang: number;
  malformed: number;
  jitter: number;
}

/** One live model request being served: where it came from, its draws, and how its answer is recorded. */
interface Exchange {
  api: Api;
  req: IncomingMessage;
  res: ServerResponse;
  /** Swaps the request checks and reply body for another format on the same API (the Responses API). */
  wire: ModelWire | null;
  index: number;
  draw: Draws;
  /** When the request arrived (ms since the epoch): the drawn latency runs from here. */
  arrivedAt: number;
  /** Aborted when the response closes (the client left, or it was answered). */
  gone: AbortSignal;
  requestIdHeaders: Record<string, string>;
  /** Records the status of the answer about to be sent. */
  answer(status: number | 'reset' | 'truncate' | 'hang'): void;
  /** Answers with an error body of the request's API. */
  fail(status: number, message: string, headers?: Record<string, string>): void;
}

/** Counts the request in flight until its response closes, and returns the exchange that answers it. */
function openExchange(t: FakeTraffic, api: Api, req: IncomingMessage, res: ServerResponse, wire: ModelWire | null): Exchange {
  const index = t.nextIndex++;
  // Draw every fault and the jitter on arrival, always the same number of draws, so the k-th request's fate
  // depends only on the seed and k, not on its content or on how long its body took to arrive.
  const random = t.random;
  const draw = { r429: random(), r500: random(), reset: random(), hang: random(), malformed: random(), jitter: random() };
  const arrivedAt = Date.now();
  t.arrive(arrivedAt);
  const gone = new AbortController();
  let answered = false;
  res.on('close', () => {
    t.leave();
    if (!answered) bump(t.byStatus, 'aborted');
    gone.abort();
    t.wakeIfIdle();
  });
  const requestIdHeaders = { 'x-request-id': `req_fake_${index}`, 'request-id': `req_fake_${index}` };
  const answer = (status: number | 'reset' | 'truncate' | 'hang'): void => {
    answered = true;
    bump(t.byStatus, String(status));
  };
  const fail = (status: number, message: string, headers: Record<string, string> = {}): void => {
    answer(status);
    sendJson(res, status, errorBody(api, status, message), { ...requestIdHeaders, ...headers });
  };
  return { api, req, res, wire, index, draw, arrivedAt, gone: gone.signal, requestIdHeaders, answer, fail };
}

/** Reads, parses and checks the body; null when the request was answered with 413/400 (or the client left). */
async function readModelRequest(t: FakeTraffic, x: Exchange): Promise<FakeRequest | null> {
  let raw: Buffer | 'too-large';
  try {
    raw = await readBody(x.req);
  } catch {
    return null; // the client went away mid-body; 'close' counts it as aborted
  }
  if (raw === 'too-large') {
    bump(t.byKind, 'invalid');
    x.fail(413, `request body exceeds ${MAX_BODY_BYTES} bytes`);
    return null;
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    bump(t.byKind, 'invalid');
    x.fail(400, 'request body is not valid JSON');
    return null;
  }
  const normalized = x.wire ? x.wire.normalize(body) : normalizeBody(x.api, body);
  if ('error' in normalized) {
    bump(t.byKind, 'invalid');
    x.fail(400, normalized.error);
    return null;
  }
  const { model, messages } = normalized;
  const kind = detectKind(messages);
  bump(t.byKind, kind);
  const request: FakeRequest = {
    api: x.api,
    kind,
    model,
    body,
    messages,
    bodySha256: createHash('sha256').update(raw).digest('hex'),
    index: x.index,
    authorization: header(x.req, 'authorization') ?? header(x.req, 'x-api-key'),
    path: new URL(x.req.url ?? '/', 'http://fake').pathname,
  };
  if (t.o.recordRequests) t.requests.push(request);
  return request;
}

/**
 * The reply when no script decided: quota 429s first (immediate, as real providers reject before doing any work),
 * then the drawn faults, then the generated text. Null when a 429 was sent.
 */
function unscriptedReply(t: FakeTraffic, x: Exchange, request: FakeRequest): FakeReply | null {
  const { o } = t;
  const arrived = Date.now();
  const inputTokens = Math.ceil(request.messages.reduce((n, m) => n + m.content.length, 0) / 4);
  const admission = o.limiter?.tryAdmit(arrived, inputTokens) ?? null;
  if (o.limiter && admission && !admission.ok) {
    x.fail(429, `Rate limit reached for ${QUOTA_WORDS[admission.kind]} (fake provider quota)`, {
      ...retryHeaders(x.api, o.retryAfterMs ?? admission.waitMs),
      ...quotaHeaders(x.api, o.limiter, arrived),
    });
    return null;
  }
  if (x.draw.r429 < o.rate429) {
    x.fail(429, 'Rate limit reached for requests (fake provider fault)', {
      ...retryHeaders(x.api, o.retryAfterMs ?? 0),
      'x-ratelimit-remaining-requests': '0',
    });
    return null;
  }
  if (o.limiter) for (const [name, value] of Object.entries(quotaHeaders(x.api, o.limiter, arrived))) x.res.setHeader(name, value);
  if (x.draw.r500 < o.status500Rate)
    return { kind: 'status', status: 500, body: errorBody(x.api, 500, 'The server had an error (fake provider fault)') };
  if (x.draw.reset < o.resetRate) return { kind: 'reset' };
  if (x.draw.hang < o.hangRate) return { kind: 'hang' };
  const text = composeReply(
    request.kind,
    request.messages,
    t.replyContext(request.kind, request.model, () => x.draw.malformed),
  );
  return { kind: 'text', text };
}

/**
 * Sends the reply when the drawn latency has passed since the request arrived (a hang never answers; 'close' fires
 * when the client gives up). The double's own work (reading and checking the body, composing the reply) happens
 * within that latency, as a provider's does, so a busy machine does not lengthen every call beyond the latency asked.
 */
async function sendReply(t: FakeTraffic, x: Exchange, request: FakeRequest, reply: FakeReply): Promise<void> {
  const { api, req, res, index, requestIdHeaders } = x;
  const { model, messages } = request;
  if (reply.kind === 'hang') {
    x.answer('hang');
    return;
  }
  const latency = Math.max(0, t.o.latencyMs + (x.draw.jitter * 2 - 1) * t.o.jitterMs);
  if (!(await sleep(x.arrivedAt + latency - Date.now(), x.gone))) return;
  switch (reply.kind) {
    case 'reset':
      x.answer('reset');
      req.socket.destroy();
      return;
    case 'truncate': {
      x.answer('truncate');
      const text = JSON.stringify(completionBody(api, index, model, 'This reply is cut off before its end.', messages));
      res.writeHead(200, { ...requestIdHeaders, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      res.write(text.slice(0, Math.floor(text.length / 2)), () => req.socket.destroy());
      return;
    }
    case 'status':
      x.answer(reply.status);
      sendJson(res, reply.status, reply.body === undefined ? errorBody(api, reply.status, 'scripted error') : reply.body, {
        ...requestIdHeaders,
        ...reply.headers,
      });
      return;
    case 'text':
      x.answer(200);
      t.o.limiter?.chargeOutput(Date.now(), Math.ceil(reply.text.length / 4));
      sendJson(
        res,
        200,
        x.wire ? x.wire.reply(index, model, reply.text, messages, request.body) : completionBody(api, index, model, reply.text, messages),
        requestIdHeaders,
      );
      return;
  }
}

/** One live model request: count it, read it, let the script or the rules decide the reply, send it. */
async function handleModel(
  t: FakeTraffic,
  api: Api,
  req: IncomingMessage,
  res: ServerResponse,
  wire: ModelWire | null = null,
): Promise<void> {
  const x = openExchange(t, api, req, res, wire);
  const request = await readModelRequest(t, x);
  if (request === null) return;
  let reply: FakeReply | null | undefined;
  try {
    reply = t.o.script?.(request);
  } catch (err) {
    x.fail(500, `fake provider script threw: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  reply ??= unscriptedReply(t, x, request);
  if (reply === null) return;
  await sendReply(t, x, request, reply);
}

/** A batch item: the reply a live request with this body would get, without transport faults. */
function answerBatchItem(t: FakeTraffic, api: Api, body: unknown, url: string): { status: number; body: unknown } {
  const index = t.nextIndex++;
  const wire = api === 'openai' && url === '/v1/responses' ? RESPONSES_WIRE : null;
  const normalized = wire ? wire.normalize(body) : normalizeBody(api, body);
  if ('error' in normalized) return { status: 400, body: errorBody(api, 400, normalized.error) };
  const { model, messages } = normalized;
  const kind = detectKind(messages);
  const text = JSON.stringify(body);
  const request: FakeRequest = {
    api,
    kind,
    model,
    body,
    messages,
    bodySha256: createHash('sha256').update(text).digest('hex'),
    index,
    authorization: null,
    path: url,
  };
  const scripted = t.o.script?.(request);
  if (scripted?.kind === 'status')
    return { status: scripted.status, body: scripted.body ?? errorBody(api, scripted.status, 'scripted error') };
  const reply = scripted?.kind === 'text' ? scripted.text : composeReply(kind, messages, t.replyContext(kind, model, t.random));
  return { status: 200, body: wire ? wire.reply(index, model, reply, messages, body) : completionBody(api, index, model, reply, messages) };
}

function sendModelList(res: ServerResponse, api: Api): void {
  const models = ['fake-model', 'fake-grader'];
  if (api === 'anthropic') {
    sendJson(res, 200, {
      data: models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' })),
      has_more: false,
      first_id: models[0],
      last_id: models[models.length - 1],
    });
  } else {
    sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'healthbench-fake' })) });
  }
}

/** Routes one HTTP request: the three model APIs, the batch services, /health, /v1/models, else 404. */
function routeRequest(t: FakeTraffic, batch: FakeBatchService, req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://fake').pathname.replace(/\/+$/, '');
  const api: Api = header(req, 'anthropic-version') === null ? 'openai' : 'anthropic';
  const handle = async (): Promise<void> => {
    if (req.method === 'POST' && path === '/v1/chat/completions') return handleModel(t, 'openai', req, res);
    if (req.method === 'POST' && path === '/v1/messages') return handleModel(t, 'anthropic', req, res);
    if (req.method === 'POST' && path === '/v1/responses') return handleModel(t, 'openai', req, res, RESPONSES_WIRE);
    if (await batch.handle(req, res, path)) return;
    if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok', testDouble: true });
    if (req.method === 'GET' && path === '/v1/models') return sendModelList(res, api);
    req.resume();
    return sendJson(res, 404, errorBody(api, 404, `no route for ${req.method ?? '?'} ${path || '/'}`));
  };
  handle().catch((err: unknown) => {
    if (!res.headersSent && !res.destroyed) {
      sendJson(res, 500, errorBody(api, 500, `fake provider bug: ${err instanceof Error ? err.message : String(err)}`));
    } else {
      res.destroy();
    }
  });
}

/** Listens on the loopback address; resolves with the server's URL. */
async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/** Starts the fake provider; resolves once it is listening. */
export async function startFakeProvider(opts: FakeProviderOptions = {}): Promise<FakeProvider> {
  const o = resolveOptions(opts);
  const t = new FakeTraffic(o, createRandom(o.seed));
  let url = '';
  const batch = createFakeBatchService(opts, {
    seed: o.seed,
    url: () => url,
    answer: (api, body, itemUrl) => answerBatchItem(t, api, body, itemUrl),
    errorBody,
    send: (res, status, body) => sendJson(res, status, body),
  });
  const server = createServer((req, res) => routeRequest(t, batch, req, res));
  url = await listen(server, o.port, o.host);

  let closing: Promise<void> | null = null;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    requests: t.requests,
    stats: () => t.stats(),
    batchStats: () => batch.stats(),
    resetStats: () => {
      batch.reset();
      t.reset();
    },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Hung and keep-alive connections would hold close() open forever; tests must not leak handles.
        server.closeAllConnections();
        batch.close();
      }).then(() => t.whenIdle());
      return closing;
    },
  };
}
