import { createHash } from 'node:crypto';
import type { Completion, CompletionRequest, ModelClient, ModelSpec } from '../../providers/model-client.js';
import type { ProviderCallError } from '../../providers/model-client.js';

/** Identity of a request as the runner sends it (attempts aside): what a batch line and a live call share. */
export function requestKey(spec: ModelSpec, req: Pick<CompletionRequest, 'messages' | 'params' | 'cachePrefixChars'>): string {
  const material = JSON.stringify({
    p: spec.provider,
    m: spec.model,
    params: req.params,
    messages: req.messages,
    c: req.cachePrefixChars ?? 0,
  });
  return createHash('sha256').update(material).digest('hex');
}

/**
 * The client of the finishing pass after the batch phases. A first attempt whose batch result the executor could
 * not use by itself (an invalid verdict, a batched reply that decided nothing) is answered with that result, so the
 * live runner re-grades it exactly as in live mode; a request whose batch attempts are used up fails with the
 * batch's error (unless `--batch-fallback live`). Everything else goes to the live API and is counted.
 */
export class BatchAnswersClient implements ModelClient {
  readonly spec: ModelSpec;
  readonly #inner: ModelClient;
  readonly #answers: Map<string, Completion>;
  readonly #failures: Map<string, ProviderCallError>;
  /** Calls sent to the live API (cache hits excluded). */
  liveCalls = 0;

  constructor(inner: ModelClient, answers: Map<string, Completion>, failures: Map<string, ProviderCallError>) {
    this.spec = inner.spec;
    this.#inner = inner;
    this.#answers = answers;
    this.#failures = failures;
  }

  async complete(req: CompletionRequest): Promise<Completion> {
    if ((req.attempt ?? 1) === 1 && (this.#answers.size > 0 || this.#failures.size > 0)) {
      const key = requestKey(this.spec, req);
      const answer = this.#answers.get(key);
      if (answer) {
        this.#answers.delete(key);
        return answer;
      }
      const failure = this.#failures.get(key);
      if (failure) throw failure;
    }
    const res = await this.#inner.complete(req);
    if (!res.fromCache) this.liveCalls += 1;
    return res;
  }
}
