import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeProvider } from '../../src/testing/index.js';
import type { FakeProvider, FakeProviderOptions } from '../../src/testing/index.js';

const running: FakeProvider[] = [];

async function start(opts: FakeProviderOptions = {}): Promise<FakeProvider> {
  const fp = await startFakeProvider(opts);
  running.push(fp);
  return fp;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((fp) => fp.close()));
});

function openai(fp: FakeProvider, opts: { maxRetries?: number; timeout?: number } = {}): OpenAI {
  return new OpenAI({ apiKey: 'test', baseURL: fp.openaiBaseUrl, maxRetries: opts.maxRetries ?? 0, timeout: opts.timeout ?? 5_000 });
}

function anthropic(fp: FakeProvider, opts: { maxRetries?: number; timeout?: number } = {}): Anthropic {
  return new Anthropic({ apiKey: 'test', baseURL: fp.anthropicBaseUrl, maxRetries: opts.maxRetries ?? 0, timeout: opts.timeout ?? 5_000 });
}

async function ask(client: OpenAI, content: string, model = 'fake-model'): Promise<string> {
  const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content }] });
  return r.choices[0]?.message.content ?? '';
}

/** A per-criterion grader prompt in the layout our templates use (headings on their own lines). */
function graderPrompt(item: string, response: string): string {
  return [
    'You judge one rubric item against a conversation.',
    '# Conversation',
    'user: My child has had a fever for two days.',
    '',
    `assistant: ${response}`,
    '# Rubric item',
    item,
    '# Instructions',
    'Answer with a JSON object holding "explanation" and "criteria_met".',
  ].join('\n');
}

function parseFencedJson(text: string): unknown {
  const m = /```json\n([\s\S]*?)\n```/.exec(text);
  if (!m?.[1]) return undefined;
  try {
    return JSON.parse(m[1]);
  } catch {
    return undefined;
  }
}

function isValidVerdict(text: string): boolean {
  const v = parseFencedJson(text) as Record<string, unknown> | undefined;
  return typeof v === 'object' && v !== null && typeof v['criteria_met'] === 'boolean' && typeof v['explanation'] === 'string';
}

describe('fake provider: candidate replies over the real SDKs', () => {
  it('answers an OpenAI chat completion with the Chat Completions shape and records the request', async () => {
    const fp = await start();
    const client = openai(fp);
    const r = await client.chat.completions.create({
      model: 'fake-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'I have a headache since this morning.' },
      ],
    });
    expect(r.object).toBe('chat.completion');
    expect(r.model).toBe('fake-model');
    expect(r.choices[0]?.finish_reason).toBe('stop');
    expect(r.choices[0]?.message.content).toMatch(/fake reply [0-9a-f]{8}\)$/);
    expect(r.usage?.prompt_tokens).toBe(Math.ceil(('Be brief.'.length + 'I have a headache since this morning.'.length) / 4));
    expect(r.usage?.total_tokens).toBe((r.usage?.prompt_tokens ?? 0) + (r.usage?.completion_tokens ?? 0));
    expect(r.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(fp.requests).toHaveLength(1);
    expect(fp.requests[0]).toMatchObject({ api: 'openai', kind: 'candidate', model: 'fake-model', index: 0, authorization: 'Bearer test' });
    expect(fp.requests[0]?.bodySha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers an Anthropic message, flattening a block system prompt and block content', async () => {
    const fp = await start();
    const r = await anthropic(fp).messages.create({
      model: 'fake-claude',
      max_tokens: 256,
      system: [{ type: 'text', text: 'You are careful.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Is ibuprofen safe with asthma?' }] }],
    });
    expect(r.type).toBe('message');
    expect(r.stop_reason).toBe('end_turn');
    const block = r.content[0];
    expect(block?.type).toBe('text');
    expect(block?.type === 'text' ? block.text : '').toMatch(/fake reply [0-9a-f]{8}\)$/);
    expect(r.usage.input_tokens).toBeGreaterThan(0);
    expect(r.usage.cache_read_input_tokens).toBe(0);
    expect(fp.requests[0]).toMatchObject({
      api: 'anthropic',
      kind: 'candidate',
      authorization: 'Bearer test',
      messages: [
        { role: 'system', content: 'You are careful.' },
        { role: 'user', content: 'Is ibuprofen safe with asthma?' },
      ],
    });
  });

  it('is deterministic per prompt and seed, and differs between prompts', async () => {
    const a = await start({ seed: 3 });
    const b = await start({ seed: 3 });
    const first = await ask(openai(a), 'Can I take paracetamol twice a day?');
    expect(await ask(openai(b), 'Can I take paracetamol twice a day?')).toBe(first);
    expect(await ask(openai(a), 'Can I take paracetamol three times a day?')).not.toBe(first);
  });

  it('replies exactly with the FAKE_REPLY line when one is given', async () => {
    const fp = await start();
    expect(await ask(openai(fp), 'Hello\nFAKE_REPLY: Drink water and rest.')).toBe('Drink water and rest.');
  });
});

describe('fake provider: grader and MedCalc replies', () => {
  it('returns a parseable, deterministic verdict that follows metRate', async () => {
    const fp = await start({ seed: 5 });
    const prompt = graderPrompt('[5] Advises seeing a doctor if the fever lasts more than three days.', 'See a doctor if it persists.');
    const first = await ask(openai(fp), prompt);
    expect(isValidVerdict(first)).toBe(true);
    expect(await ask(openai(fp), prompt)).toBe(first);
    expect(fp.requests[0]?.kind).toBe('grader');

    const never = await start({ metRate: 0 });
    const always = await start({ metRate: 1 });
    expect(parseFencedJson(await ask(openai(never), prompt))).toMatchObject({ criteria_met: false });
    expect(parseFencedJson(await ask(openai(always), prompt))).toMatchObject({ criteria_met: true });
  });

  it('gives an item with the never-valid marker an invalid verdict every time, in varying forms', async () => {
    const fp = await start();
    const prompt = graderPrompt('[3] Mentions dosing [[never-valid]]', 'Take 5 ml.');
    const replies: string[] = [];
    for (let i = 0; i < 4; i++) replies.push(await ask(openai(fp), prompt));
    expect(replies.every((r) => !isValidVerdict(r))).toBe(true);
    expect(new Set(replies).size).toBe(4);
  });

  it('malformedVerdictRate spoils grader replies only, never candidate replies', async () => {
    const fp = await start({ faults: { malformedVerdictRate: 1 } });
    const client = openai(fp);
    expect(isValidVerdict(await ask(client, graderPrompt('[2] Mentions hydration.', 'Drink water.')))).toBe(false);
    expect(await ask(client, 'FAKE_REPLY: fine')).toBe('fine');
  });

  it('answers a batched grader prompt per item with the same rule as single-item grading', async () => {
    const fp = await start({ seed: 9 });
    const response = 'Rest, fluids, and see a doctor if it persists.';
    const items = ['[5] Recommends fluids.', '[-3] Suggests antibiotics.', '[2] Mentions rest.', '[1] Odd item [[never-valid]]'];
    const batched = [
      '# Conversation',
      'user: My child has had a fever for two days.',
      '',
      `assistant: ${response}`,
      '<rubric_items>',
      JSON.stringify(items.map((item, i) => ({ id: `c${i}`, item }))),
      '</rubric_items>',
    ].join('\n');
    const parsed = parseFencedJson(await ask(openai(fp), batched)) as { verdicts: Array<{ id: string; criteria_met: unknown }> };
    expect(fp.requests[0]?.kind).toBe('grader-batched');
    const valid = parsed.verdicts.filter((v) => typeof v.criteria_met === 'boolean');
    expect(valid.map((v) => v.id)).toEqual(['c0', 'c1', 'c2']);
    for (const [i, item] of items.slice(0, 3).entries()) {
      const single = parseFencedJson(await ask(openai(fp), graderPrompt(item, response))) as { criteria_met: boolean };
      expect(valid[i]?.criteria_met).toBe(single.criteria_met);
    }
  });

  it('answers MedCalc prompts with JSON, forced by FAKE_ANSWER or a number from 0 to 20', async () => {
    const fp = await start();
    const client = anthropic(fp);
    const medcalc = async (user: string): Promise<{ answer: string; step_by_step_thinking: string }> => {
      const r = await client.messages.create({
        model: 'fake-claude',
        max_tokens: 512,
        system: 'Reply with JSON: {"step_by_step_thinking": ..., "answer": ...}',
        messages: [{ role: 'user', content: user }],
      });
      const block = r.content[0];
      return JSON.parse(block?.type === 'text' ? block.text : '') as { answer: string; step_by_step_thinking: string };
    };
    expect((await medcalc('Here is the patient note:\n67 y/o male.\nFAKE_ANSWER: 17.5\nTask: compute the score.')).answer).toBe('17.5');
    const computed = await medcalc('Patient note: 45 y/o female, BP 150/90.\nTask: compute the score.');
    expect(Number(computed.answer)).toBeGreaterThanOrEqual(0);
    expect(Number(computed.answer)).toBeLessThanOrEqual(20);
    expect(computed.step_by_step_thinking.length).toBeGreaterThan(0);
    expect(fp.requests.map((r) => r.kind)).toEqual(['medcalc', 'medcalc']);
  });
});

describe('fake provider: faults exercised through the SDKs’ own retries', () => {
  it('a 429 carrying retry-after is retried by the SDK after the advertised delay', async () => {
    const fp = await start({
      script: (req) =>
        req.index === 0 ? { kind: 'status', status: 429, headers: { 'retry-after-ms': '300', 'retry-after': '1' } } : undefined,
    });
    const t0 = Date.now();
    await ask(openai(fp, { maxRetries: 2 }), 'Hello');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(fp.requests).toHaveLength(2);
    expect(fp.requests[0]?.bodySha256).toBe(fp.requests[1]?.bodySha256);
    expect(fp.stats().byStatus).toEqual({ '429': 1, '200': 1 });
  });

  it('the rpm bucket answers 429 with retry headers beyond its burst, and the SDK gets through once it refills', async () => {
    // 2 per 400 ms, the bucket holding 400 ms of budget: two at once, then one every 200 ms.
    const fp = await start({ rpm: 2, windowMs: 400, burstMs: 400 });
    const strict = openai(fp);
    await ask(strict, 'one');
    await ask(strict, 'two');
    const err = await ask(strict, 'three').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const headers = (err as InstanceType<typeof OpenAI.RateLimitError>).headers;
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(Number(headers.get('retry-after-ms'))).toBeGreaterThan(0);
    expect(Number(headers.get('retry-after-ms'))).toBeLessThanOrEqual(400);
    expect(headers.get('retry-after')).toBe('1');

    const t0 = Date.now();
    await ask(openai(fp, { maxRetries: 3 }), 'four');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(fp.stats().byStatus['200']).toBe(3);
    expect(fp.stats().total).toBe(fp.requests.length);
  });

  it('a 500 is retried by the SDK and the retry succeeds; persistent 500s surface as InternalServerError', async () => {
    const flaky = await start({ script: (req) => (req.index === 0 ? { kind: 'status', status: 500 } : undefined) });
    const r = await anthropic(flaky, { maxRetries: 2 }).messages.create({
      model: 'fake-claude',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(r.content[0]?.type).toBe('text');
    expect(flaky.stats().byStatus).toEqual({ '500': 1, '200': 1 });

    const broken = await start({ faults: { status500Rate: 1 } });
    const err = await ask(openai(broken, { maxRetries: 1 }), 'Hi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as Error).message).toMatch(/fake provider fault/);
    expect(broken.requests).toHaveLength(2);
  });

  it('a reset connection is an APIConnectionError, and the SDK retry recovers from a single one', async () => {
    const dead = await start({ faults: { resetRate: 1 } });
    await expect(ask(openai(dead), 'Hi')).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    expect(dead.stats().byStatus).toEqual({ reset: 1 });

    const once = await start({ script: (req) => (req.index === 0 ? { kind: 'reset' } : undefined) });
    expect(await ask(openai(once, { maxRetries: 1 }), 'FAKE_REPLY: ok')).toBe('ok');
    expect(once.requests).toHaveLength(2);
  });

  it('a hung request ends with the SDK timeout, and the server sees the client leave', async () => {
    const fp = await start({ faults: { hangRate: 1 } });
    const t0 = Date.now();
    await expect(ask(openai(fp, { timeout: 200 }), 'Hi')).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(Date.now() - t0).toBeLessThan(2_000);
    await expect.poll(() => fp.stats().inFlight, { timeout: 2_000 }).toBe(0);
    expect(fp.stats().byStatus).toEqual({ hang: 1 });
  });

  it('fault draws are deterministic per seed', async () => {
    const outcomes = async (seed: number): Promise<string[]> => {
      const fp = await start({ seed, faults: { status500Rate: 0.5 } });
      const client = openai(fp);
      const out: string[] = [];
      for (let i = 0; i < 12; i++)
        out.push(
          await ask(client, `q${i}`).then(
            () => 'ok',
            () => 'err',
          ),
        );
      return out;
    };
    const a = await outcomes(11);
    expect(await outcomes(11)).toEqual(a);
    expect(a).toContain('ok');
    expect(a).toContain('err');
  });
});

describe('fake provider: concurrency, stats and lifecycle', () => {
  it('reports peakInFlight and a timeline for concurrent requests', async () => {
    const fp = await start({ latencyMs: 150 });
    const client = openai(fp);
    await Promise.all(Array.from({ length: 6 }, (_, i) => ask(client, `concurrent ${i}`)));
    const s = fp.stats();
    expect(s.peakInFlight).toBe(6);
    expect(s.inFlight).toBe(0);
    expect(s.total).toBe(6);
    expect(s.byKind).toEqual({ candidate: 6 });
    expect(s.firstRequestAt).not.toBeNull();
    expect(s.lastResponseAt).toBeGreaterThanOrEqual(s.firstRequestAt ?? Infinity);
    expect(Math.max(...s.inFlightTimeline.map((p) => p.inFlight))).toBe(6);

    fp.resetStats();
    expect(fp.stats()).toMatchObject({ total: 0, peakInFlight: 0, inFlightTimeline: [], firstRequestAt: null, lastResponseAt: null });
    expect(fp.requests).toHaveLength(0);
  });

  it('counts the latency from the request’s arrival: a slow body is not waited for twice', async () => {
    const fp = await start({ latencyMs: 300 });
    const body = JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'slow body' }] });
    const half = Math.floor(body.length / 2);
    const started = Date.now();
    // The body arrives in two parts 600 ms apart: the reply is due 300 ms after the headers, so it follows the
    // body's end at once instead of 300 ms later.
    const res = await fetch(`${fp.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode(body.slice(0, half)));
          await new Promise((r) => setTimeout(r, 600));
          controller.enqueue(new TextEncoder().encode(body.slice(half)));
          controller.close();
        },
      }),
      duplex: 'half',
    });
    expect(res.status).toBe(200);
    await res.json();
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(590);
    expect(elapsed).toBeLessThan(850);
  });

  it('keeps counting but records nothing when recordRequests is false', async () => {
    const fp = await start({ recordRequests: false });
    await ask(openai(fp), 'Hi');
    expect(fp.requests).toHaveLength(0);
    expect(fp.stats().total).toBe(1);
  });

  it('serves /health and /v1/models, 404s unknown routes and 400s invalid bodies in each API’s error shape', async () => {
    const fp = await start();
    expect(await (await fetch(`${fp.url}/health`)).json()).toMatchObject({ status: 'ok' });
    const models = await openai(fp).models.list();
    expect(models.data.map((m) => m.id)).toContain('fake-model');

    const missing = await fetch(`${fp.url}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error' } });

    const noMaxTokens = await fetch(`${fp.url}/v1/messages`, {
      method: 'POST',
      headers: { 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(noMaxTokens.status).toBe(400);
    expect(await noMaxTokens.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });

    await expect(openai(fp).chat.completions.create({ model: 'm', messages: [] })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('refuses a non-loopback host and out-of-range options', async () => {
    await expect(startFakeProvider({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
    await expect(startFakeProvider({ faults: { hangRate: 2 } })).rejects.toThrow(/faults\.hangRate/);
  });

  it('close() ends hung and keep-alive connections promptly and stops listening', async () => {
    const tcpHandles = (): number => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
    const fp = await startFakeProvider({ faults: { hangRate: 1 } });
    const pending = ask(openai(fp, { timeout: 30_000 }), 'Hi').catch((e: unknown) => e);
    await expect.poll(() => fp.stats().inFlight).toBe(1);
    const t0 = Date.now();
    await fp.close();
    await fp.close();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(fp.stats().inFlight).toBe(0);
    await expect(fetch(`${fp.url}/health`)).rejects.toThrow();
    // Every provider in this file is closed by now (afterEach), so no server or socket handle may remain.
    await expect.poll(tcpHandles).toBe(0);
  });
});
