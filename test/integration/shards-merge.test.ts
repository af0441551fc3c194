import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { RunRecord } from '../../src/core/records.js';
import { captureIo } from '../support/cli-io.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const DEMO = ['--dataset', 'demo', '--model', 'openai:demo-model', '--grader', 'openai:demo-grader', '--fake-server'];

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hb-shards-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo({ cwd: tmp });
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

async function json<T = Record<string, unknown>>(...parts: string[]): Promise<T> {
  return JSON.parse(await readFile(join(tmp, ...parts), 'utf8')) as T;
}

/** Every number in a value, with its path. */
function numbers(value: unknown, path = ''): Array<[string, number]> {
  if (typeof value === 'number') return [[path, value]];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => numbers(v, `${path}/${k}`));
  return [];
}

/** The merged report equals the whole run's in every field but its identity (run id, date). */
async function expectSameReport(wholeDir: string, mergedDir: string): Promise<void> {
  const whole = await json(wholeDir, 'report.json');
  const merged = await json(mergedDir, 'report.json');
  expect(Object.keys(merged)).toEqual(Object.keys(whole));
  for (const key of Object.keys(whole)) {
    if (key === 'runId' || key === 'createdAt') continue;
    expect(merged[key], key).toEqual(whole[key]);
  }
  // Bit for bit: every figure, bootstrap std and CI bound included, is the identical double.
  const a = numbers({ ...whole, runId: 0, createdAt: 0 });
  const b = numbers({ ...merged, runId: 0, createdAt: 0 });
  expect(b.map(([p]) => p)).toEqual(a.map(([p]) => p));
  const worst = Math.max(0, ...a.map(([, x], i) => Math.abs(x - (b[i]?.[1] ?? NaN))));
  expect(worst).toBeLessThanOrEqual(1e-12);
  expect(b.every(([, x], i) => Object.is(x, a[i]?.[1]))).toBe(true);
  expect(a.length).toBeGreaterThan(10);
}

describe('eval --shard and merge', () => {
  test('demo: three shards merged equal the whole run, bootstrap CIs included', async () => {
    expect((await cli(['eval', ...DEMO, '--out', 'demo-whole'])).code).toBe(0);
    for (const i of [1, 2, 3]) {
      const r = await cli(['eval', ...DEMO, '--shard', `${i}/3`, '--out', `demo-s${i}`, '--label', `shard=${i}`]);
      expect(r.code, r.err).toBe(0);
    }
    const shards = await Promise.all([1, 2, 3].map((i) => json<RunRecord>(`demo-s${i}`, 'run.json')));
    expect(shards.map((s) => s.shard?.examples).reduce((a, b) => (a ?? 0) + (b ?? 0), 0)).toBe(30);
    expect(shards.map((s) => s.config.shard)).toEqual([1, 2, 3].map((index) => ({ index, count: 3 })));
    expect(shards[0]?.audit?.labels).toEqual({ shard: '1' });
    const merged = await cli(['merge', 'demo-s3', 'demo-s1', 'demo-s2', '--out', 'demo-merged']);
    expect(merged.code, merged.err).toBe(0);
    expect(merged.out).toContain('merged 3 shard(s)');
    await expectSameReport('demo-whole', 'demo-merged');
    const run = await json<RunRecord>('demo-merged', 'run.json');
    expect(run.config).toEqual((await json<RunRecord>('demo-whole', 'run.json')).config);
    expect(run.mergedFrom?.map((m) => m.shard.index)).toEqual([1, 2, 3]);
    const files = Object.keys((await json<{ files: Record<string, unknown> }>('demo-merged', 'manifest.json')).files);
    expect(files).toEqual(['report.html', 'report.json', 'report.md', 'run.json', 'samples.jsonl', 'selection.json']);
    expect((await cli(['verify', 'demo-merged'])).code).toBe(0);
  });

  test('fixture (HealthBench file, 3 examples × 4 repeats, length-adjusted, one shard may be empty): merged equals whole', async () => {
    const data = join(ROOT, 'test/fixtures/official-format/good.jsonl');
    const args = ['--dataset', data, '--model', 'openai:m', '--grader', 'openai:g', '--fake-server', '--repeats', '4', '--seed', '7'];
    args.push('--length-adjustment-center', '300', '--length-adjustment-penalty', '0.05');
    expect((await cli(['eval', ...args, '--out', 'hb-whole'])).code).toBe(0);
    for (const i of [1, 2, 3]) expect((await cli(['eval', ...args, '--shard', `${i}/3`, '--out', `hb-s${i}`])).code).toBe(0);
    expect((await cli(['merge', 'hb-s1', 'hb-s2', 'hb-s3', '--out', 'hb-merged'])).code).toBe(0);
    await expectSameReport('hb-whole', 'hb-merged');
    expect((await json('hb-merged', 'report.json'))['lengthAdjustment']).toBeTruthy();
  });

  test('fixture (MedCalc-Bench CSV, --limit 40, 2 repeats): merged equals whole', async () => {
    const data = join(ROOT, 'test/fixtures/medcalc/small.csv');
    const args = ['--dataset', data, '--model', 'openai:calc', '--fake-server', '--limit', '40', '--repeats', '2'];
    expect((await cli(['eval', ...args, '--out', 'mc-whole'])).code).toBe(0);
    for (const i of [1, 2, 3]) expect((await cli(['eval', ...args, '--shard', `${i}/3`, '--out', `mc-s${i}`])).code).toBe(0);
    expect((await cli(['merge', 'mc-s1', 'mc-s2', 'mc-s3', '--out', 'mc-merged'])).code).toBe(0);
    await expectSameReport('mc-whole', 'mc-merged');
  });

  test('fixture (meta-eval, grader vs physicians): merged equals whole', async () => {
    const args = ['--dataset', join(ROOT, 'test/fixtures/meta/meta-small.jsonl'), '--grader', 'openai:g', '--fake-server'];
    expect((await cli(['meta-eval', ...args, '--out', 'meta-whole'])).code).toBe(0);
    for (const i of [1, 2, 3]) expect((await cli(['meta-eval', ...args, '--shard', `${i}/3`, '--out', `meta-s${i}`])).code).toBe(0);
    const r = await cli(['merge', 'meta-s1', 'meta-s2', 'meta-s3', '--out', 'meta-merged']);
    expect(r.code, r.err).toBe(0);
    await expectSameReport('meta-whole', 'meta-merged');
    expect((await cli(['verify', 'meta-merged'])).code).toBe(0);
  });

  test('overlap, a missing shard and shards of another evaluation are refused with exit 2', async () => {
    const twice = await cli(['merge', 'demo-s1', 'demo-s1', 'demo-s3', '--out', 'x1']);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/shard 1\/3 given twice/);
    const gap = await cli(['merge', 'demo-s1', 'demo-s3', '--out', 'x2']);
    expect(gap.code).toBe(2);
    expect(gap.err).toMatch(/shard\(s\) 2\/3 missing \(\d+ of 30 examples\).*--allow-partial/);
    expect((await cli(['eval', ...DEMO, '--shard', '2/3', '--seed', '5', '--out', 'demo-s2-seed5'])).code).toBe(0);
    const other = await cli(['merge', 'demo-s1', 'demo-s2-seed5', 'demo-s3', '--out', 'x3']);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/not a shard of the same evaluation[\s\S]*seed: 42 → 5/);
    expect((await cli(['eval', ...DEMO, '--shard', '1/2', '--out', 'demo-half'])).code).toBe(0);
    const count = await cli(['merge', 'demo-half', 'demo-s2', 'demo-s3', '--out', 'x4']);
    expect(count.code).toBe(2);
    expect(count.err).toMatch(/one of 2/);
    const notShard = await cli(['merge', 'demo-whole', 'demo-s2', '--out', 'x5']);
    expect(notShard.code).toBe(2);
    expect(notShard.err).toMatch(/is not a shard run/);
    // A hand-made overlap: an example copied into another shard's samples.
    await cp(join(tmp, 'demo-s2'), join(tmp, 'demo-s2-dup'), { recursive: true });
    const foreign = (await readFile(join(tmp, 'demo-s1', 'samples.jsonl'), 'utf8')).split('\n')[0];
    await writeFile(
      join(tmp, 'demo-s2-dup', 'samples.jsonl'),
      `${await readFile(join(tmp, 'demo-s2', 'samples.jsonl'), 'utf8')}${foreign}\n`,
    );
    const dup = await cli(['merge', 'demo-s1', 'demo-s2-dup', 'demo-s3', '--out', 'x6']);
    expect(dup.code).toBe(2);
    expect(dup.err).toMatch(/is in both .*demo-s1 and .*demo-s2-dup/);
  });

  test('--allow-partial merges what is there and states the gap', async () => {
    const r = await cli(['merge', 'demo-s1', 'demo-s3', '--out', 'demo-partial', '--allow-partial']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/partial merge, shard\(s\) 2 missing/);
    const report = await json<{ notes: string[]; overall: { n: number } }>('demo-partial', 'report.json');
    expect(report.notes.join('\n')).toMatch(
      /PARTIAL MERGE: shard\(s\) 2\/3 missing, so \d+ of the 30 selected examples are not in these figures/,
    );
    expect(report.overall.n).toBeLessThan(30);
    expect((await json<RunRecord>('demo-partial', 'run.json')).error).toMatch(/partial merge/);
  });
});

describe('verify', () => {
  test('a fresh run verifies; an edited samples.jsonl is found (exit 1), naming the file and the figures', async () => {
    expect((await cli(['eval', ...DEMO, '--out', 'v-run'])).code).toBe(0);
    const ok = await cli(['verify', 'v-run']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/files: all 7 match manifest\.json[\s\S]*VERIFIED/);
    const manifest = await json<{ files: Record<string, unknown> }>('v-run', 'manifest.json');
    expect(Object.keys(manifest.files)).toEqual(
      ['journal.jsonl', 'report.html', 'report.json', 'report.md', 'run.json', 'samples.jsonl', 'selection.json'].sort(),
    );
    const path = join(tmp, 'v-run', 'samples.jsonl');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace(/"overall_score":[0-9.e-]+/, '"overall_score":1'));
    const bad = await cli(['verify', 'v-run']);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/CHANGED samples\.jsonl: sha256 [0-9a-f]{64}/);
    expect(bad.out).toMatch(/report\.json overall\.score: [0-9.]+ \(recorded\) ≠ [0-9.]+ \(rebuilt from samples\.jsonl\)/);
    expect(bad.out).toContain('NOT VERIFIED');
  });

  test('a run directory without a manifest cannot be verified (exit 2)', async () => {
    const r = await cli(['verify', join(ROOT, 'test/fixtures/runs/base')]);
    expect(r.code).toBe(2);
  });
});
