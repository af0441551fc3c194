import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ciOf, gitCommitOf, parseLabels } from '../../../src/runner/audit.js';
import { parseShard, shardOf } from '../../../src/runner/shard.js';

describe('shardOf', () => {
  test('is a fixed function of the id: pinned values', () => {
    // sha256("a") starts ca978112 → 3398926610; mod 3 = 2 → shard 3.
    expect(shardOf('a', 3)).toBe(3);
    expect(shardOf('a', 1)).toBe(1);
    expect([...Array(8).keys()].map((i) => shardOf(`ex-${i}`, 4))).toEqual([...Array(8).keys()].map((i) => shardOf(`ex-${i}`, 4)));
  });

  test('partitions: every id in exactly one of n shards, roughly balanced', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `prompt-${i}`);
    const sizes = [0, 0, 0];
    for (const id of ids) sizes[shardOf(id, 3) - 1] = (sizes[shardOf(id, 3) - 1] ?? 0) + 1;
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(3000);
    for (const s of sizes) expect(Math.abs(s - 1000)).toBeLessThan(120);
  });
});

describe('parseShard', () => {
  test('accepts i/n with 1 ≤ i ≤ n', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
  });
  test.each(['0/3', '4/3', '3', 'a/b', '1/0', '-1/2', '1/1001'])('refuses %s with the expected form', (text) => {
    expect(() => parseShard(text)).toThrow(/expected i\/n with 1 ≤ i ≤ n ≤ 1000, e\.g\. --shard 2\/3/);
  });
});

describe('parseLabels', () => {
  test('key=value pairs; the value may contain =', () => {
    expect(parseLabels(['trigger=nightly', 'query=a=b', 'empty='])).toEqual({ trigger: 'nightly', query: 'a=b', empty: '' });
  });
  test('refuses a missing key, a bad key and a key given twice', () => {
    expect(() => parseLabels(['=x'])).toThrow(/expected key=value/);
    expect(() => parseLabels(['novalue'])).toThrow(/expected key=value/);
    expect(() => parseLabels(['a b=1'])).toThrow(/expected key=value/);
    expect(() => parseLabels(['k=1', 'k=2'])).toThrow(/--label k given twice/);
  });
});

describe('audit', () => {
  test('ciOf reads GitHub Actions variables, marks other CIs, and is null outside CI', () => {
    expect(ciOf({ GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '42', GITHUB_SHA: 'abc', GITHUB_ACTOR: 'octo' })).toEqual({
      provider: 'github-actions',
      run_id: '42',
      sha: 'abc',
      actor: 'octo',
    });
    expect(ciOf({ CI: 'true' })).toEqual({ provider: 'unknown', ci: 'true' });
    expect(ciOf({})).toBeNull();
  });

  test('gitCommitOf follows HEAD through loose refs, packed refs and worktree pointers; null without .git', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hb-git-'));
    try {
      const sha1 = 'a'.repeat(40);
      const sha2 = 'b'.repeat(40);
      expect(await gitCommitOf(dir)).toBeNull();
      await mkdir(join(dir, 'repo/.git/refs/heads'), { recursive: true });
      await writeFile(join(dir, 'repo/.git/HEAD'), 'ref: refs/heads/main\n');
      await writeFile(join(dir, 'repo/.git/refs/heads/main'), `${sha1}\n`);
      expect(await gitCommitOf(join(dir, 'repo'))).toBe(sha1);
      await writeFile(join(dir, 'repo/.git/HEAD'), 'ref: refs/heads/packed\n');
      await writeFile(join(dir, 'repo/.git/packed-refs'), `# pack-refs\n${sha2} refs/heads/packed\n`);
      expect(await gitCommitOf(join(dir, 'repo'))).toBe(sha2);
      // A worktree: .git is a file naming its git dir, whose commondir holds the refs.
      await mkdir(join(dir, 'repo/.git/worktrees/wt'), { recursive: true });
      await writeFile(join(dir, 'repo/.git/worktrees/wt/HEAD'), 'ref: refs/heads/main\n');
      await writeFile(join(dir, 'repo/.git/worktrees/wt/commondir'), '../..\n');
      await mkdir(join(dir, 'wt'));
      await writeFile(join(dir, 'wt/.git'), `gitdir: ${join(dir, 'repo/.git/worktrees/wt')}\n`);
      expect(await gitCommitOf(join(dir, 'wt'))).toBe(sha1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
