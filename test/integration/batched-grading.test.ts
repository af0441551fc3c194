import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Example, SampleRecord } from '../../src/core/types.js';
import { createLogger } from '../../src/log.js';
import { ClientPool } from '../../src/providers/factory.js';
import { referenceGraderParams, type ModelSpec } from '../../src/providers/model-client.js';
import { batchedHealthbenchEvaluator } from '../../src/tasks/healthbench/batched-evaluator.js';
import { executeRun, type ExecuteResult } from '../../src/runner/execute.js';
import type { WorkItem } from '../../src/core/task.js';
import { RunStore, type JournalEntry } from '../../src/store/run-store.js';
import { startFakeProvider, type FakeProvider, type FakeRequest } from '../../src/testing/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const logger = createLogger({ level: 'silent', secrets: [] });
const FENCE = '```';
const DROP = '[[drop-in-batch]]';

let fake: FakeProvider;
let dir: string;
let perCriterion: string;
let batched: string;

/** Batched replies leave out every item whose text has DROP in it; everything else is the fake's own reply. */
function script(req: FakeRequest) {
  if (req.kind !== 'grader-batched') return undefined;
  const prompt = req.messages.at(-1)?.content ?? '';
  const lines = prompt.split('\n');
  const list = JSON.parse(lines[lines.indexOf('<rubric_items>') + 1] ?? '[]') as Array<{ id: string; item: string }>;
  const verdicts = list
    .filter((it) => !it.item.includes(DROP))
    .map((it) => ({ id: it.id, explanation: `batched ${it.id}`, criteria_met: true }));
  return { kind: 'text' as const, text: `${FENCE}json\n${JSON.stringify({ verdicts })}\n${FENCE}` };
}

beforeAll(async () => {
  fake = await startFakeProvider({ seed: 3, script });
  dir = await mkdtemp(join(tmpdir(), 'hb-batched-'));
  perCriterion = await readFile(join(ROOT, 'graders/healthbench-grader.md'), 'utf8');
  batched = await readFile(join(ROOT, 'graders/healthbench-grader-batched.md'), 'utf8');
});
afterAll(async () => {
  await fake.close();
});

function example(id: string, texts: string[]): Example {
  return {
    id,
    messages: [{ role: 'user', content: `Question ${id}: my ankle hurts after a fall, what should I do?` }],
    rubric: texts.map((text, i) => ({
      text,
      points: i === 2 ? -4 : 5,
      tags: ['level:example', i % 2 ? 'axis:completeness' : 'axis:accuracy'],
    })),
    tags: ['theme:global_health'],
    language: 'en',
    ideal: null,
  };
}

async function* itemsOf(examples: Example[]): AsyncGenerator<WorkItem> {
  for (const [rank, e] of examples.entries()) {
    yield {
      exampleId: e.id,
      rank,
      repeat: 0,
      language: 'en',
      exampleTags: e.tags,
      messages: e.messages,
      fixedResponse: 'Rest it and use a cold pack.',
      payload: e,
    };
  }
}

async function run(
  out: string,
  examples: Example[],
  graderAttempts = 2,
): Promise<{ result: ExecuteResult; samples: SampleRecord[]; journal: JournalEntry[] }> {
  const pool = new ClientPool({ OPENAI_API_KEY: 'test-key' });
  const spec: ModelSpec = { provider: 'openai', model: 'grader-model' };
  const client = pool.create(
    spec,
    { baseURL: fake.openaiBaseUrl, rpm: null, tpm: null, maxInFlight: 8, maxRetries: 1, timeoutMs: 10_000 },
    '--grader',
  );
  const store = new RunStore(out);
  const prior = await store.loadProgress();
  await store.open();
  const result = await executeRun({
    items: itemsOf(examples),
    total: examples.length,
    evaluator: batchedHealthbenchEvaluator([perCriterion], 'first', { batchedTemplate: batched }),
    candidate: null,
    graders: [{ client, params: referenceGraderParams(spec) }],
    graderAttempts,
    concurrency: 8,
    maxErrors: 100,
    store,
    prior,
    logger,
  });
  store.close();
  const lines = async (f: string) =>
    (await readFile(join(out, f), 'utf8'))
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown);
  return { result, samples: (await lines('samples.jsonl')) as SampleRecord[], journal: (await lines('journal.jsonl')) as JournalEntry[] };
}

describe('batched grading over the real OpenAI SDK against the fake provider', () => {
  it('one grader call per sample decides every item; verdicts are journaled per criterion index', async () => {
    fake.resetStats();
    const { samples, journal } = await run(join(dir, 'complete'), [
      example('a', ['Mentions rest.', 'Mentions ice.', 'Recommends heat.', 'Mentions elevation.']),
    ]);
    expect(fake.stats().byKind).toEqual({ 'grader-batched': 1 });
    const s = samples[0];
    expect(s?.error).toBeNull();
    expect(s?.criteria.map((c) => [c.met, c.explanation, c.attempts])).toEqual([1, 2, 3, 4].map((k) => [true, `batched c${k}`, 1]));
    expect(s?.usage.grader.calls).toBe(1);
    const verdicts = journal.filter((e) => e.t === 'verdict');
    expect(verdicts.map((e) => (e.t === 'verdict' ? e.i : -1))).toEqual([0, 1, 2, 3]);
    // The call's usage is journaled once, so a resume sums it exactly once.
    expect(verdicts.map((e) => (e.t === 'verdict' ? e.usage.calls : -1))).toEqual([1, 0, 0, 0]);
  });

  it('items missing from the batched reply are re-graded per criterion with the normal template', async () => {
    fake.resetStats();
    const { samples } = await run(join(dir, 'missing'), [
      example('b', ['Mentions rest.', `Mentions ice ${DROP}.`, 'Recommends heat.', `Mentions elevation ${DROP}.`]),
    ]);
    expect(fake.stats().byKind).toEqual({ 'grader-batched': 1, grader: 2 });
    const regraded = fake.requests.filter((r) => r.kind === 'grader').map((r) => r.messages.at(-1)?.content ?? '');
    expect(regraded.every((p) => p.includes('# Rubric item\n[5] Mentions') && p.includes(DROP))).toBe(true);
    const s = samples[0];
    expect(s?.error).toBeNull();
    expect(s?.criteria.map((c) => c.attempts)).toEqual([1, 2, 1, 2]);
    expect(s?.criteria[1]?.explanation).toMatch(/^Fake grader/);
    expect(s?.criteria[0]?.explanation).toBe('batched c1');
    expect(s?.usage.grader.calls).toBe(3);
  });

  it('an item with no valid verdict after the per-criterion attempts is a grader error, never a guess', async () => {
    fake.resetStats();
    const { samples } = await run(join(dir, 'never'), [example('c', ['Mentions rest.', `Mentions [[never-valid]] ${DROP}.`])], 2);
    const s = samples[0];
    expect(s?.score).toBeNull();
    expect(s?.error?.stage).toBe('grader');
    expect(s?.criteria[1]).toMatchObject({ met: null, attempts: 3 });
    expect(s?.criteria[1]?.error).toMatch(/no valid verdict after 2 attempts/);
    expect(s?.criteria[0]?.met).toBe(true);
    expect(fake.stats().byKind).toEqual({ 'grader-batched': 1, grader: 2 });
  });

  it('on resume, verdicts already journaled are kept and only the rest are graded, per criterion', async () => {
    fake.resetStats();
    const out = join(dir, 'resume');
    const e = example('d', ['Mentions rest.', 'Mentions ice.', 'Recommends heat.']);
    const known: JournalEntry = {
      t: 'verdict',
      exampleId: 'd',
      repeat: 0,
      i: 0,
      met: false,
      explanation: 'from before',
      attempts: 1,
      usage: { calls: 1, inputTokens: 100, outputTokens: 10, cachedInputTokens: 0 },
    };
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'journal.jsonl'), `${JSON.stringify(known)}\n`);
    const { samples } = await run(out, [e]);
    expect(fake.stats().byKind).toEqual({ grader: 2 });
    const s = samples[0];
    expect(s?.criteria.map((c) => c.met)).toEqual([false, expect.any(Boolean), expect.any(Boolean)]);
    expect(s?.criteria[0]?.explanation).toBe('from before');
    expect(s?.usage.grader.calls).toBe(3);
  });

  it('the fake provider answers batched prompts itself: a full run with no script gives one call per sample', async () => {
    const plain = await startFakeProvider({ seed: 5 });
    try {
      const pool = new ClientPool({ OPENAI_API_KEY: 'k' });
      const spec: ModelSpec = { provider: 'openai', model: 'g' };
      const client = pool.create(
        spec,
        { baseURL: plain.openaiBaseUrl, rpm: null, tpm: null, maxInFlight: 4, maxRetries: 0, timeoutMs: 10_000 },
        '--grader',
      );
      const out = join(dir, 'plain');
      const store = new RunStore(out);
      const prior = await store.loadProgress();
      await store.open();
      const examples = [example('e', ['A.', 'B.', 'C.']), example('f', ['D.', 'E.'])];
      const result = await executeRun({
        items: itemsOf(examples),
        total: 2,
        evaluator: batchedHealthbenchEvaluator([perCriterion], 'first', { batchedTemplate: batched }),
        candidate: null,
        graders: [{ client, params: referenceGraderParams(spec) }],
        graderAttempts: 3,
        concurrency: 4,
        maxErrors: 0,
        store,
        prior,
        logger,
      });
      store.close();
      expect(result.progress).toMatchObject({ done: 2, errors: 0 });
      expect(plain.stats().byKind).toEqual({ 'grader-batched': 2 });
      expect(result.usage.grader.calls).toBe(2);
    } finally {
      await plain.close();
    }
  });
});
