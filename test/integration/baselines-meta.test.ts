import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/cli-io.js';
import type { SampleRecord } from '../../src/core/types.js';
import type { Report } from '../../src/report/types.js';
import { startFakeProvider, type FakeProvider } from '../../src/testing/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
let fake: FakeProvider;
let dir: string;

beforeAll(async () => {
  fake = await startFakeProvider({ seed: 3 });
  dir = await mkdtemp(join(tmpdir(), 'hb-baseline-'));
});
afterAll(async () => fake.close());

const io = () => captureIo({ env: { OPENAI_API_KEY: 'k' }, cwd: ROOT });

const samplesOf = async (d: string): Promise<SampleRecord[]> =>
  (await readFile(join(d, 'samples.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SampleRecord);

describe('physician and reference baselines (docs §10)', () => {
  it('--responses physician – grades each ideal completion, no candidate call, raw prompt, results by group', async () => {
    fake.resetStats();
    const out = join(dir, 'physician');
    const c = io();
    const code = await main(
      [
        'eval',
        '--dataset',
        'test/fixtures/baselines/records.jsonl',
        '--responses',
        'physician',
        '--grader',
        'openai:g',
        '--grader-base-url',
        fake.openaiBaseUrl,
        '--out',
        out,
      ],
      c.io,
    );
    expect(code, c.err()).toBe(0);
    expect(fake.stats().byKind['candidate'] ?? 0).toBe(0);
    const samples = await samplesOf(out);
    expect(samples.map((s) => s.exampleId).sort()).toEqual(['bl-g1', 'bl-g2', 'bl-g3']);
    expect(samples.every((s) => s.messagesSent.every((m) => m.role !== 'system'))).toBe(true);
    expect(samples.find((s) => s.exampleId === 'bl-g2')?.response).toContain('Swallow or yawn');
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    expect(Object.keys(report.byGroup['ideal_completions_group'] ?? {})).toEqual(['Group 1', 'Group 2', 'Group 3']);
    expect(report.model).toBeNull();
    expect(report.notes.join(' ')).toContain('Baseline run');
  });

  it('--responses reference – four reference completions per Group 2/3 example, Group 1 skipped', async () => {
    const out = join(dir, 'reference');
    const code = await main(
      [
        'eval',
        '--dataset',
        'test/fixtures/baselines/records.jsonl',
        '--responses',
        'reference',
        '--grader',
        'openai:g',
        '--grader-base-url',
        fake.openaiBaseUrl,
        '--out',
        out,
      ],
      io().io,
    );
    expect(code).toBe(0);
    const samples = await samplesOf(out);
    expect(samples).toHaveLength(8);
    expect(new Set(samples.map((s) => s.exampleId))).toEqual(new Set(['bl-g2', 'bl-g3']));
    expect(
      samples
        .filter((s) => s.exampleId === 'bl-g3')
        .map((s) => s.repeat)
        .sort(),
    ).toEqual([0, 1, 2, 3]);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.overall.n).toBe(8);
    expect(Object.keys(report.byGroup['ideal_completions_group'] ?? {})).toEqual(['Group 2', 'Group 3']);
  });

  it('a dataset without ideal completions yields no baseline samples', async () => {
    const out = join(dir, 'none');
    const code = await main(
      [
        'eval',
        '--dataset',
        'test/fixtures/own-format',
        '--responses',
        'physician',
        '--grader',
        'openai:g',
        '--grader-base-url',
        fake.openaiBaseUrl,
        '--out',
        out,
      ],
      io().io,
    );
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.overall.n).toBe(0);
  });
});

describe('healthbench meta-eval', () => {
  it('grades every row with the grader under test (criterion alone, no points) and reports macro F1 beside physicians', async () => {
    fake.resetStats();
    const out = join(dir, 'meta');
    const c = io();
    const code = await main(
      [
        'meta-eval',
        '--dataset',
        'test/fixtures/meta/meta-small.jsonl',
        '--grader',
        'openai:g',
        '--grader-base-url',
        fake.openaiBaseUrl,
        '--out',
        out,
      ],
      c.io,
    );
    expect(code, c.err()).toBe(0);
    const rows = (await readFile(join(ROOT, 'test/fixtures/meta/meta-small.jsonl'), 'utf8')).trim().split('\n');
    expect(fake.stats().byKind['grader']).toBe(rows.length);
    const prompt = fake.requests.find((r) => r.kind === 'grader')?.messages.at(-1)?.content ?? '';
    const item = prompt.split('# Rubric item\n')[1]?.split('\n\n# Instructions')[0] ?? '';
    expect(item).not.toMatch(/^\[-?\d+\]/);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {
      task: string;
      meta: { score: number; graded: number; rows: number; themes: unknown[] };
    };
    expect(report.task).toBe('meta');
    expect(report.meta.graded).toBe(rows.length);
    expect(report.meta.score).toBeGreaterThanOrEqual(0);
    expect(report.meta.score).toBeLessThanOrEqual(1);
    expect(c.out()).toMatch(/grader macro F1 \(pairwise_model_f1_balanced\) 0\.\d{4}/);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('Grader meta-evaluation');
  });

  it('--physicians-only – needs no model or key and writes the physician baselines', async () => {
    const out = join(dir, 'phys');
    const c = io();
    c.io.env = {};
    const code = await main(
      ['meta-eval', '--physicians-only', '--dataset', 'test/fixtures/meta/meta-small.jsonl', '--out', out, '--json'],
      c.io,
    );
    expect(code).toBe(0);
    const report = JSON.parse(c.out()) as { meta: { mode: string; physicianAgreement: Record<string, unknown> } };
    expect(report.meta.mode).toBe('physicians-only');
    expect(Object.keys(report.meta.physicianAgreement).length).toBeGreaterThanOrEqual(3);
  });

  it('--physicians-only with a malformed --seed – exit 2 naming the flag, before any file is read', async () => {
    for (const seed of ['abc', '-1', '1.5', '1e300']) {
      const c = io();
      const code = await main(
        ['meta-eval', '--physicians-only', `--seed=${seed}`, '--dataset', 'test/fixtures/meta/meta-small.jsonl'],
        c.io,
      );
      expect(code).toBe(2);
      expect(c.err()).toContain('--seed');
      expect(c.err()).toContain(seed);
    }
  });

  it('a malformed meta-eval row is reported with its location, exit 2', async () => {
    const bad = join(dir, 'bad-meta.jsonl');
    await import('node:fs/promises').then((fs) => fs.writeFile(bad, '{"prompt": [], "completion": 1}\n'));
    const c = io();
    const code = await main(['meta-eval', '--physicians-only', '--dataset', bad], c.io);
    expect(code).toBe(2);
    expect(c.err()).toMatch(/bad-meta\.jsonl:1 \//);
  });
});
