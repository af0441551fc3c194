import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { DataValidationError, formatIssue } from '../../../src/core/errors.js';
import type { Example } from '../../../src/core/types.js';
import { openDataset } from '../../../src/data/load-dataset.js';
import { layoutOf, peekLayout } from '../../../src/data/professional.js';
import { validatePaths } from '../../../src/data/validate-paths.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ctx = { cwd: ROOT, env: {} };
const GOOD = 'test/fixtures/professional/pro-small.jsonl';
const BAD = 'test/fixtures/professional/pro-bad.jsonl';

async function examples(spec: string): Promise<Example[]> {
  const ds = await openDataset(spec, ctx);
  const out: Example[] = [];
  for await (const { example } of ds.iterate(null)) out.push(example);
  return out;
}

describe('HealthBench Professional layout', () => {
  test('layoutOf tells the layouts apart by their rubric field', () => {
    expect(layoutOf({ id: 'a', rubric_items: [] })).toBe('professional');
    expect(layoutOf({ prompt_id: 'a', rubric_items: [] })).toBe('professional');
    expect(layoutOf({ prompt_id: 'a', rubrics: [] })).toBe('healthbench');
    expect(layoutOf({ id: 'a', question: 'q' })).toBeNull();
    expect(layoutOf([1])).toBeNull();
  });

  test('a Professional file is detected and every field-name variant is read', async () => {
    const ds = await openDataset(GOOD, ctx);
    expect(ds.layout).toBe('professional');
    expect(ds.officialSha256).toBe('unknown');
    expect(ds.ids).toEqual(['pro-001', 'pro-002', 'pro-003', 'pro-004', 'pro-005', 'pro-006']);
    const [a, b, c, , e, f] = await examples(GOOD);
    expect(a?.tags).toEqual(['use_case:care_consult', 'type:standard', 'difficulty:medium', 'specialty:cardiology']);
    expect(a?.rubric[2]).toEqual({ text: 'Recommends bridging with low-molecular-weight heparin.', points: -6, tags: [] });
    expect(a?.ideal?.idealCompletion).toMatch(/^For a simple extraction/);
    // conversation: {messages: [...]}
    expect(b?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    // prompt + criterion variants
    expect(c?.messages).toHaveLength(1);
    expect(c?.rubric[0]?.text).toBe('Names EMPEROR-Preserved and DELIVER.');
    expect(e?.rubric[1]?.tags).toEqual(['axis:accuracy']);
    expect(e?.tags).toContain('specialty:primary care');
    expect(f?.ideal).toBeNull();
  });

  test('records in neither layout, mixed layouts and bad fields are located errors naming the fields', async () => {
    const err: unknown = await openDataset(BAD, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataValidationError);
    const lines = (err as DataValidationError).issues.map(formatIssue);
    expect(lines).toEqual([
      `${BAD}:2 /: record matches neither the HealthBench layout (prompt_id, prompt, rubrics, example_tags) nor the HealthBench Professional layout (id, conversation (or prompt), rubric_items, use_case, type, difficulty, specialty, physician_response); its fields are uuid, question, answers. Fix or remove this line`,
      `${BAD}:3 /: this record is in the HealthBench layout but the file is in the HealthBench Professional layout (line 1); one file holds one layout`,
      `${BAD}:4 /rubric_items/0/criterion_text: missing required field 'criterion_text' (or 'criterion')`,
      `${BAD}:4 /rubric_items/1/criterion: both 'criterion_text' and 'criterion' are given; keep one`,
      `${BAD}:4 /rubric_items/1/points: must be a number`,
      `${BAD}:4 /use_case: must be a string or null, got number`,
      `${BAD}:5 /prompt: both 'conversation' and 'prompt' are given; keep one`,
      `${BAD}:5 /rubric_items: must be a non-empty array of rubric items`,
      `${BAD}:6 /: record matches neither the HealthBench layout (prompt_id, prompt, rubrics, example_tags) nor the HealthBench Professional layout (id, conversation (or prompt), rubric_items, use_case, type, difficulty, specialty, physician_response); it is an array, not an object. Fix or remove this line`,
    ]);
  });

  test('the original layout still loads as before', async () => {
    const ds = await openDataset('test/fixtures/official-format/good.jsonl', ctx);
    expect(ds.layout).toBe('healthbench');
    expect(ds.ids).toHaveLength(3);
  });
});

describe('--dataset healthbench-professional', () => {
  test('downloads from the published Hugging Face location once, caches it and records its sha256', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hb-pro-cache-'));
    try {
      const body = await readFile(join(ROOT, GOOD));
      const urls: string[] = [];
      const fetchImpl: typeof fetch = (input) => {
        urls.push(input instanceof Request ? input.url : input.toString());
        return Promise.resolve(new Response(body));
      };
      const env = { HEALTHBENCH_CACHE_DIR: dir };
      const ds = await openDataset('healthbench-professional', { cwd: dir, env, fetchImpl });
      expect(urls).toEqual([
        'https://huggingface.co/datasets/openai/healthbench-professional/resolve/main/healthbench_professional_eval.jsonl',
      ]);
      expect(ds.name).toBe('healthbench-professional');
      expect(ds.layout).toBe('professional');
      expect(ds.sha256).toBe(createHash('sha256').update(body).digest('hex'));
      expect(ds.officialSha256).toBe('unknown');
      expect(await readdir(dir)).toEqual(['healthbench_professional_eval.jsonl']);
      await openDataset('healthbench-professional', { cwd: dir, env, fetchImpl });
      expect(urls).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('peekLayout and validate', () => {
  test('judges a file by its first records, gzip included; unreadable or unknown files are null', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hb-pro-peek-'));
    try {
      const gz = join(dir, 'pro.jsonl.gz');
      await writeFile(gz, gzipSync(await readFile(join(ROOT, GOOD))));
      expect(await peekLayout(join(ROOT, GOOD))).toBe('professional');
      expect(await peekLayout(gz)).toBe('professional');
      expect(await peekLayout(join(ROOT, 'test/fixtures/official-format/good.jsonl'))).toBe('healthbench');
      expect(await peekLayout(join(dir, 'missing.jsonl'))).toBeNull();
      const junk = join(dir, 'junk.jsonl');
      await writeFile(junk, 'not json\n{"a": 1}\n');
      expect(await peekLayout(junk)).toBeNull();
      const ds = await openDataset(gz, { cwd: dir, env: {} });
      expect(ds.layout).toBe('professional');
      expect(ds.ids).toHaveLength(6);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('validate names the Professional layout', async () => {
    const { checks, issues } = await validatePaths([GOOD], ROOT);
    expect(issues).toEqual([]);
    expect(checks).toEqual([{ path: GOOD, kind: 'healthbench-professional', records: 6 }]);
  });
});
