import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBatchService, type BatchOutcome, type BatchService } from '../../src/providers/batch-service.js';
import type { SamplingParams } from '../../src/providers/model-client.js';
import { startFakeProvider } from '../../src/testing/index.js';
import type { FakeProvider, FakeProviderOptions } from '../../src/testing/index.js';

// The batch services through the real SDKs against the test double over loopback.
const running: FakeProvider[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fp) => fp.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(
  provider: 'openai' | 'anthropic',
  opts: FakeProviderOptions = {},
): Promise<{ fp: FakeProvider; svc: BatchService; dir: string }> {
  const fp = await startFakeProvider(opts);
  running.push(fp);
  const dir = mkdtempSync(join(tmpdir(), 'hb-batch-svc-'));
  dirs.push(dir);
  const svc = createBatchService(provider, {
    apiKey: 'test-key',
    baseURL: provider === 'openai' ? fp.openaiBaseUrl : fp.anthropicBaseUrl,
    maxRetries: 0,
  });
  return { fp, svc, dir };
}

const params: SamplingParams = { temperature: 0.5, maxTokens: 256, systemPrompt: null, reasoningEffort: null };

function writeInput(svc: BatchService, dir: string, n: number): string {
  const lines = Array.from({ length: n }, (_, i) =>
    svc.format.encode(`req_${i}`, svc.bodyFor('fake-model', { messages: [{ role: 'user', content: `question number ${i}` }], params })),
  );
  const path = join(dir, 'input.jsonl');
  writeFileSync(path, `${svc.format.prefix}${lines.join(svc.format.separator)}${svc.format.suffix}`);
  return path;
}

async function waitEnded(svc: BatchService, id: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if ((await svc.retrieve(id)).ended) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('batch never ended');
}

async function collect(svc: BatchService, id: string): Promise<BatchOutcome[]> {
  const out: BatchOutcome[] = [];
  for await (const o of svc.results(id)) out.push(o);
  return out.sort((a, b) => a.customId.localeCompare(b.customId, 'en', { numeric: true }));
}

describe.each(['openai', 'anthropic'] as const)('%s batch service against the test double', (provider) => {
  it('submits, reports progress, and returns one outcome per request with the live reply', async () => {
    const { fp, svc, dir } = await setup(provider, { batchDelayMs: 100 });
    const id = await svc.submit(writeInput(svc, dir, 20), 'test');
    const first = await svc.retrieve(id);
    expect(first.counts.total).toBe(20);
    await waitEnded(svc, id);
    const results = await collect(svc, id);
    expect(results.map((r) => r.customId)).toEqual(Array.from({ length: 20 }, (_, i) => `req_${i}`));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fp.batchStats()).toMatchObject({ batches: 1, items: 20, duplicateCustomIds: 0 });
    // The same request sent live gets the same text.
    const live = fp.requests.length;
    expect(live).toBe(0);
    const ok = results[3] as Extract<BatchOutcome, { ok: true }>;
    expect(ok.completion.text.length).toBeGreaterThan(0);
    expect(ok.completion.usage.calls).toBe(1);
  });

  it('expires the configured fraction of items as retryable outcomes', async () => {
    const { fp, svc, dir } = await setup(provider, { batchExpiredFraction: 0.3 });
    const id = await svc.submit(writeInput(svc, dir, 100), 'test');
    await waitEnded(svc, id);
    const state = await svc.retrieve(id);
    const results = await collect(svc, id);
    const expired = results.filter((r) => !r.ok);
    expect(results).toHaveLength(100);
    expect(expired.length).toBe(fp.batchStats().expired);
    expect(expired.length).toBeGreaterThan(10);
    expect(expired.length).toBeLessThan(50);
    expect(expired.every((r) => !r.ok && r.retry)).toBe(true);
    expect(state.counts.failed).toBe(expired.length);
  });

  it('cancel ends the batch with unfinished items canceled (retryable)', async () => {
    const { svc, dir } = await setup(provider, { batchDelayMs: 60_000 });
    const id = await svc.submit(writeInput(svc, dir, 10), 'test');
    await svc.cancel(id);
    await waitEnded(svc, id);
    const results = await collect(svc, id);
    expect(results).toHaveLength(10);
    expect(results.every((r) => !r.ok && r.retry)).toBe(true);
  });
});
