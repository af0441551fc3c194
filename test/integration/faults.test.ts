/**
 * Faults, rate limits, bad input, cache and grader integrity, in process through `main()` (the same code path as
 * the CLI) against the fake provider over real HTTP and the real SDKs.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { startFakeProvider, type FakeProvider, type FakeProviderOptions, type FakeRequest } from '../../src/testing/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEY = 'test-key-faults';

let tmp = '';

type Json = Record<string, unknown>;

interface Criterion {
  text: string;
  points: number;
}

/** Writes an own-format dataset of `n` conversations `syn-NN`, each with the criteria `criteria(id)` gives. */
async function writeDataset(
  dir: string,
  n: number,
  criteria: (id: string) => Criterion[] = (id) => [5, 3, -4, 2].map((points, k) => ({ text: `Criterion ${k} of ${id}: mentions point ${k}.`, points })),
  userText: (id: string) => string = (id) => `[conv ${id}] My ankle has been swollen for two days. What should I do?`,
): Promise<string> {
  await mkdir(join(dir, 'conversations'), { recursive: true });
  await mkdir(join(dir, 'rubrics'), { recursive: true });
  const ids = Array.from({ length: n }, (_, i) => `syn-${String(i).padStart(2, '0')}`);
  const conv = ids.map((id) => JSON.stringify({ id, messages: [{ role: 'user', content: userText(id) }], language: 'en', tags: ['theme:hedging'] }));
  const rub = ids.map((id) =>
    JSON.stringify({
      conversationId: id,
      criteria: criteria(id).map((c) => ({ ...c, tags: ['level:example', 'axis:accuracy'] })),
    }),
  );
  await writeFile(join(dir, 'conversations', 'syn.jsonl'), `${conv.join('\n')}\n`);
  await writeFile(join(dir, 'rubrics', 'syn.jsonl'), `${rub.join('\n')}\n`);
  return dir;
}

interface CliResult {
  code: number;
  out: string;
  err: string;
}

async function cli(argv: string[], env: Record<string, string | undefined> = { OPENAI_API_KEY: KEY }): Promise<CliResult> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env, cwd: tmp, isTTY: false };
  const code = await main(argv, io);
  return { code, out, err };
}

function evalArgs(fake: FakeProvider, dataset: string, out: string, extra: string[] = []): string[] {
  return [
    'eval',
    '--dataset', dataset,
    '--model', 'openai:cand-model',
    '--grader', 'openai:grader-model',
    '--base-url', fake.openaiBaseUrl,
    '--grader-base-url', fake.openaiBaseUrl,
    '--concurrency', '8',
    '--max-retries', '6',
    '--timeout', '5',
    '--log-level', 'silent',
    '--out', out,
    ...extra,
  ];
}

async function readJson(path: string): Promise<Json> {
  return JSON.parse(await readFile(path, 'utf8')) as Json;
}

interface ReportLike {
  overall: { n: number; errors: number; score: number };
  errors: Array<{ exampleId: string; stage: string; message: string }>;
}

async function readReport(runDir: string): Promise<ReportLike & Json> {
  return (await readJson(join(runDir, 'report.json'))) as ReportLike & Json;
}

async function comparableReport(runDir: string): Promise<Json> {
  const r: Json = await readReport(runDir);
  delete r['runId'];
  delete r['createdAt'];
  return r;
}

async function sampleLines(runDir: string): Promise<Json[]> {
  const text = await readFile(join(runDir, 'samples.jsonl'), 'utf8');
  // Every line must parse: JSON.parse throws on a torn or corrupt record.
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Json);
}

/** `syn-NN` for a candidate request, `syn-NN#k` for a grader request about criterion k. */
function workOf(r: FakeRequest): string {
  const last = r.messages.at(-1)?.content ?? '';
  if (r.kind === 'grader') {
    const m = /^\[-?\d+\] Criterion (\d+) of (syn-\d+):/m.exec(last);
    return m ? `${m[2]}#${m[1]}` : 'grader?';
  }
  return /\[conv (syn-\d+)\]/.exec(last)?.[1] ?? 'candidate?';
}

const fakes: FakeProvider[] = [];
async function fake(opts: FakeProviderOptions = {}): Promise<FakeProvider> {
  const f = await startFakeProvider({ seed: 5, latencyMs: 2, ...opts });
  fakes.push(f);
  return f;
}

let data20 = '';

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hb-faults-'));
  data20 = await writeDataset(join(tmp, 'data20'), 20);
});

afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  await rm(tmp, { recursive: true, force: true });
});

const figures: Record<string, unknown> = {};
afterAll(() => {
  console.info(`issue 3 figures: ${JSON.stringify(figures)}`);
});

describe('faults', () => {
  test('with 10% HTTP 500s and 5% connection resets no sample is lost', async () => {
    const f = await fake({ faults: { status500Rate: 0.1, resetRate: 0.05 } });
    const out = join(tmp, 'faults');
    const r = await cli(evalArgs(f, data20, out));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = await readReport(out);
    figures['samplesLostUnderFaults'] = 20 - report.overall.n;
    expect(report.overall.n).toBe(20);
    expect(report.overall.errors).toBe(0);
    expect(report.errors).toEqual([]);
    // The faults really happened, and every one was retried.
    const byStatus = f.stats().byStatus;
    figures['faultsInjected'] = { http500: byStatus['500'], resets: byStatus['reset'] };
    expect(byStatus['500']).toBeGreaterThan(5);
    expect(byStatus['reset']).toBeGreaterThan(0);
    expect(byStatus['200']).toBe(100);
  });

  test('requests that hang past --timeout are abandoned and retried; the run completes', async () => {
    const hung = new Set<string>();
    const f = await fake({
      // The first attempt of one candidate call and of two grader calls never gets an answer.
      script: (r) => {
        const work = workOf(r);
        if (['syn-03', 'syn-07#1', 'syn-11#2'].includes(work) && !hung.has(work)) {
          hung.add(work);
          return { kind: 'hang' };
        }
        return undefined;
      },
    });
    const out = join(tmp, 'hangs');
    const started = Date.now();
    const r = await cli(evalArgs(f, data20, out, ['--timeout', '0.3', '--max-retries', '2']));
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    const report = await readReport(out);
    expect(report.overall.n).toBe(20);
    expect(report.overall.errors).toBe(0);
    expect(f.stats().byStatus['hang']).toBe(3);
    for (const work of hung) expect(f.requests.filter((q) => workOf(q) === work)).toHaveLength(2);
  });

  test('a verdict that never becomes valid is a grader error: listed, excluded from n, never "not met"', async () => {
    const data = await writeDataset(join(tmp, 'never-valid-data'), 20, (id) =>
      [5, 3, -4, 2].map((points, k) => ({ text: `Criterion ${k} of ${id}: ${id === 'syn-05' && k === 1 ? '[[never-valid]] ' : ''}mentions point ${k}.`, points })),
    );
    const f = await fake();
    const out = join(tmp, 'never-valid');
    const r = await cli(evalArgs(f, data, out, ['--max-errors', '1']));
    expect(r.code).toBe(0);
    const report = await readReport(out);
    expect(report.overall.n).toBe(19);
    expect(report.overall.errors).toBe(1);
    expect(report.errors).toEqual([expect.objectContaining({ exampleId: 'syn-05', stage: 'grader' })]);
    const bad = (await sampleLines(out)).find((s) => s['exampleId'] === 'syn-05');
    expect(bad?.['score']).toBeNull();
    expect((bad?.['criteria'] as Json[])[1]).toMatchObject({ met: null, attempts: 3 });
  });

  test('--max-errors 0: the first error fails the run with exit 3, records stay valid, and the directory resumes', async () => {
    const data = await writeDataset(join(tmp, 'budget-data'), 20, (id) =>
      [5, 3, -4, 2].map((points, k) => ({ text: `Criterion ${k} of ${id}: ${id === 'syn-05' && k === 1 ? '[[never-valid]] ' : ''}mentions point ${k}.`, points })),
    );
    const f = await fake();
    const out = join(tmp, 'budget');
    const r = await cli(evalArgs(f, data, out, ['--max-errors', '0']));
    expect(r.code).toBe(3);
    expect(r.err).toContain('--max-errors');
    expect(r.err).toContain('resumable');
    const run = await readJson(join(out, 'run.json'));
    expect(run['status']).toBe('failed');
    expect(existsSync(join(out, 'report.json'))).toBe(false);
    const written = await sampleLines(out);
    expect(written.some((s) => s['exampleId'] === 'syn-05' && s['error'] !== null)).toBe(true);
    const done = new Set(written.filter((s) => s['error'] === null).map((s) => String(s['exampleId'])));

    // Same flags, a grader that now answers that item: the run resumes, redoing only what was not finished.
    const fixed = await fake({ neverValidMarker: '[[no-such-marker]]' });
    const again = await cli(evalArgs(fixed, data, out, ['--max-errors', '0']));
    expect(again.code).toBe(0);
    const report = await readReport(out);
    expect(report.overall.n).toBe(20);
    expect(report.overall.errors).toBe(0);
    expect(fixed.requests.filter((q) => done.has(workOf(q).split('#')[0] ?? ''))).toEqual([]);
  });

  test('an error reply of a failed candidate call is never graded as a response', async () => {
    const f = await fake({
      script: (r) =>
        workOf(r) === 'syn-07' ? { kind: 'status', status: 500, body: { error: { message: 'upstream exploded', type: 'server_error', param: null, code: null } } } : undefined,
    });
    const out = join(tmp, 'candidate-error');
    const r = await cli(evalArgs(f, data20, out, ['--max-retries', '1', '--max-errors', '100%']));
    expect(r.code).toBe(0);
    const report = await readReport(out);
    expect(report.overall.n).toBe(19);
    expect(report.errors).toEqual([expect.objectContaining({ exampleId: 'syn-07', stage: 'candidate' })]);
    const graderPrompts = f.requests.filter((q) => q.kind === 'grader').map((q) => q.messages.at(-1)?.content ?? '');
    expect(graderPrompts.filter((p) => p.includes('[conv syn-07]') || p.includes('upstream exploded'))).toEqual([]);
    const bad = (await sampleLines(out)).find((s) => s['exampleId'] === 'syn-07');
    expect(bad).toMatchObject({ response: null, score: null, error: { stage: 'candidate', cause: 'HTTP 500' } });
  });
});

describe('rate limits', () => {
  test('a 429 storm pauses and narrows the shared gate (peak in-flight drops), and the run completes', async () => {
    let limited = 0;
    // In flight at the server when each request arrived, by arrival index.
    const inFlightAt: number[] = [];
    const holder: { f: FakeProvider | null } = { f: null };
    const f = await fake({
      latencyMs: 20,
      // Requests 40..59 are refused with a short retry-after; everything else is served.
      script: (r) => {
        inFlightAt[r.index] = holder.f?.stats().inFlight ?? 0;
        if (r.index < 40 || r.index >= 60) return undefined;
        limited += 1;
        return { kind: 'status', status: 429, headers: { 'retry-after-ms': '100', 'retry-after': '1' } };
      },
    });
    holder.f = f;
    const out = join(tmp, 'storm');
    const r = await cli(evalArgs(f, data20, out, ['--concurrency', '16']));
    expect(r.code).toBe(0);
    const report = await readReport(out);
    expect(report.overall.n).toBe(20);
    expect(report.overall.errors).toBe(0);
    expect(limited).toBe(20);
    expect(f.requests.length).toBe(120);
    const peak = (from: number, to: number): number => Math.max(...inFlightAt.slice(from, to));
    const before = peak(0, 40);
    // The 20 requests after the storm: the gate has halved its limit per 429 and ramps back up one slot at a time.
    const after = peak(60, 80);
    figures['stormPeakInFlight'] = { before, after, atEnd: peak(100, 120) };
    expect(before).toBe(16);
    // At most half of --concurrency: after 20 halvings the limit is 1, and ~20 successes grow it to about 6.
    expect(after).toBeLessThanOrEqual(8);
  });

  test('under --rpm R the run proceeds at >= 95% of R with no failed samples and never exceeds the cap', async () => {
    // HEALTHBENCH_RATE_WINDOW_MS shortens the gate's window from 60 s to 1 s, so "per minute" reads "per second".
    const windowMs = 1000;
    const rpm = 25;
    const data = await writeDataset(join(tmp, 'data60'), 60);
    const arrivals: number[] = [];
    const f = await fake({
      latencyMs: 10,
      script: () => {
        arrivals.push(Date.now());
        return undefined;
      },
    });
    const out = join(tmp, 'rpm');
    const r = await cli(evalArgs(f, data, out, ['--rpm', String(rpm), '--concurrency', '32']), {
      OPENAI_API_KEY: KEY,
      HEALTHBENCH_RATE_WINDOW_MS: String(windowMs),
    });
    expect(r.code).toBe(0);
    const report = await readReport(out);
    expect(report.overall.n).toBe(60);
    expect(report.overall.errors).toBe(0);
    const n = arrivals.length;
    expect(n).toBe(300);
    const first = arrivals[0] ?? 0;
    const last = arrivals[n - 1] ?? 0;
    expect(last - first).toBeGreaterThanOrEqual(10 * windowMs);
    // Windows used: from the first request to the last, plus the last window's own budget. A perfect limiter
    // sends N = k·R requests in exactly k windows, so this is 1.0 at best.
    const fraction = n / rpm / ((last - first) / windowMs + 1);
    figures['rpmThroughputFraction'] = Number(fraction.toFixed(4));
    expect(fraction).toBeGreaterThanOrEqual(0.95);
    // The cap holds: measured the same way, never more than R per window (a little slack for arrival jitter:
    // the fake shares this process's event loop, so arrival times lag the gate's start times).
    expect(fraction).toBeLessThanOrEqual(1.02);
    expect(f.stats().byStatus['429']).toBeUndefined();
  });

  test('time spent waiting for the rate gate does not count against --timeout: a tight cap fails no sample', async () => {
    // 50 requests at 10 per 1 s window with 16 workers: most wait several seconds for a slot, far past --timeout 1.
    const data = await writeDataset(join(tmp, 'data10'), 10);
    const f = await fake({ latencyMs: 5 });
    const out = join(tmp, 'rpm-timeout');
    const r = await cli(evalArgs(f, data, out, ['--rpm', '10', '--concurrency', '16', '--timeout', '1', '--max-retries', '1', '--max-errors', '100%']), {
      OPENAI_API_KEY: KEY,
      HEALTHBENCH_RATE_WINDOW_MS: '1000',
    });
    expect(r.code).toBe(0);
    const report = await readReport(out);
    expect(report.errors).toEqual([]);
    expect(report.overall.n).toBe(10);
    // Each call reached the server exactly once: no attempt was burnt in the queue.
    expect(f.requests).toHaveLength(50);
  });
});
