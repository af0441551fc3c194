/**
 * Our one retry loop, wrapped around `fetch` (the SDKs run with maxRetries 0). Every attempt goes through the
 * endpoint's rate gate and gets its own time limit, held by a timer that is cleared when the attempt ends, and
 * which also covers reading the body: a reply cut off mid-body is retried like a reset. Failures are counted
 * apart: a 429 is back-pressure and never uses one of `maxRetries`; only when no call of the run has succeeded
 * for `rateLimitTimeoutMs` does it end the run. 5xx (Anthropic 529, OpenAI 503 included), 408, 409, time-outs
 * and dropped connections are retried with capped exponential backoff, at most `maxRetries` times.
 */
import { EndpointFailure, ProviderCallError } from './model-client.js';
import { parseRetryAfter } from './quota-headers.js';
import type { CallCost, RateGate } from './rate-gate.js';

export interface CallPolicy {
  gate: RateGate;
  /** Retries of failures other than 429. */
  maxRetries: number;
  /** Per attempt, from the moment it leaves the gate to the last byte of the body. */
  timeoutMs: number;
  /** A 429 ends the run only when no call of the run has succeeded for this long. */
  rateLimitTimeoutMs: number;
}

const RETRYABLE_STATUS = new Set([408, 409, 425, 500, 502, 503, 504, 529]);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 8000;

type Attempt = { ok: true; res: Response; usage: CallCost | null } | { ok: false; error: unknown; timedOut: boolean };

const sleep = (ms: number, signal: AbortSignal | null): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The URL without credentials or query, for messages. */
function describeUrl(input: Parameters<typeof fetch>[0]): string {
  const text = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  try {
    const u = new URL(text);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** A body the loop can send again; a stream can be sent once only, so its call is not retried. */
function replayable(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof FormData ||
    body instanceof URLSearchParams
  );
}

/** Input tokens at four characters each; output tokens from the gate's running mean, capped by max_tokens. */
function estimateCost(gate: RateGate, body: unknown): CallCost {
  const text = typeof body === 'string' ? body : '';
  let outputTokens = 0;
  if (gate.pacesOutput && text !== '') {
    const m = /"max(?:_completion|_output)?_tokens"\s*:\s*(\d+)/.exec(text);
    outputTokens = gate.estimateOutput(m ? Number(m[1]) : null);
  }
  return { inputTokens: Math.ceil(text.length / 4), outputTokens };
}

/** Token usage of a Chat Completions, Messages or Responses reply, read from the end of its JSON body. */
export function readUsage(body: Uint8Array): CallCost | null {
  const tail = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8', Math.max(0, body.byteLength - 2048));
  const at = tail.lastIndexOf('"usage"');
  if (at < 0) return null;
  const usage = tail.slice(at);
  const input = /"(?:prompt_tokens|input_tokens)"\s*:\s*(\d+)/.exec(usage);
  const output = /"(?:completion_tokens|output_tokens)"\s*:\s*(\d+)/.exec(usage);
  if (!input && !output) return null;
  return { inputTokens: Number(input?.[1] ?? 0), outputTokens: Number(output?.[1] ?? 0) };
}

/** Bodies read whole (so the time limit and the retry cover them): JSON replies, not streams or result files. */
function buffersBody(res: Response): boolean {
  const type = res.headers.get('content-type') ?? '';
  return !/event-stream|jsonl|ndjson|octet-stream/i.test(type);
}

/** One attempt under its own timer, which is always cleared (a collected timer would leave a call hanging). */
async function attempt(
  base: typeof fetch,
  input: Parameters<typeof fetch>[0],
  init: RequestInit | undefined,
  timeoutMs: number,
): Promise<Attempt> {
  const signal = init?.signal ?? null;
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new Error('per-attempt time limit reached'));
  }, timeoutMs);
  const relay = (): void => ac.abort(signal?.reason);
  if (signal?.aborted) relay();
  else signal?.addEventListener('abort', relay, { once: true });
  try {
    const res = await base(input, { ...init, signal: ac.signal });
    if (!buffersBody(res)) return { ok: true, res, usage: null };
    const body = new Uint8Array(await res.arrayBuffer());
    const empty = res.status === 204 || res.status === 205 || res.status === 304;
    const copy = new Response(empty ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
    return { ok: true, res: copy, usage: res.ok ? readUsage(body) : null };
  } catch (error) {
    return { ok: false, error, timedOut };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', relay);
  }
}

/** The error codes along an error's `cause` chain (undici puts ECONNREFUSED, ECONNRESET... there). */
function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e !== null && typeof e === 'object'; depth += 1) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') codes.push(code);
    else if (typeof message === 'string' && message !== '' && message !== 'fetch failed') codes.push(message);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

function backoffMs(failures: number, retryAfterMs: number | null): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, 60_000);
  const ms = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failures - 1));
  return ms * (0.75 + Math.random() * 0.25);
}

function outOfCredit(res: Response, body: string): boolean {
  return res.status === 429 && body.includes('insufficient_quota');
}

/** Wraps fetch with the gate and the retry loop described above. */
export function resilientFetch(policy: CallPolicy, base: typeof fetch = fetch): typeof fetch {
  const { gate } = policy;
  return async (input, init) => {
    const signal = init?.signal ?? null;
    // Only messages need it: described when something fails.
    const url = (): string => describeUrl(input);
    const cost = estimateCost(gate, init?.body);
    const canRetry = replayable(init?.body);
    const maxRetries = canRetry ? policy.maxRetries : 0;
    let failures = 0;
    for (;;) {
      await gate.acquire(cost.inputTokens, signal, cost.outputTokens);
      const epoch = gate.epoch;
      let result: Attempt;
      let verdict: Verdict;
      try {
        result = await attempt(base, input, init, policy.timeoutMs);
        // The gate hears of the outcome before the slot frees, so a pause it calls for holds the next call too.
        verdict = await judge(result, { gate, epoch, cost, url, canRetry });
      } finally {
        gate.release();
      }
      if (!result.ok) {
        // The caller's abort: the SDK turns it into its own abort error.
        if (signal?.aborted) throw result.error;
        const failure = callFailure(result, url(), policy, failures + 1);
        if (failure instanceof EndpointFailure && !gate.answered && failures >= Math.min(1, maxRetries)) throw failure;
        if (failures >= maxRetries) throw failure;
        failures += 1;
        await sleep(backoffMs(failures, null), signal);
        continue;
      }
      if (verdict === 'rate-limited') {
        throwIfStalled(policy, url());
        continue;
      }
      if (verdict === 'done' || failures >= maxRetries) return result.res;
      failures += 1;
      await sleep(backoffMs(failures, parseRetryAfter(result.res.headers)), signal);
    }
  };
}

type Verdict = 'done' | 'rate-limited' | 'retry';

/** Tells the gate what an attempt got, and says what the loop does next. */
async function judge(
  result: Attempt,
  ctx: { gate: RateGate; epoch: number; cost: CallCost; url: () => string; canRetry: boolean },
): Promise<Verdict> {
  if (!result.ok) return 'retry';
  const { res } = result;
  if (res.ok) {
    ctx.gate.onSuccess(res.headers, ctx.cost, result.usage);
    return 'done';
  }
  if (res.status === 429 && ctx.canRetry) {
    if (outOfCredit(res, await res.clone().text())) {
      throw new EndpointFailure(
        `${ctx.url()} answered 429 insufficient_quota: the account is out of credit. Add credit or use another key, then resume the run.`,
        'out-of-credit',
        'HTTP 429',
      );
    }
    ctx.gate.onRateLimited(parseRetryAfter(res.headers), ctx.epoch, res.headers);
    return 'rate-limited';
  }
  ctx.gate.onAnswered(res.headers);
  return RETRYABLE_STATUS.has(res.status) ? 'retry' : 'done';
}

/** The error a failed attempt becomes: unreachable endpoints are told apart, as they end the run. */
function callFailure(result: Extract<Attempt, { ok: false }>, url: string, policy: CallPolicy, attempts: number): ProviderCallError {
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  if (result.timedOut) {
    return new ProviderCallError(
      `no complete reply from ${url} within ${policy.timeoutMs / 1000} s (${tries}); raise --timeout if the model is slow`,
      null,
      'timeout',
    );
  }
  const codes = errorCodes(result.error);
  const unreachable = codes.find((c) => UNREACHABLE_CODES.has(c));
  if (unreachable) {
    return new EndpointFailure(
      `cannot reach ${url} (${unreachable}, ${tries}): is the server running, and are --base-url / --grader-base-url (or OPENAI_BASE_URL / ANTHROPIC_BASE_URL) right?`,
      'unreachable',
      'connection',
    );
  }
  const why = codes.length > 0 ? codes.join(': ') : String(result.error);
  return new ProviderCallError(`connection to ${url} failed (${why}; ${tries})`, null, 'connection');
}

function throwIfStalled(policy: CallPolicy, url: string): void {
  const idleMs = Date.now() - policy.gate.clock.lastSuccessAt;
  if (idleMs < policy.rateLimitTimeoutMs) return;
  const pace = policy.gate.stats().pace;
  const limits = [
    pace.requestsPerMinute ? `${pace.requestsPerMinute.perMinute} requests/min (${pace.requestsPerMinute.source})` : null,
    pace.inputTokensPerMinute ? `${pace.inputTokensPerMinute.perMinute} input tokens/min (${pace.inputTokensPerMinute.source})` : null,
    pace.outputTokensPerMinute ? `${pace.outputTokensPerMinute.perMinute} output tokens/min (${pace.outputTokensPerMinute.source})` : null,
  ].filter((x) => x !== null);
  throw new EndpointFailure(
    `no call has succeeded for ${Math.round(idleMs / 1000)} s and ${url} keeps answering 429 (rate limited` +
      `${limits.length > 0 ? `; limits in force: ${limits.join(', ')}` : ''}): the provider's quota is the cause. ` +
      'Pass a lower --rpm / --tpm / --otpm that your account allows, or a longer --rate-limit-timeout to keep waiting.',
    'rate-limit-stall',
    'HTTP 429',
  );
}
