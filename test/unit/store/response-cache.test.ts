import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Completion, CompletionRequest, ModelClient, ModelSpec, SamplingParams } from '../../../src/providers/model-client.js';
import { CachingClient } from '../../../src/store/response-cache.js';

/** A ModelClient that answers from a counter, so each real call is visible. */
class CountingClient implements ModelClient {
  readonly spec: ModelSpec;
  calls = 0;
  fail = false;
  constructor(model = 'stub-model') {
    this.spec = { provider: 'openai', model };
  }
  async complete(req: CompletionRequest): Promise<Completion> {
    this.calls += 1;
    if (this.fail) throw new Error('HTTP 500');
    return {
      text: `reply #${this.calls} to ${req.messages.at(-1)?.content ?? ''}`,
      usage: { calls: 1, inputTokens: 12, outputTokens: 7, cachedInputTokens: 0 },
      finishReason: 'stop',
      latencyMs: 42,
      model: 'stub-model-2025',
      fromCache: false,
    };
  }
}

const params: SamplingParams = { temperature: 0.5, maxTokens: 2048, systemPrompt: null, reasoningEffort: null };
const request = (content: string, overrides: Partial<CompletionRequest> = {}): CompletionRequest => ({
  messages: [{ role: 'user', content }],
  params,
  ...overrides,
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hb-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CachingClient', () => {
  test('a second identical request is served from the cache without calling the model', async () => {
    const inner = new CountingClient();
    const client = new CachingClient(inner, dir, 'https://api.example/v1');
    const first = await client.complete(request('hello'));
    const second = await client.complete(request('hello'));
    expect(inner.calls).toBe(1);
    expect(client.hits).toBe(1);
    expect(first.fromCache).toBe(false);
    expect(second).toEqual({ ...first, fromCache: true, latencyMs: 0 });
    expect(client.spec).toEqual(inner.spec);
  });

  test('the cache survives a new client on the same directory', async () => {
    const a = new CountingClient();
    await new CachingClient(a, dir, 'e').complete(request('hello'));
    const b = new CountingClient();
    const again = await new CachingClient(b, dir, 'e').complete(request('hello'));
    expect(b.calls).toBe(0);
    expect(again.text).toBe('reply #1 to hello');
  });

  test.each<[string, CompletionRequest]>([
    ['different messages', request('hello!')],
    ['a different temperature', request('hello', { params: { ...params, temperature: 0 } })],
    ['a different max tokens', request('hello', { params: { ...params, maxTokens: 100 } })],
    ['a system prompt', request('hello', { params: { ...params, systemPrompt: 'Be brief.' } })],
    ['a reasoning effort', request('hello', { params: { ...params, reasoningEffort: 'high' } })],
    [
      'an extra earlier turn',
      {
        messages: [
          { role: 'system', content: 'x' },
          { role: 'user', content: 'hello' },
        ],
        params,
      },
    ],
  ])('%s is a miss', async (_name, other) => {
    const inner = new CountingClient();
    const client = new CachingClient(inner, dir, 'e');
    await client.complete(request('hello'));
    await client.complete(other);
    expect(inner.calls).toBe(2);
    expect(client.hits).toBe(0);
    expect(client.keyOf(other)).not.toBe(client.keyOf(request('hello')));
  });

  test('another endpoint or model does not share entries', async () => {
    const a = new CountingClient();
    await new CachingClient(a, dir, 'https://one/v1').complete(request('hello'));
    await new CachingClient(a, dir, 'https://two/v1').complete(request('hello'));
    const otherModel = new CountingClient('other-model');
    await new CachingClient(otherModel, dir, 'https://one/v1').complete(request('hello'));
    expect(a.calls + otherModel.calls).toBe(3);
  });

  test('attempt 1 and no attempt share a key; a retry (attempt > 1) gets its own', async () => {
    const inner = new CountingClient();
    const client = new CachingClient(inner, dir, 'e');
    expect(client.keyOf(request('q', { attempt: 1 }))).toBe(client.keyOf(request('q')));
    expect(client.keyOf(request('q', { attempt: 2 }))).not.toBe(client.keyOf(request('q')));
    expect(client.keyOf(request('q', { attempt: 3 }))).not.toBe(client.keyOf(request('q', { attempt: 2 })));
    const first = await client.complete(request('q', { attempt: 1 }));
    const retry = await client.complete(request('q', { attempt: 2 }));
    expect(inner.calls).toBe(2);
    expect(retry.text).not.toBe(first.text);
    await client.complete(request('q', { attempt: 2 }));
    expect(inner.calls).toBe(2);
  });

  test('the abort signal is not part of the key', () => {
    const client = new CachingClient(new CountingClient(), dir, 'e');
    expect(client.keyOf(request('q', { signal: new AbortController().signal }))).toBe(client.keyOf(request('q')));
  });

  test('a throwing inner client caches nothing, and the next call tries again', async () => {
    const inner = new CountingClient();
    inner.fail = true;
    const client = new CachingClient(inner, dir, 'e');
    await expect(client.complete(request('hello'))).rejects.toThrow('HTTP 500');
    expect(await filesUnder(dir)).toEqual([]);
    inner.fail = false;
    const ok = await client.complete(request('hello'));
    expect(ok.fromCache).toBe(false);
    expect(inner.calls).toBe(2);
    expect(await filesUnder(dir)).toHaveLength(1);
  });

  test('a corrupt cache entry is treated as a miss and replaced', async () => {
    const inner = new CountingClient();
    const client = new CachingClient(inner, dir, 'e');
    const key = client.keyOf(request('hello'));
    await mkdir(join(dir, key.slice(0, 2)), { recursive: true });
    await writeFile(join(dir, key.slice(0, 2), `${key}.json`), '{"text": "cut sh');
    const fresh = await client.complete(request('hello'));
    expect(fresh.fromCache).toBe(false);
    expect(inner.calls).toBe(1);
    expect((await client.complete(request('hello'))).fromCache).toBe(true);
  });

  test('entries are stored as <key[0..2]>/<key>.json with no temporary files left', async () => {
    const client = new CachingClient(new CountingClient(), dir, 'e');
    await client.complete(request('hello'));
    const key = client.keyOf(request('hello'));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(await readdir(dir)).toEqual([key.slice(0, 2)]);
    expect(await readdir(join(dir, key.slice(0, 2)))).toEqual([`${key}.json`]);
  });
});
