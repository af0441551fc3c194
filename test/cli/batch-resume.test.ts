/**
 * `eval --batch` in a child process (the real CLI, `dist/cli/main.js`) against the test double started here:
 * SIGKILL while the first batch runs, then resume, submits no request twice; Ctrl-C leaves the batches running
 * and says how to resume; `status DIR` shows them; `--cancel-batches` cancels them. Needs `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../../src/testing/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
let tmp = '';
const running: FakeProvider[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hb-batch-cli-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
});

interface Child {
  kill(signal: NodeJS.Signals): void;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function cli(args: string[]): Child {
  const env = { ...process.env, CI: '1', OPENAI_API_KEY: 'sk-test-batch-key-123456' };
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return {
    kill: (s) => child.kill(s),
    done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))),
  };
}

function evalArgs(f: FakeProvider, out: string): string[] {
  return [
    'eval',
    '--dataset',
    'demo',
    '--limit',
    '8',
    '--model',
    'openai:cand',
    '--grader',
    'openai:grader',
    '--base-url',
    f.openaiBaseUrl,
    '--grader-base-url',
    f.openaiBaseUrl,
    '--out',
    out,
    '--batch',
    '--batch-poll',
    '0.05',
  ];
}

/** Resolves once the run has journaled a submitted batch (the point where a kill must not lose it). */
async function firstBatchSubmitted(out: string): Promise<void> {
  const path = join(out, 'batches.jsonl');
  for (let i = 0; i < 600; i += 1) {
    if (existsSync(path) && readFileSync(path, 'utf8').includes('"submitted"')) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no batch was submitted');
}

describe('eval --batch across processes', () => {
  test('SIGKILL while the first batch runs, then resume: every request submitted once, every sample scored', async () => {
    const f = await startFakeProvider({ batchDelayMs: 2000 });
    running.push(f);
    const out = join(tmp, 'killed');
    const first = cli(evalArgs(f, out));
    await firstBatchSubmitted(out);
    first.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const submittedBefore = f.batchStats().items;
    const resumed = await cli(['eval', ...evalArgs(f, out).slice(1)]).done;
    expect(resumed.stderr).toContain('batch ');
    expect(resumed.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { overall: { n: number; errors: number } };
    expect(report.overall).toMatchObject({ n: 8, errors: 0 });
    const stats = f.batchStats();
    // The resumed run polled the killed run's batch instead of resubmitting it: no custom id arrived twice.
    expect(submittedBefore).toBeGreaterThan(0);
    expect(stats.duplicateCustomIds).toBe(0);
    expect(f.stats().total).toBe(0);
  });

  test('Ctrl-C leaves the batches running and says how to resume; status shows them; --cancel-batches cancels them', async () => {
    const f = await startFakeProvider({ batchDelayMs: 60_000 });
    running.push(f);
    const out = join(tmp, 'interrupted');
    const first = cli(evalArgs(f, out));
    await firstBatchSubmitted(out);
    first.kill('SIGINT');
    const stopped = await first.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/keep running at the provider \(batch_fake\d+\)/);
    expect(stopped.stderr).toContain(`--resume ${out}`);
    expect(stopped.stderr).toContain('--cancel-batches');

    const status = await cli(['status', out]).done;
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/candidate\s+batch_fake\d+\s+in_progress\s+\d+\/8 done\s+elapsed \S+\s+ETA /);

    const cancelled = await cli([...evalArgs(f, out), '--cancel-batches']).done;
    expect(cancelled.code).toBe(130);
    expect(cancelled.stderr).toContain('cancelled the run');
    expect(f.batchStats().cancelled).toBeGreaterThan(0);
    const after = await cli(['status', out]).done;
    expect(after.stdout).not.toContain('in_progress');
  });
});
