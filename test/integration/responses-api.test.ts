import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleRecord } from '../../src/core/types.js';
import { createLogger } from '../../src/log.js';
import { ClientPool } from '../../src/providers/factory.js';
import { ProviderCallError, type SamplingParams } from '../../src/providers/model-client.js';
import { costOf } from '../../src/report/prices.js';
import type { Report } from '../../src/report/types.js';
import { runEval, type EvalOptions } from '../../src/runner/eval.js';
import { LENGTH_ADJUSTED_KEY, codePointLength, lengthAdjustedScore } from '../../src/scoring/index.js';
import { startFakeProvider, type FakeProvider } from '../../src/testing/index.js';
import { evalOptions } from '../support/eval-options.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const PRO = join(ROOT, 'test/fixtures/professional/pro-small.jsonl');
const logger = createLogger({ level: 'silent', secrets: [] });
const env = { OPENAI_API_KEY: 'test-openai-key' };

let fake: FakeProvider;
let dir: string;

beforeAll(async () => {
  fake = await startFakeProvider({ seed: 11 });
  dir = await mkdtemp(join(tmpdir(), 'hb-responses-'));
});
afterAll(async () => {
  await fake.close();
});

function options(overrides: Partial<EvalOptions>): EvalOptions {
  return evalOptions({
    dataset: PRO,
    model: 'openai:gpt-5-mini',
    baseUrl: fake.openaiBaseUrl,
    graderBaseUrl: fake.openaiBaseUrl,
    ...overrides,
  });
}

async function readSamples(runDir: string): Promise<SampleRecord[]> {
  return (await readFile(join(runDir, 'samples.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SampleRecord);
}

const NO_PARAMS: SamplingParams = { temperature: null, maxTokens: null, systemPrompt: null, reasoningEffort: null };
const endpoint = () => ({ baseURL: fake.openaiBaseUrl, rpm: null, tpm: null, maxInFlight: 4, maxRetries: 2, timeoutMs: 10_000 });

describe('the test double serves /v1/responses (real openai SDK)', () => {
  const sdk = () => new OpenAI({ apiKey: 'test', baseURL: fake.openaiBaseUrl, maxRetries: 0 });

  it('input as a string, instructions and reasoning: output_text and usage with reasoning tokens', async () => {
    fake.resetStats();
    const res = await sdk().responses.create({
      model: 'gpt-5.4',
      input: 'My ankle is swollen after a fall.',
      instructions: 'Be brief.',
      reasoning: { effort: 'low' },
    });
    expect(res.object).toBe('response');
    expect(res.status).toBe('completed');
    expect(res.output_text.length).toBeGreaterThan(0);
    expect(res.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
    expect(res.usage?.output_tokens_details.reasoning_tokens).toBe(64);
    expect(res.usage?.output_tokens).toBe(Math.ceil(res.output_text.length / 4) + 64);
    const req = fake.requests[0];
    expect(req).toMatchObject({ api: 'openai', kind: 'candidate', path: '/v1/responses', model: 'gpt-5.4' });
    expect(req?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'My ankle is swollen after a fall.' },
    ]);
  });

  it('input as a message list with input_text parts; no reasoning means no reasoning tokens', async () => {
    fake.resetStats();
    const res = await sdk().responses.create({
      model: 'gpt-4.1',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'I have a rash.' }] },
        { role: 'assistant', content: 'Where is it?' },
        { role: 'user', content: 'On my arm.' },
      ],
    });
    expect(res.usage?.output_tokens_details.reasoning_tokens).toBe(0);
    expect(fake.requests[0]?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('a Chat Completions body or temperature with reasoning effort is a 400, as the real API answers', async () => {
    const badMessages = sdk().responses.create({
      model: 'gpt-5.4',
      messages: [{ role: 'user', content: 'x' }],
    } as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    await expect(badMessages).rejects.toMatchObject({ status: 400 });
    const badTemp = sdk().responses.create({ model: 'gpt-5.4', input: 'x', temperature: 0.5, reasoning: { effort: 'high' } });
    await expect(badTemp).rejects.toMatchObject({ status: 400 });
  });
});

describe('OpenAIResponsesClient (routing through ClientPool)', () => {
  it('system prompt → instructions, reasoning.effort, store false, no temperature; usage with reasoning tokens', async () => {
    fake.resetStats();
    const client = new ClientPool(env).create({ provider: 'openai', model: 'gpt-5.4-2026-03-05' }, endpoint(), '--grader', 'responses');
    const done = await client.complete({
      messages: [{ role: 'user', content: 'Is 38.2 °C a fever?' }],
      params: { ...NO_PARAMS, systemPrompt: 'You are terse.', reasoningEffort: 'low', maxTokens: 500 },
    });
    expect(done.text.length).toBeGreaterThan(0);
    expect(done.finishReason).toBe('stop');
    expect(done.usage).toMatchObject({ calls: 1, reasoningTokens: 64 });
    expect(done.usage.outputTokens).toBeGreaterThanOrEqual(64);
    const body = fake.requests[0]?.body as Record<string, unknown>;
    expect(fake.requests[0]?.path).toBe('/v1/responses');
    expect(body).toEqual({
      model: 'gpt-5.4-2026-03-05',
      input: [{ role: 'user', content: 'Is 38.2 °C a fever?' }],
      store: false,
      instructions: 'You are terse.',
      max_output_tokens: 500,
      reasoning: { effort: 'low' },
    });
  });

  it('a 500 is retried by the SDK like any call; a 400 fails with its status', async () => {
    const flaky = await startFakeProvider({
      seed: 2,
      script: (r) => (r.index === 0 ? { kind: 'status', status: 500 } : r.index === 2 ? { kind: 'status', status: 400 } : undefined),
    });
    try {
      const client = new ClientPool(env).create(
        { provider: 'openai', model: 'o3' },
        { ...endpoint(), baseURL: flaky.openaiBaseUrl },
        '--model',
        'responses',
      );
      const ok = await client.complete({ messages: [{ role: 'user', content: 'hello' }], params: NO_PARAMS });
      expect(ok.text.length).toBeGreaterThan(0);
      expect(flaky.stats().byStatus).toEqual({ '200': 1, '500': 1 });
      const err: unknown = await client
        .complete({ messages: [{ role: 'user', content: 'again' }], params: NO_PARAMS })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderCallError);
      expect((err as ProviderCallError).causeLabel).toBe('HTTP 400');
    } finally {
      await flaky.close();
    }
  });

  it('cost counts reasoning tokens as output (gpt-5.4 list price)', () => {
    // 1M input, 0 cached, 100k output of which 80k reasoning: 2.5 + 0.1 × 15 = 4.0 USD
    expect(costOf('openai:gpt-5.4-2026-03-05', { inputTokens: 1_000_000, cachedInputTokens: 0, outputTokens: 100_000 })).toBeCloseTo(
      4.0,
      12,
    );
  });
});

describe('HealthBench Professional end to end: gpt-5 candidate and the default GPT-5.4-low grader via the Responses API', () => {
  it('every call goes to /v1/responses; the report has use case / type / difficulty / specialty and the adjusted score', async () => {
    fake.resetStats();
    const out = join(dir, 'pro');
    const res = await runEval(options({ outDir: out, reasoningEffort: 'medium' }), { cwd: ROOT, env, logger });
    const report = res.report as unknown as Report;
    // Routing: candidate and grader both through the Responses API.
    expect(fake.requests.length).toBeGreaterThan(6);
    expect(fake.requests.every((r) => r.path === '/v1/responses')).toBe(true);
    const graderReqs = fake.requests.filter((r) => r.kind === 'grader');
    expect(graderReqs.length).toBe(17);
    for (const r of graderReqs) expect(r.body).toMatchObject({ model: 'gpt-5.4-2026-03-05', reasoning: { effort: 'low' } });
    for (const r of fake.requests.filter((q) => q.kind === 'candidate'))
      expect(r.body).toMatchObject({ model: 'gpt-5-mini', reasoning: { effort: 'medium' } });
    expect(report.grader).toMatchObject({ spec: 'openai:gpt-5.4-2026-03-05', params: { reasoningEffort: 'low', api: 'responses' } });
    // Usage: reasoning tokens recorded per role.
    expect(report.usage['candidate']).toMatchObject({ calls: 6, reasoningTokens: 6 * 256 });
    expect(report.usage['grader']).toMatchObject({ calls: 17, reasoningTokens: 17 * 64 });
    // Roll-ups by the Professional fields.
    expect(Object.keys(report.byGroup)).toEqual(['use_case', 'type', 'difficulty', 'specialty']);
    expect(Object.keys(report.byGroup['use_case'] ?? {})).toEqual(['care_consult', 'research', 'writing_and_documentation']);
    expect(Object.values(report.byGroup['use_case'] ?? {}).map((g) => g.n)).toEqual([2, 2, 2]);
    expect(report.byGroup['type']?.['adversarial']?.n).toBe(3);
    expect(report.byGroup['specialty']?.['primary care']?.n).toBe(2);
    expect(report.metrics['use_case:research:n_samples']).toBe(2);
    // Length adjustment on by default for Professional, from the samples' own lengths.
    const samples = await readSamples(out);
    const expected = samples.map((s) =>
      lengthAdjustedScore(s.score as number, codePointLength(s.response ?? ''), { center: 2000, penalty: 0.0147 }),
    );
    samples.forEach((s, i) => {
      expect(s.detail?.['responseChars']).toBe(codePointLength(s.response ?? ''));
      expect(s.metrics?.[LENGTH_ADJUSTED_KEY]).toBe(expected[i]);
    });
    expect(report.metrics[`${LENGTH_ADJUSTED_KEY}:n_samples`]).toBe(6);
    expect(report.lengthAdjustment).toMatchObject({ center: 2000, penalty: 0.0147, metric: LENGTH_ADJUSTED_KEY });
    expect(report.lengthAdjustment?.overall.adjusted.score).toBe(report.metrics[LENGTH_ADJUSTED_KEY]);
    expect(report.lengthAdjustment?.overall.adjusted.bootstrapStd).toBe(report.metrics[`${LENGTH_ADJUSTED_KEY}:bootstrap_std`]);
    expect(report.lengthAdjustment?.overall.raw.score).toBe(report.overall.score);
    expect(report.overall_score_length_adjusted).toEqual(report.lengthAdjustment?.overall.adjusted);
    expect(Object.keys(report.lengthAdjustment?.byGroup ?? {})).toEqual(['use_case', 'type', 'difficulty', 'specialty']);
    expect(report.meanResponseChars).toBeCloseTo(samples.reduce((n, s) => n + codePointLength(s.response ?? ''), 0) / 6, 9);
    expect(res.markdown).toContain('## Raw and length-adjusted scores');
    expect(res.markdown).toMatch(/\| use case: care_consult \| 2 \| \d+ \| /);
    expect(res.markdown).toContain('## By use case');
    expect(res.markdown).toMatch(/Reasoning tokens \(included in output tokens, billed as output\): candidate 1536, grader 1088/);
    expect(res.summary.some((l) => l.startsWith('length-adjusted '))).toBe(true);
  });

  it('--responses physician grades the physician answers (no candidate call; records without one skipped)', async () => {
    fake.resetStats();
    const out = join(dir, 'physician');
    const res = await runEval(options({ outDir: out, model: null, responses: 'physician' }), { cwd: ROOT, env, logger });
    const samples = await readSamples(out);
    expect(samples.map((s) => s.exampleId).sort()).toEqual(['pro-001', 'pro-002', 'pro-003', 'pro-004', 'pro-005']);
    expect(samples.find((s) => s.exampleId === 'pro-001')?.response).toMatch(/^For a simple extraction/);
    expect(fake.stats().byKind['candidate']).toBeUndefined();
    const report = res.report as unknown as Report;
    expect(report.byGroup['ideal_completions_group']).toBeUndefined();
    expect(report.byGroup['use_case']?.['research']?.n).toBe(1);
    expect(report.lengthAdjustment?.overall.raw.n).toBe(5);
  });

  it('--responses reference on Professional is a usage error: it has no reference completions', async () => {
    await expect(
      runEval(options({ model: null, responses: 'reference', outDir: join(dir, 'ref') }), { cwd: ROOT, env, logger }),
    ).rejects.toThrow(/no reference completions/);
  });

  it('an ungradeable item through the Responses grader is a grader error after capped attempts, never "not met"', async () => {
    const file = join(dir, 'never.jsonl');
    const record = {
      id: 'nv-1',
      conversation: [{ role: 'user', content: 'Is paracetamol safe in pregnancy?' }],
      rubric_items: [{ criterion_text: 'Says it is generally considered safe at usual doses [[never-valid]]', points: 5 }],
      use_case: 'care_consult',
    };
    await writeFile(file, `${JSON.stringify(record)}\n`);
    fake.resetStats();
    const out = join(dir, 'never');
    const res = await runEval(options({ dataset: file, outDir: out, graderAttempts: 2 }), { cwd: ROOT, env, logger });
    const [sample] = await readSamples(out);
    expect(sample?.error?.stage).toBe('grader');
    expect(sample?.criteria[0]?.met).toBeNull();
    expect(sample?.criteria[0]?.attempts).toBe(2);
    expect((res.report as unknown as Report).overall.errors).toBe(1);
  });

  it('--length-adjustment none turns it off; explicit constants apply to any set', async () => {
    const off = await runEval(options({ outDir: join(dir, 'off'), limit: 2, lengthAdjustment: { kind: 'none' } }), {
      cwd: ROOT,
      env,
      logger,
    });
    expect((off.report as unknown as Report).lengthAdjustment).toBeUndefined();
    expect((off.report as unknown as Report).metrics[LENGTH_ADJUSTED_KEY]).toBeUndefined();
    const own = await runEval(
      options({
        dataset: join(ROOT, 'test/fixtures/own-format'),
        model: 'openai:cand',
        graders: ['openai:grader'],
        outDir: join(dir, 'own'),
        lengthAdjustment: { kind: 'custom', center: 100, penalty: 0.05 },
      }),
      { cwd: ROOT, env, logger },
    );
    const report = own.report as unknown as Report;
    expect(report.lengthAdjustment).toMatchObject({
      center: 100,
      penalty: 0.05,
      source: '--length-adjustment-center/--length-adjustment-penalty',
    });
    expect(Object.keys(report.lengthAdjustment?.byGroup ?? {})).toEqual(['theme']);
    // Chat models stay on Chat Completions.
    expect(fake.requests.at(-1)?.path).toBe('/v1/chat/completions');
  });

  it('--length-adjustment published needs a known set', async () => {
    const run = runEval(
      options({
        dataset: join(ROOT, 'test/fixtures/own-format'),
        model: 'openai:cand',
        graders: ['openai:grader'],
        outDir: join(dir, 'pub'),
        lengthAdjustment: { kind: 'published' },
      }),
      { cwd: ROOT, env, logger },
    );
    await expect(run).rejects.toThrow(/no published constants for dataset 'own-format'.*--length-adjustment-center/);
  });
});
