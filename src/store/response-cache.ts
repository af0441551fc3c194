import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Completion, CompletionRequest, ModelClient, ModelSpec } from '../providers/model-client.js';
import { ensureDir, writeFileAtomic } from './atomic.js';

/**
 * An opt-in on-disk response cache (`--cache`). The key covers the provider, endpoint, model, every
 * sampling parameter and the exact messages, so a hit is the same request. Only successful responses
 * are stored: errors are never cached.
 */
export class CachingClient implements ModelClient {
  readonly spec: ModelSpec;
  readonly #inner: ModelClient;
  readonly #dir: string;
  readonly #endpoint: string;
  hits = 0;

  constructor(inner: ModelClient, dir: string, endpoint: string) {
    this.spec = inner.spec;
    this.#inner = inner;
    this.#dir = dir;
    this.#endpoint = endpoint;
  }

  keyOf(req: CompletionRequest): string {
    const material = JSON.stringify({
      v: 1,
      provider: this.spec.provider,
      endpoint: this.#endpoint,
      model: this.spec.model,
      params: req.params,
      messages: req.messages,
      ...(req.attempt !== undefined && req.attempt > 1 ? { attempt: req.attempt } : {}),
    });
    return createHash('sha256').update(material).digest('hex');
  }

  /** The cached reply to a request, or null (a missing or unreadable entry is a miss, not a failed call). */
  async lookup(req: CompletionRequest): Promise<Completion | null> {
    const key = this.keyOf(req);
    const cached = await readFile(join(this.#dir, key.slice(0, 2), `${key}.json`), 'utf8')
      .then((t) => JSON.parse(t) as Completion)
      .catch(() => null);
    if (!cached) return null;
    this.hits += 1;
    return { ...cached, fromCache: true, latencyMs: 0 };
  }

  /** Stores a successful reply obtained elsewhere (a batch result) under its request's `keyOf`, as `complete` stores its own. */
  async remember(key: string, reply: Completion): Promise<void> {
    await ensureDir(join(this.#dir, key.slice(0, 2)), 'run');
    await writeFileAtomic(join(this.#dir, key.slice(0, 2), `${key}.json`), JSON.stringify(reply), { phase: 'run' });
  }

  async complete(req: CompletionRequest): Promise<Completion> {
    const cached = await this.lookup(req);
    if (cached) return cached;
    const fresh = await this.#inner.complete(req);
    await this.remember(this.keyOf(req), fresh);
    return fresh;
  }
}
