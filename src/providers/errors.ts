import { ProviderCallError } from './model-client.js';

/** Keys shorter than this are placeholders for local servers (`test`, `x`), not secrets worth rewriting text for. */
export const MIN_SECRET_LENGTH = 8;

/**
 * Replaces every secret (and anything shaped like an API key) in a text. Only for texts a secret can reach:
 * error messages, URLs, headers, logs. Never applied to dataset or model text, which is stored as it is.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= MIN_SECRET_LENGTH) out = out.split(s).join('[REDACTED]');
  // Providers echo partial keys in 401 messages (e.g. "Incorrect API key provided: sk-ab***cd").
  return out.replace(/\b(sk|sk-ant|sk-proj)-[A-Za-z0-9_*\-]{6,}/g, '[REDACTED]');
}

interface SdkLikeError {
  name?: string;
  message?: string;
  status?: number;
}

/** Maps an error thrown by either SDK to a ProviderCallError with a short, redacted cause. */
export function toProviderError(err: unknown, secrets: readonly string[], signal?: AbortSignal): ProviderCallError {
  const e = (err ?? {}) as SdkLikeError & { cause?: unknown };
  const name = e.name ?? '';
  if (signal?.aborted || name === 'APIUserAbortError' || name === 'AbortError') {
    return new ProviderCallError('request aborted', null, 'aborted');
  }
  // Our retry loop's own verdict (timeout, connection, unreachable endpoint, quota), thrown from inside fetch.
  if (err instanceof ProviderCallError) return err;
  if (e.cause instanceof ProviderCallError) return e.cause;
  const message = redactSecrets(String(e.message ?? err), secrets);
  if (name === 'APIConnectionTimeoutError') return new ProviderCallError(message, null, 'timeout');
  if (name === 'APIConnectionError') return new ProviderCallError(message, null, 'connection');
  if (typeof e.status === 'number') return new ProviderCallError(message, e.status, `HTTP ${e.status}`);
  return new ProviderCallError(message, null, name || 'error');
}
