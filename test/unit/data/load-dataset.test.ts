import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DataValidationError, UsageError, type DataIssue } from '../../../src/core/errors.js';
import type { Example } from '../../../src/core/types.js';
import { openDataset, type Dataset } from '../../../src/data/load-dataset.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ctx = { cwd: ROOT, env: {} };

async function collect(ds: Dataset, indices: ReadonlySet<number> | null = null): Promise<Array<{ index: number; example: Example }>> {
  const out: Array<{ index: number; example: Example }> = [];
  for await (const item of ds.iterate(indices)) out.push(item);
  return out;
}

async function issuesOf(spec: string, cwd = ROOT): Promise<DataIssue[]> {
  const err: unknown = await openDataset(spec, { cwd, env: {} }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataValidationError);
  return (err as DataValidationError).issues;
}

/** True when some issue sits at this file and line with a pointer the predicate accepts. */
function hasIssue(issues: readonly DataIssue[], file: string, line: number, pointer: (p: string) => boolean): boolean {
  return issues.some((i) => i.file === file && i.line === line && pointer(i.pointer));
}

describe('openDataset: our own format', () => {
  test('loads the three fixture examples with their languages, tags and rubrics', async () => {
    const ds = await openDataset('test/fixtures/own-format', ctx);
    expect(ds.name).toBe('own-format');
    expect(ds.officialSha256).toBe('n/a');
    expect(ds.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ds.ids).toEqual(['tiny-001', 'tiny-002', 'tiny-003']);
    const items = await collect(ds);
    expect(items.map((i) => i.index)).toEqual([0, 1, 2]);
    const [a, b, c] = items.map((i) => i.example);
    expect(a?.language).toBe('en');
    expect(c?.language).toBe('es');
    expect(a?.tags).toEqual(['theme:hedging']);
    expect(b?.tags).toEqual(['theme:emergency_referrals', 'physician_agreed_category:conditionally-emergent']);
    expect(b?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(b?.rubric).toHaveLength(4);
    expect(b?.rubric[2]).toEqual({ text: 'Recommends tilting the head back.', points: -7, tags: ['level:example', 'axis:accuracy'] });
    expect(c?.ideal).toBeNull();
  });

  test('iterate(indices) yields only the chosen examples, in dataset order', async () => {
    const ds = await openDataset('test/fixtures/own-format', ctx);
    const items = await collect(ds, new Set([2, 0]));
    expect(items.map((i) => [i.index, i.example.id])).toEqual([
      [0, 'tiny-001'],
      [2, 'tiny-003'],
    ]);
  });

  test('the content hash is stable across loads', async () => {
    const a = await openDataset('test/fixtures/own-format', ctx);
    const b = await openDataset('test/fixtures/own-format', ctx);
    expect(a.sha256).toBe(b.sha256);
  });

  describe('the broken fixture (test/fixtures/own-format-bad/EXPECTED.md)', () => {
    const conv = 'test/fixtures/own-format-bad/conversations/bad.jsonl';
    const rub = 'test/fixtures/own-format-bad/rubrics/bad.jsonl';
    let issues: DataIssue[] = [];
    beforeAll(async () => {
      issues = await issuesOf('test/fixtures/own-format-bad');
    });

    test('conversations line 2: malformed JSON', () => {
      expect(issues).toContainEqual(expect.objectContaining({ file: conv, line: 2, message: expect.stringMatching(/JSON/) }));
    });

    test('conversations line 3: wrong role at /messages/1/role', () => {
      expect(hasIssue(issues, conv, 3, (p) => p === '/messages/1/role')).toBe(true);
    });

    test('conversations line 4: missing id', () => {
      expect(hasIssue(issues, conv, 4, (p) => p === '/id' || p === '')).toBe(true);
    });

    test('conversations line 5: duplicate id bad-001', () => {
      expect(issues).toContainEqual(
        expect.objectContaining({ file: conv, line: 5, pointer: '/id', message: expect.stringContaining('bad-001') }),
      );
    });

    test('conversations line 6: ends with an assistant turn', () => {
      expect(hasIssue(issues, conv, 6, (p) => /^\/messages(\/1(\/role)?)?$/.test(p))).toBe(true);
      expect(issues.find((i) => i.file === conv && i.line === 6)?.message).toMatch(/user turn/);
    });

    test('rubrics line 4: empty criteria', () => {
      expect(hasIssue(issues, rub, 4, (p) => p === '/criteria')).toBe(true);
    });

    test('rubrics line 5: points given as a string', () => {
      expect(hasIssue(issues, rub, 5, (p) => p === '/criteria/0/points')).toBe(true);
    });

    test('rubrics line 6: rubric without a conversation', () => {
      expect(issues).toContainEqual(
        expect.objectContaining({ file: rub, line: 6, pointer: '/conversationId', message: expect.stringContaining('bad-999') }),
      );
    });

    test('valid lines are not blamed for an invalid counterpart (no "no conversation" / "no rubric" cascade)', () => {
      for (const line of [1, 7, 8]) {
        expect(issues.filter((i) => i.file === conv && i.line === line)).toEqual([]);
      }
      for (const line of [1, 2, 3]) expect(issues.filter((i) => i.file === rub && i.line === line)).toEqual([]);
    });

    test('the error message lists every issue as file:line /pointer: message', () => {
      const err = new DataValidationError(issues);
      expect(err.message).toContain(`${conv}:3 /messages/1/role:`);
      expect(err.message.split('\n')).toHaveLength(issues.length);
    });
  });

  test('a directory without conversations/ and rubrics/ is a validation error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hb-empty-'));
    try {
      const issues = await issuesOf(dir);
      expect(issues).toHaveLength(1);
      expect(issues[0]?.message).toMatch(/conversations\/\*\.jsonl/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('openDataset: the official record format', () => {
  const good = 'test/fixtures/official-format/good.jsonl';
  const broken = 'test/fixtures/official-format/broken.jsonl';

  test('loads a .jsonl file of official records', async () => {
    const ds = await openDataset(good, ctx);
    expect(ds.name).toBe('good');
    expect(ds.officialSha256).toBe('unknown');
    expect(ds.ids).toEqual(['of-0001', 'of-0002', 'of-0003']);
    const examples = (await collect(ds)).map((i) => i.example);
    expect(examples[0]).toMatchObject({
      id: 'of-0001',
      language: null,
      ideal: null,
      tags: ['theme:emergency_referrals'],
      rubric: [
        {
          text: 'Advises firm direct pressure on the wound for at least ten minutes.',
          points: 6,
          tags: ['level:example', 'axis:accuracy'],
        },
        expect.anything(),
        { text: 'Recommends applying a tourniquet to the finger.', points: -7, tags: ['level:example', 'axis:accuracy'] },
      ],
    });
    expect(examples[1]?.ideal).toEqual({
      idealCompletion: 'At two years old a small spoonful of honey is fine and can ease a cough.',
      group: 'Group 2',
      refCompletions: [
        'Honey is safe after age one.',
        'Yes, honey can help.',
        'Try a teaspoon of honey before bed.',
        'Honey is fine for a two-year-old.',
      ],
    });
    expect(examples[1]?.messages).toHaveLength(3);
    expect(examples[2]?.messages[0]).toEqual({ role: 'system', content: 'You answer briefly.' });
    expect(examples[2]?.ideal).toBeNull();
  });

  test('its sha256 is the hash of the file bytes', async () => {
    const { createHash } = await import('node:crypto');
    const bytes = await readFile(join(ROOT, good));
    const ds = await openDataset(good, ctx);
    expect(ds.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  test('a broken file lists every problem with its line and pointer', async () => {
    const issues = await issuesOf(broken);
    expect(issues).toContainEqual(expect.objectContaining({ file: broken, line: 2, pointer: '', message: expect.stringMatching(/JSON/) }));
    expect(issues).toContainEqual(
      expect.objectContaining({ file: broken, line: 3, pointer: '/rubrics', message: expect.stringContaining('rubrics') }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({ file: broken, line: 4, pointer: '/prompt_id', message: expect.stringContaining('ob-0001') }),
    );
    expect(hasIssue(issues, broken, 5, (p) => p.startsWith('/prompt'))).toBe(true);
    expect(issues.filter((i) => i.line === 1 || i.line === 6)).toEqual([]);
  });

  describe('gzip', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'hb-gz-'));
      await writeFile(join(dir, 'good.jsonl.gz'), gzipSync(await readFile(join(ROOT, good))));
      await writeFile(join(dir, 'broken.jsonl.gz'), gzipSync(await readFile(join(ROOT, broken))));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    test('a .jsonl.gz file loads the same examples as the plain file', async () => {
      const gz = await openDataset(join(dir, 'good.jsonl.gz'), ctx);
      const plain = await openDataset(good, ctx);
      expect(gz.name).toBe('good');
      expect(gz.ids).toEqual(plain.ids);
      expect(await collect(gz)).toEqual(await collect(plain));
    });

    test('a broken .jsonl.gz file reports the same lines', async () => {
      const issues = await issuesOf('broken.jsonl.gz', dir);
      expect(new Set(issues.map((i) => i.line))).toEqual(new Set([2, 3, 4, 5]));
      expect(issues.every((i) => i.file === 'broken.jsonl.gz')).toBe(true);
    });
  });

  test('an empty file is a validation error, not an empty dataset', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hb-empty-file-'));
    try {
      await writeFile(join(dir, 'none.jsonl'), '\n\n');
      const issues = await issuesOf('none.jsonl', dir);
      expect(issues).toEqual([{ file: 'none.jsonl', line: 0, pointer: '', message: 'no records' }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('openDataset: names and paths', () => {
  test('an unknown dataset name is a UsageError naming the choices', async () => {
    const err: unknown = await openDataset('healthbench-easy', ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/unknown dataset 'healthbench-easy'.*demo/);
  });

  test('a missing path is a UsageError', async () => {
    const err: unknown = await openDataset('test/fixtures/nope.jsonl', ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/no such file/);
  });

  test('a file that is not .jsonl is a UsageError', async () => {
    const err: unknown = await openDataset('test/fixtures/official-format/README.md', ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
  });

  test('demo loads at least 24 examples, each with a rubric and a stated language', async () => {
    const ds = await openDataset('demo', ctx);
    expect(ds.name).toBe('demo');
    expect(ds.ids.length).toBeGreaterThanOrEqual(24);
    const examples = (await collect(ds)).map((i) => i.example);
    expect(examples).toHaveLength(ds.ids.length);
    for (const e of examples) {
      expect(e.rubric.length).toBeGreaterThan(0);
      expect(e.messages.at(-1)?.role).toBe('user');
      expect(e.tags.filter((t) => t.startsWith('theme:'))).toHaveLength(1);
    }
  });
});
