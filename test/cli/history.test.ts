import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startFakeProvider, type FakeProvider } from '../../src/testing/index.js';
import { captureIo } from '../support/cli-io.js';

const MODELS = ['--model', 'openai:demo-model', '--grader', 'openai:demo-grader'];

let tmp: string;
let dropped: FakeProvider;
let reseeded: FakeProvider;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hb-history-'));
  // The planted drop: the same candidate, judged by a grader that finds half as many rubric items met.
  dropped = await startFakeProvider({ metRate: 0.3 });
  // A repeat of the same model with other sampling randomness (another seed of the test double).
  reseeded = await startFakeProvider({ seed: 2 });
});
afterAll(async () => {
  await Promise.all([dropped.close(), reseeded.close()]);
  await rm(tmp, { recursive: true, force: true });
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo({ cwd: tmp, env: { OPENAI_API_KEY: 'test-key' } });
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

async function evalDemo(out: string, extra: string[]): Promise<void> {
  const r = await cli(['eval', '--dataset', 'demo', ...MODELS, '--out', out, ...extra]);
  expect(r.code, r.err).toBe(0);
}

const via = (f: FakeProvider): string[] => ['--base-url', f.openaiBaseUrl, '--grader-base-url', f.openaiBaseUrl];

describe('healthbench history', () => {
  test('finds runs recursively, groups them into series, prints the table and --json', async () => {
    await evalDemo('runs/nightly/2026-01-01', ['--fake-server', '--label', 'trigger=nightly']);
    await evalDemo('runs/nightly/2026-01-02', ['--fake-server']);
    await evalDemo('runs/other/model-b', ['--fake-server', '--model', 'openai:model-b']);
    await evalDemo('runs/shards/s1', ['--fake-server', '--shard', '1/2']);
    const r = await cli(['history', 'runs']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('## openai:demo-model on demo (healthbench)');
    expect(r.out).toContain('## openai:model-b on demo (healthbench)');
    expect(r.out).toMatch(/\| date \| run \| overall \| communication \| .* \| n \| errors \| cost \|/);
    expect(r.out).toMatch(
      /\| \d{4}-\d\d-\d\d \d\d:\d\d \| 2026-01-01 \| 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\] \| .* \| 30 \| 0 \| test double \|/,
    );
    expect(r.err).toMatch(/skipped .*s1: shard 1\/2/);
    const j = await cli(['history', 'runs', '--json']);
    const parsed = JSON.parse(j.out) as {
      series: Array<{
        identity: { candidate: string };
        runs: Array<{ runId: string; labels: Record<string, string>; overall: { n: number } }>;
      }>;
    };
    expect(parsed.series.map((s) => s.identity.candidate)).toEqual(['openai:demo-model', 'openai:model-b']);
    expect(parsed.series[0]?.runs.map((x) => x.runId)).toEqual(['2026-01-01', '2026-01-02']);
    expect(parsed.series[0]?.runs[0]?.labels).toEqual({ trigger: 'nightly' });
    expect((await cli(['history', 'nothing-here'])).code).toBe(2);
  });

  test('--alarm stays quiet on a repeat run of the same model (identical, and re-seeded)', async () => {
    const same = await cli(['history', 'runs', '--alarm']);
    expect(same.code, same.out).toBe(0);
    expect(same.out).toMatch(
      /2026-01-01 → 2026-01-02 \(paired bootstrap\)\n {7}overall: (0\.\d+) → \1 \(Δ \+0\.000, .*p 1\.0000, Holm 1\.0000\)/,
    );
    expect(same.out).toContain('No significant drop.');
    await cp(join(tmp, 'runs/nightly/2026-01-01'), join(tmp, 'repeat/2026-01-01'), { recursive: true });
    await evalDemo('repeat/2026-01-02-reseeded', via(reseeded));
    const reseededRun = await cli(['history', 'repeat', '--alarm']);
    expect(reseededRun.code, reseededRun.out).toBe(0);
    expect(reseededRun.out).toMatch(/overall: 0\.\d+ → 0\.\d+ \(Δ [-+]0\.\d+, 95% CI .* 30 prompts; p 0\.\d+, Holm 0\.\d+\)/);
  });

  test('--alarm fires on a planted drop (exit 1), naming the series, group and runs; also against --baseline', async () => {
    await evalDemo('runs/nightly/2026-01-03', via(dropped));
    const r = await cli(['history', 'runs', '--alarm']);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(
      /ALARM: significant drop in overall: 0\.\d+ → 0\.\d+ \(Δ -0\.\d+, 95% CI \[-0\.\d+, -0\.\d+\], 30 prompts; p 0\.\d+, Holm 0\.\d+\)/,
    );
    expect(r.out).toMatch(/series healthbench \| demo@[0-9a-f]{12} \| openai:demo-model .*runs 2026-01-02 → 2026-01-03/);
    // Two series were compared (model-b has one run only): Holm over both series' tested groups.
    expect(r.out).toMatch(/Drift check: 1 series compared/);
    const base = await cli(['history', 'runs', '--alarm', '--baseline', 'runs/nightly/2026-01-01']);
    expect(base.code).toBe(1);
    expect(base.out).toContain('2026-01-01 → 2026-01-03 (paired bootstrap)');
    const foreign = new URL('../fixtures/runs/base', import.meta.url).pathname;
    const wrong = await cli(['history', 'runs', '--alarm', '--baseline', foreign]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/--baseline .*: no run in the history has its dataset, candidate, grader and template/);
  });

  test('--html writes one self-contained trend page with a CI band per theme', async () => {
    const r = await cli(['history', 'runs', '--alarm', '--html', 'trend.html']);
    expect(r.code).toBe(1);
    const html = await readFile(join(tmp, 'trend.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|https?:\/\/|<link/);
    expect(html.match(/<polygon class="band"/g)?.length).toBeGreaterThanOrEqual(8);
    expect(html).toContain('overall — DROP');
    expect(html).toContain('emergency_referrals');
  });
});

describe('diff --correction holm', () => {
  test('adds Holm-adjusted p-values and says so in the Markdown', async () => {
    const r = await cli(['diff', 'runs/nightly/2026-01-02', 'runs/nightly/2026-01-03', '--correction', 'holm', '--json']);
    expect(r.code).toBe(0);
    const diff = JSON.parse(r.out) as { correction: string; groups: Array<{ group: string; pAdjusted: number | null; direction: string }> };
    expect(diff.correction).toBe('holm');
    expect(diff.groups.find((g) => g.group === 'overall')?.pAdjusted).toBeLessThan(0.05);
    const md = await cli(['diff', 'runs/nightly/2026-01-02', 'runs/nightly/2026-01-03', '--correction', 'holm', '--fail-on-regression']);
    expect(md.code).toBe(1);
    expect(md.out).toMatch(/significant = Holm-adjusted bootstrap p below 0\.05 across the \d+ groups with at least 6 prompts/);
    expect((await cli(['diff', 'runs/nightly/2026-01-02', 'runs/nightly/2026-01-03', '--correction', 'bonferroni'])).code).toBe(2);
  });
});
