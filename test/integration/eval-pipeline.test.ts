import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { runEval, type EvalDeps, type EvalOptions } from '../../src/runner/eval.js';
import { startFakeProvider, type FakeProvider } from '../../src/testing/index.js';
import type { SampleRecord } from '../../src/core/types.js';
import type { Report } from '../../src/report/types.js';
import { selectExampleIndices } from '../../src/scoring/index.js';
import { evalOptions } from '../support/eval-options.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const logger = createLogger({ level: 'silent', secrets: [] });
const env = { OPENAI_API_KEY: 'test-openai-key', ANTHROPIC_API_KEY: 'test-anthropic-key' };

let fake: FakeProvider;
let dir: string;

beforeAll(async () => {
  fake = await startFakeProvider({ seed: 7 });
  dir = await mkdtemp(join(tmpdir(), 'hb-eval-'));
});
afterAll(async () => {
  await fake.close();
});

function options(overrides: Partial<EvalOptions>): EvalOptions {
  return evalOptions({
    dataset: join(ROOT, 'test/fixtures/own-format'),
    baseUrl: fake.openaiBaseUrl,
    graders: ['openai:grader-model'],
    graderBaseUrl: fake.openaiBaseUrl,
    ...overrides,
  });
}

async function evalReport(
  opts: EvalOptions,
  e: Record<string, string> = env,
  extra: Partial<EvalDeps> = {},
): Promise<{ report: Report; markdown: string }> {
  const res = await runEval(opts, { cwd: ROOT, env: e, logger, ...extra });
  return { report: res.report as unknown as Report, markdown: res.markdown };
}

async function readSamples(runDir: string): Promise<SampleRecord[]> {
  const text = await readFile(join(runDir, 'samples.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SampleRecord);
}

describe('healthbench eval, end to end over the real SDKs', () => {
  it('eval – openai candidate and grader: every file written, what was sent recorded, verdicts per criterion', async () => {
    fake.resetStats();
    const out = join(dir, 'openai');
    const res = await evalReport(options({ outDir: out }));
    for (const f of ['run.json', 'samples.jsonl', 'report.json', 'report.md']) expect(existsSync(join(out, f))).toBe(true);
    const samples = await readSamples(out);
    expect(samples).toHaveLength(3);
    for (const s of samples) {
      expect(s.error).toBeNull();
      expect(s.messagesSent[0]).toEqual({ role: 'system', content: 'You are a helpful assistant.' });
      expect(s.criteria.every((c) => typeof c.met === 'boolean' && c.attempts === 1)).toBe(true);
      expect(s.usage.candidate.calls).toBe(1);
      expect(s.usage.grader.calls).toBe(s.criteria.length);
    }
    const criteria = samples.reduce((n, s) => n + s.criteria.length, 0);
    expect(fake.stats().byKind['candidate']).toBe(3);
    expect(fake.stats().byKind['grader']).toBe(criteria);
    const report = res.report;
    expect(Object.keys(report).slice(0, 4)).toEqual(['formatVersion', 'runId', 'createdAt', 'task']);
    expect(report.overall.n).toBe(3);
    expect(report.overall.errors).toBe(0);
    expect(report.metrics['overall_score:n_samples']).toBe(3);
    expect(report.metrics['overall_score']).toBe(report.overall.score);
    expect(Object.keys(report.byLanguage).sort()).toEqual(['en', 'es']);
    expect(report.usage['grader']?.calls).toBe(criteria);
    expect(report.grader?.officialTemplate).toBe(false);
    expect(res.markdown).toContain('## By theme');
    // The grader saw the system line the candidate was sent, then the response (docs §4).
    const graderReq = fake.requests.find((r) => r.kind === 'grader');
    expect(graderReq?.messages.at(-1)?.content).toContain('system: You are a helpful assistant.');
  });

  it('eval – anthropic candidate and grader: system messages go to `system`, usage recorded', async () => {
    fake.resetStats();
    const out = join(dir, 'anthropic');
    const res = await evalReport(
      options({
        outDir: out,
        model: 'anthropic:claude-cand',
        baseUrl: fake.anthropicBaseUrl,
        graders: ['anthropic:claude-grader'],
        graderBaseUrl: fake.anthropicBaseUrl,
        systemPrompt: 'Answer as a careful clinician.',
      }),
    );
    expect(res.report.overall.n).toBe(3);
    const cand = fake.requests.filter((r) => r.kind === 'candidate');
    expect(cand).toHaveLength(3);
    for (const r of cand) {
      expect(r.api).toBe('anthropic');
      const body = r.body as { system?: string; messages: Array<{ role: string }> };
      expect(body.system).toBe('Answer as a careful clinician.');
      expect(body.messages.every((m) => m.role !== 'system')).toBe(true);
    }
    expect(res.report.usage['candidate']?.inputTokens).toBeGreaterThan(0);
    // Grader prompts mark the shared part (template head + conversation) for Anthropic's prompt cache.
    const graderReqs = fake.requests.filter((r) => r.kind === 'grader');
    expect(graderReqs.length).toBeGreaterThan(3);
    for (const r of graderReqs) {
      const body = r.body as { messages: Array<{ content: Array<{ type: string; text: string; cache_control?: { type: string } }> }> };
      const blocks = body.messages.at(-1)?.content ?? [];
      expect(blocks).toHaveLength(2);
      expect(blocks[0]?.cache_control).toEqual({ type: 'ephemeral' });
      expect(blocks[1]?.cache_control).toBeUndefined();
      expect(blocks[0]?.text).toContain('\n# Conversation\nsystem: Answer as a careful clinician.');
      expect(blocks[0]?.text).not.toContain('# Rubric item');
      expect(blocks[1]?.text.startsWith('\n\n# Rubric item')).toBe(true);
    }
  });

  it('eval – a verdict that never becomes valid is a grader error, excluded from the means, never "not met"', async () => {
    const data = join(dir, 'never-valid');
    await mkdir(join(data, 'conversations'), { recursive: true });
    await mkdir(join(data, 'rubrics'), { recursive: true });
    const conv = (id: string) =>
      JSON.stringify({ id, messages: [{ role: 'user', content: `Question ${id} about a rash` }], language: 'en', tags: ['theme:hedging'] });
    await writeFile(join(data, 'conversations', 'c.jsonl'), `${conv('ok-1')}\n${conv('bad-1')}\n`);
    await writeFile(
      join(data, 'rubrics', 'r.jsonl'),
      `${JSON.stringify({ conversationId: 'ok-1', criteria: [{ text: 'Asks how long the rash has lasted', points: 5, tags: ['level:example', 'axis:context_awareness'] }] })}\n` +
        `${JSON.stringify({
          conversationId: 'bad-1',
          criteria: [
            { text: 'Mentions [[never-valid]] things', points: 5, tags: ['level:example', 'axis:accuracy'] },
            { text: 'Is kind', points: 2, tags: ['level:example', 'axis:communication_quality'] },
          ],
        })}\n`,
    );
    fake.resetStats();
    const out = join(dir, 'never-valid-run');
    const res = await evalReport(options({ dataset: data, outDir: out, graderAttempts: 3 }));
    expect(res.report.overall.n).toBe(1);
    expect(res.report.overall.errors).toBe(1);
    expect(res.report.errors).toEqual([
      expect.objectContaining({
        exampleId: 'bad-1',
        stage: 'grader',
        message: expect.stringContaining('no valid verdict after 3 attempts'),
      }),
    ]);
    const bad = (await readSamples(out)).find((s) => s.exampleId === 'bad-1');
    expect(bad?.score).toBeNull();
    expect(bad?.metrics).toBeNull();
    expect(bad?.criteria[0]).toMatchObject({ met: null, attempts: 3 });
    // Exactly the capped number of grader calls for the bad item: 3, not unbounded.
    const badItemCalls = fake.requests.filter((r) => r.kind === 'grader' && r.messages.at(-1)?.content.includes('[[never-valid]]'));
    expect(badItemCalls).toHaveLength(3);
    expect(res.markdown).toContain('1 samples could not be sampled or graded');
  });

  it('eval – --limit picks the reference Random(0).sample examples; --repeats pools every copy', async () => {
    const out = join(dir, 'limit');
    const res = await evalReport(options({ dataset: 'demo', limit: 5, repeats: 2, outDir: out }));
    expect(res.report.dataset.count).toBe(5);
    expect(res.report.overall.n).toBe(10);
    expect(res.report.metrics['overall_score:n_samples']).toBe(10);
    const samples = await readSamples(out);
    const ids = new Set(samples.map((s) => s.exampleId));
    const demoIds = (await readFile(join(ROOT, 'conversations/demo.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    const expected = selectExampleIndices(demoIds.length, 5).map((i) => demoIds[i]);
    expect([...ids].sort()).toEqual([...expected].sort());
  });

  it('eval – the bundled test double (--fake-server) needs no key and labels the report', async () => {
    const out = join(dir, 'fake');
    // The CLI starts the double (the runner never loads it) and passes where it listens; no key in the environment.
    const testDouble = { openaiBaseUrl: fake.openaiBaseUrl, anthropicBaseUrl: fake.anthropicBaseUrl };
    const res = await evalReport(
      options({ dataset: 'demo', limit: 3, outDir: out, baseUrl: null, graderBaseUrl: null, fakeServer: {} }),
      {},
      { testDouble },
    );
    expect(res.report.testDouble).toBe(true);
    expect(res.markdown).toContain('Test double');
  });

  it('eval – --fake-server without a running test double is refused before anything is written', async () => {
    const out = join(dir, 'fake-missing');
    await expect(evalReport(options({ dataset: 'demo', limit: 3, outDir: out, fakeServer: {} }), {})).rejects.toThrow(
      /--fake-server: the test double is not running/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('eval – several graders: each criterion graded by each, majority vote, per-grader scores and pairwise kappa', async () => {
    fake.resetStats();
    const out = join(dir, 'three-graders');
    const { report, markdown } = await evalReport(
      options({ outDir: out, graders: ['openai:grader-a', 'openai:grader-b', 'openai:grader-c'], graderVote: 'majority' }),
    );
    const samples = await readSamples(out);
    const criteria = samples.flatMap((s) => s.criteria);
    expect(fake.stats().byKind['grader']).toBe(criteria.length * 3);
    for (const c of criteria) {
      expect(c.verdicts).toHaveLength(3);
      const yes = (c.verdicts ?? []).filter((v) => v === true).length;
      expect(c.met).toBe(yes >= 2);
    }
    expect(Object.keys(report.graderScores ?? {})).toHaveLength(3);
    expect(report.graderAgreement?.map((g) => [g.a, g.b])).toEqual([
      ['openai:grader-a', 'openai:grader-b'],
      ['openai:grader-a', 'openai:grader-c'],
      ['openai:grader-b', 'openai:grader-c'],
    ]);
    for (const g of report.graderAgreement ?? []) expect(g.n).toBe(criteria.length);
    expect(report.notes.join(' ')).toContain('majority verdict');
    expect(markdown).toContain('## Grader agreement');
  });

  it('eval – --grader-mode batched: one grader call per sample, labelled as not the reference protocol', async () => {
    fake.resetStats();
    const out = join(dir, 'batched');
    const { report } = await evalReport(options({ outDir: out, graderMode: 'batched' }));
    expect(fake.stats().byKind['grader-batched']).toBe(3);
    expect(fake.stats().byKind['grader'] ?? 0).toBe(0);
    expect(report.grader?.mode).toBe('batched');
    expect(report.notes.join(' ')).toContain('not the reference protocol');
    expect(report.overall.n).toBe(3);
  });

  it('eval – --grader-template: the user template is used and its sha256 recorded (official: no); a template without placeholders is exit 2', async () => {
    const tpl = join(dir, 'my-template.md');
    await writeFile(
      tpl,
      'Judge the reply.\r\n\r\n# Conversation\r\n<<conversation>>\r\n\r\n# Rubric item\r\n<<rubric_item>>\r\n\r\n# Instructions\r\nReply with JSON.\r\n',
    );
    fake.resetStats();
    const { report } = await evalReport(options({ outDir: join(dir, 'tpl'), graderTemplatePath: tpl }));
    const normalized =
      'Judge the reply.\n\n# Conversation\n<<conversation>>\n\n# Rubric item\n<<rubric_item>>\n\n# Instructions\nReply with JSON.';
    const { createHash } = await import('node:crypto');
    expect(report.grader?.templateSha256).toBe(createHash('sha256').update(normalized).digest('hex'));
    expect(report.grader?.officialTemplate).toBe(false);
    expect(
      fake.requests
        .find((r) => r.kind === 'grader')
        ?.messages.at(-1)
        ?.content.startsWith('Judge the reply.\n\n# Conversation\n'),
    ).toBe(true);
    const broken = join(dir, 'broken-template.md');
    await writeFile(broken, 'No placeholders here.');
    await expect(evalReport(options({ outDir: join(dir, 'tpl-broken'), graderTemplatePath: broken }))).rejects.toThrow(
      /no <<conversation>> placeholder/,
    );
  });

  it('eval – an Anthropic grader gets one warm-up call per sample before the rest, so they can read its prompt cache', async () => {
    const arrivals: Array<{ prefix: string; t: number }> = [];
    const slow = await startFakeProvider({
      seed: 7,
      latencyMs: 80,
      script: (r) => {
        if (r.kind === 'grader') {
          const body = r.body as { messages: Array<{ content: Array<{ text: string }> }> };
          arrivals.push({ prefix: body.messages.at(-1)?.content[0]?.text ?? '', t: Date.now() });
        }
        return undefined;
      },
    });
    try {
      const res = await evalReport(
        options({
          outDir: join(dir, 'warm'),
          model: 'anthropic:c',
          baseUrl: slow.anthropicBaseUrl,
          graders: ['anthropic:g'],
          graderBaseUrl: slow.anthropicBaseUrl,
        }),
      );
      expect(res.report.overall.n).toBe(3);
      const byPrefix = new Map<string, number[]>();
      for (const a of arrivals) byPrefix.set(a.prefix, [...(byPrefix.get(a.prefix) ?? []), a.t]);
      expect(byPrefix.size).toBe(3);
      for (const times of byPrefix.values()) {
        const [warmUp = 0, ...rest] = [...times].sort((a, b) => a - b);
        expect(rest.length).toBeGreaterThan(0);
        // The rest of the sample's grader calls leave only after the warm-up's ~80 ms reply.
        for (const t of rest) expect(t - warmUp).toBeGreaterThanOrEqual(60);
      }
    } finally {
      await slow.close();
    }
  });
});
