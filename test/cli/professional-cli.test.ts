import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/cli-io.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const PRO = 'test/fixtures/professional/pro-small.jsonl';
const capture = () => captureIo({ env: {}, cwd: ROOT });

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  const code = await main(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

describe('healthbench eval: Professional, length adjustment and reasoning flags (CLI, in-process)', () => {
  it('a Professional file with --fake-server: default GPT-5.4 grader at low effort, adjusted score and use cases printed', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'hb-pro-cli-')), 'out');
    const r = await run(['eval', '--dataset', PRO, '--model', 'openai:gpt-5-mini', '--fake-server', '--out', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^length-adjusted \d\.\d{3} {2}95% CI \[/m);
    expect(r.out).toMatch(/^ {2}use case care_consult +\d\.\d{3} {2}n=2$/m);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as {
      grader: { spec: string; params: Record<string, unknown> };
    };
    expect(report.grader.spec).toBe('openai:gpt-5.4-2026-03-05');
    expect(report.grader.params).toMatchObject({ reasoningEffort: 'low', api: 'responses' });
    // The length-adjusted section is rebuilt from samples.jsonl like the rest of the report.
    const v = await run(['verify', dir]);
    expect(v.code).toBe(0);
    expect(v.out).toContain('VERIFIED');
  });

  it('--dry-run on Professional prices the default GPT-5.4 grader', async () => {
    const r = await run(['eval', '--dataset', PRO, '--model', 'openai:gpt-4.1-mini', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/grader openai:gpt-5\.4-2026-03-05: 17 calls/);
    expect(r.out).toContain(
      'not included: reasoning tokens of openai:gpt-5.4-2026-03-05 (effort low), billed as output; the cost above is a lower bound',
    );
  });

  it.each([
    [['--length-adjustment-center', '2000'], /--length-adjustment-center and --length-adjustment-penalty go together/],
    [['--length-adjustment-penalty', '0.01'], /go together/],
    [['--length-adjustment', 'published', '--length-adjustment-center', '1', '--length-adjustment-penalty', '1'], /contradict each other/],
    [['--length-adjustment', 'sometimes'], /--length-adjustment: expected one of published, none, got 'sometimes'/],
    [
      ['--length-adjustment-center=-5', '--length-adjustment-penalty', '0.01'],
      /--length-adjustment-center: expected a number ≥ 0, got '-5'/,
    ],
    [['--reasoning-effort', 'extreme'], /--reasoning-effort: expected one of none, minimal, low, medium, high, xhigh, got 'extreme'/],
    [['--api', 'completions'], /--api: expected one of auto, chat, responses, got 'completions'/],
  ])('bad flags %j are exit 2 with the fix named', async (extra, message) => {
    const r = await run(['eval', '--dataset', PRO, '--model', 'openai:gpt-5-mini', '--fake-server', ...extra]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('--api responses with an Anthropic model is exit 2', async () => {
    const r = await run(['eval', '--dataset', 'demo', '--model', 'anthropic:claude-x', '--api', 'responses', '--fake-server']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--api responses: the Responses API is OpenAI's/);
  });

  it('a record in neither layout is exit 2 with file:line and the fields it has', async () => {
    const r = await run(['eval', '--dataset', 'test/fixtures/professional/pro-bad.jsonl', '--model', 'openai:gpt-5-mini', '--fake-server']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('test/fixtures/professional/pro-bad.jsonl:2 /: record matches neither');
    expect(r.err).toContain('its fields are uuid, question, answers');
  });
});
