import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { BatchSettings } from '../../src/runner/batch/batch-mode.js';
import { readBatchJournal } from '../../src/runner/batch/batch-journal.js';
import { runEval, type EvalOptions } from '../../src/runner/eval.js';
import type { Report } from '../../src/report/types.js';
import { startFakeProvider, type FakeProvider, type FakeProviderOptions } from '../../src/testing/index.js';
import { evalOptions } from '../support/eval-options.js';

// `eval --batch` against the test double's batch services, through the real SDKs over loopback.
const ROOT = new URL('../..', import.meta.url).pathname;
const logger = createLogger({ level: 'silent', secrets: [] });
const env = { OPENAI_API_KEY: 'test-openai-key', ANTHROPIC_API_KEY: 'test-anthropic-key' };
const running: FakeProvider[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hb-batch-eval-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
});

async function fake(opts: FakeProviderOptions = {}): Promise<FakeProvider> {
  const f = await startFakeProvider({ seed: 11, ...opts });
  running.push(f);
  return f;
}

const BATCH: BatchSettings = { fallbackLive: false, attempts: 3, pollMs: 20, cancelBatches: false, maxRequests: null, maxBytes: null };

function options(f: FakeProvider, provider: 'openai' | 'anthropic', out: string, overrides: Partial<EvalOptions> = {}): EvalOptions {
  const url = provider === 'openai' ? f.openaiBaseUrl : f.anthropicBaseUrl;
  return evalOptions({
    limit: 12,
    model: `${provider}:cand-model`,
    baseUrl: url,
    graders: [`${provider}:grader-model`],
    graderBaseUrl: url,
    outDir: join(dir, out),
    batch: null,
    ...overrides,
  });
}

/** The figures of a report: everything but identity, time and run-specific extras. */
function metrics(r: Report): unknown {
  return {
    overall: r.overall,
    byTheme: r.byTheme,
    byAxis: r.byAxis,
    byLanguage: r.byLanguage,
    byGroup: r.byGroup,
    metrics: r.metrics,
    usage: r.usage,
    errors: r.errors,
  };
}

async function run(opts: EvalOptions): Promise<Report> {
  const res = await runEval(opts, { cwd: ROOT, env, logger });
  return res.report as unknown as Report;
}

describe.each(['openai', 'anthropic'] as const)('eval --batch (%s)', (provider) => {
  it('scores exactly as the live run of the same work, with every call but none through batches', async () => {
    const live = await fake();
    const liveReport = await run(options(live, provider, `${provider}-live`));
    const liveCalls = live.stats().total;
    const f = await fake({ batchDelayMs: 50 });
    const batchReport = await run(options(f, provider, `${provider}-batch`, { batch: { ...BATCH, maxRequests: 40 } }));
    expect(metrics(batchReport)).toEqual(metrics(liveReport));
    expect(batchReport.overall.errors).toBe(0);
    // Every call went through the batch services; split at 40 requests per batch.
    const b = f.batchStats();
    expect(f.stats().total).toBe(0);
    expect(b.items).toBe(liveCalls);
    expect(b.duplicateCustomIds).toBe(0);
    expect(b.batches).toBeGreaterThan(2);
    const journal = await readBatchJournal(join(dir, `${provider}-batch`));
    expect(journal.every((x) => x.collected !== null && x.customIds.length <= 40)).toBe(true);
    expect((batchReport as unknown as { batch: { requestsThroughBatches: number } }).batch.requestsThroughBatches).toBe(liveCalls);
  });

  it('with 5% of batch items expiring, resubmits them and still scores every sample with no error', async () => {
    const f = await fake({ batchExpiredFraction: 0.05 });
    const report = await run(options(f, provider, `${provider}-expire`, { batch: BATCH }));
    expect(f.batchStats().expired).toBeGreaterThan(0);
    expect(report.overall.n).toBe(12);
    expect(report.overall.errors).toBe(0);
    expect(f.stats().total).toBe(0);
  });
});

describe('eval --batch modes', () => {
  it('--grader-mode batched scores as live', async () => {
    const live = await fake();
    const liveReport = await run(options(live, 'openai', 'batched-live', { graderMode: 'batched' }));
    const f = await fake();
    const batchReport = await run(options(f, 'openai', 'batched-batch', { graderMode: 'batched', batch: BATCH }));
    expect(metrics(batchReport)).toEqual(metrics(liveReport));
    expect(f.stats().total).toBe(0);
  });

  it('a reasoning candidate goes through /v1/responses in its batches and scores as live', async () => {
    const live = await fake();
    const liveReport = await run(options(live, 'openai', 'responses-live', { model: 'openai:gpt-5-mini', limit: 6 }));
    expect(live.requests.some((r) => r.path === '/v1/responses')).toBe(true);
    const f = await fake();
    const batchReport = await run(options(f, 'openai', 'responses-batch', { model: 'openai:gpt-5-mini', limit: 6, batch: BATCH }));
    expect(metrics(batchReport)).toEqual(metrics(liveReport));
    expect(f.stats().total).toBe(0);
  });

  it('--responses physician sends grader requests only', async () => {
    const f = await fake();
    const report = await run(
      options(f, 'openai', 'physician', {
        dataset: join(ROOT, 'test/fixtures/official-format/good.jsonl'),
        limit: undefined,
        model: null,
        responses: 'physician',
        batch: BATCH,
      }),
    );
    const journal = await readBatchJournal(join(dir, 'physician'));
    expect(journal.every((b) => b.role !== 'candidate')).toBe(true);
    expect(report.overall.errors).toBe(0);
    expect(report.overall.n).toBeGreaterThan(0);
    expect(f.stats().total).toBe(0);
  });

  it('MedCalc sends candidate requests only and scores as live', async () => {
    const medcalc = (f: FakeProvider, out: string, batch: BatchSettings | null): EvalOptions =>
      options(f, 'openai', out, {
        task: 'medcalc',
        dataset: join(ROOT, 'test/fixtures/medcalc/small.csv'),
        graders: [],
        limit: undefined,
        batch,
      });
    const live = await fake();
    const liveReport = await run(medcalc(live, 'medcalc-live', null));
    const f = await fake();
    const batchReport = await run(medcalc(f, 'medcalc-batch', BATCH));
    expect(batchReport.overall).toEqual(liveReport.overall);
    expect(batchReport.metrics).toEqual(liveReport.metrics);
    expect(f.stats().total).toBe(0);
    expect(f.batchStats().items).toBe(live.stats().total);
  });

  it('--cache: a cached response is never submitted', async () => {
    const cacheDir = join(dir, 'cache');
    const f = await fake();
    const first = await run(options(f, 'openai', 'cache-1', { cacheDir, batch: BATCH }));
    const items = f.batchStats().items;
    const second = await run(options(f, 'openai', 'cache-2', { cacheDir, batch: BATCH }));
    expect(f.batchStats().items).toBe(items);
    expect(f.stats().total).toBe(0);
    expect(metrics(second)).toEqual(metrics(first));
  });

  it('invalid grader replies are re-graded live (capped), then a grader error, never "not met"', async () => {
    const f = await fake({ faults: { malformedVerdictRate: 1 } });
    const report = await run(options(f, 'openai', 'malformed', { batch: BATCH, limit: 3 }));
    // Batch replies were all invalid: each went to the live re-grade, whose replies are invalid too.
    expect(f.stats().total).toBeGreaterThan(0);
    expect(report.overall.errors).toBe(3);
    const samples = (await readFile(join(dir, 'malformed', 'samples.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { error: { stage: string } | null });
    expect(samples.every((s) => s.error?.stage === 'grader')).toBe(true);
  });
});
