/**
 * Long runs survive: the real CLI (`dist/cli/main.js`) in a child process against the fake provider started here.
 * SIGKILL at several points then resume, torn lines, config refusal, faults, 429 storms, Ctrl-C, secrets.
 * Needs `npm run build` first (the `test` script does it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeProvider, type FakeProvider, type FakeProviderOptions, type FakeRequest } from '../../src/testing/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const SENTINEL = 'sk-test-SENTINEL-1234567890';
const CONVERSATIONS = 20;
const CRITERIA = 4;
const TOTAL_REQUESTS = CONVERSATIONS * (1 + CRITERIA);

let tmp = '';
let data = '';

/** An own-format dataset: `syn-NN` conversations, each with CRITERIA criteria whose text names its sample and index. */
async function writeSynthetic(
  dir: string,
  conversations = CONVERSATIONS,
  criterionText = (id: string, k: number) => `Criterion ${k} of ${id}: mentions point ${k}.`,
): Promise<string> {
  await mkdir(join(dir, 'conversations'), { recursive: true });
  await mkdir(join(dir, 'rubrics'), { recursive: true });
  const themes = ['hedging', 'communication', 'emergency_referrals'];
  const conv: string[] = [];
  const rub: string[] = [];
  for (let n = 0; n < conversations; n += 1) {
    const id = `syn-${String(n).padStart(2, '0')}`;
    conv.push(
      JSON.stringify({
        id,
        messages: [{ role: 'user', content: `[conv ${id}] I have had a headache for ${n + 1} days. What should I do?` }],
        language: 'en',
        tags: [`theme:${themes[n % themes.length] ?? 'hedging'}`],
      }),
    );
    const points = [5, 3, -4, 2];
    rub.push(
      JSON.stringify({
        conversationId: id,
        criteria: Array.from({ length: CRITERIA }, (_, k) => ({
          text: criterionText(id, k),
          points: points[k % points.length],
          tags: ['level:example', k % 2 === 0 ? 'axis:accuracy' : 'axis:completeness'],
        })),
      }),
    );
  }
  await writeFile(join(dir, 'conversations', 'syn.jsonl'), `${conv.join('\n')}\n`);
  await writeFile(join(dir, 'rubrics', 'syn.jsonl'), `${rub.join('\n')}\n`);
  return dir;
}

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, ms. */
  ms: number;
}

interface Spawned {
  child: ChildProcess;
  done: Promise<ChildResult>;
}

function spawnCli(args: string[], env: Record<string, string | undefined> = { OPENAI_API_KEY: SENTINEL }): Spawned {
  const started = Date.now();
  const fullEnv: Record<string, string | undefined> = { ...process.env, CI: '1', ...env };
  for (const [k, v] of Object.entries(fullEnv)) if (v === undefined) delete fullEnv[k];
  const child = spawn(process.execPath, [CLI, ...args], { cwd: tmp, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const done = new Promise<ChildResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, done };
}

/** A fake whose `script` can be swapped per run (to kill or signal the child at a given request). */
async function fakeWith(
  opts: FakeProviderOptions = {},
): Promise<{ fake: FakeProvider; onRequest: { fn: ((r: FakeRequest) => void) | null } }> {
  const onRequest: { fn: ((r: FakeRequest) => void) | null } = { fn: null };
  const fake = await startFakeProvider({
    seed: 11,
    latencyMs: 5,
    ...opts,
    script: (r) => {
      onRequest.fn?.(r);
      return opts.script?.(r);
    },
  });
  return { fake, onRequest };
}

function evalArgs(fake: FakeProvider, out: string, extra: string[] = [], dataset = data): string[] {
  return [
    'eval',
    '--dataset',
    dataset,
    '--model',
    'openai:cand-model',
    '--grader',
    'openai:grader-model',
    '--base-url',
    fake.openaiBaseUrl,
    '--grader-base-url',
    fake.openaiBaseUrl,
    '--concurrency',
    '4',
    '--max-retries',
    '2',
    '--timeout',
    '5',
    '--seed',
    '42',
    '--out',
    out,
    ...extra,
  ];
}

type Json = Record<string, unknown>;

async function readJson(path: string): Promise<Json> {
  return JSON.parse(await readFile(path, 'utf8')) as Json;
}

/** report.json without what legitimately differs between two runs of the same configuration. */
async function comparableReport(runDir: string): Promise<Json> {
  const report = await readJson(join(runDir, 'report.json'));
  delete report['runId'];
  delete report['createdAt'];
  return report;
}

async function readLines(path: string): Promise<Json[]> {
  if (!existsSync(path)) return [];
  const out: Json[] = [];
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as Json);
    } catch {
      // a line torn by SIGKILL: not finished work
    }
  }
  return out;
}

/** Which work a request is: `syn-NN` for a candidate call, `syn-NN#k` for the grader call of criterion k. */
function workOf(r: FakeRequest): string {
  const last = r.messages.at(-1)?.content ?? '';
  if (r.kind === 'grader') {
    const m = /^\[-?\d+\] Criterion (\d+) of (syn-\d+):/m.exec(last);
    if (!m) throw new Error(`unrecognised grader request: ${last.slice(-200)}`);
    return `${m[2]}#${m[1]}`;
  }
  const m = /\[conv (syn-\d+)\]/.exec(last);
  if (!m) throw new Error(`unrecognised candidate request: ${last.slice(0, 200)}`);
  return m[1] as string;
}

/** stderr without the plain progress lines a non-terminal run prints every 10 s (a slow machine may see one). */
function withoutProgress(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !l.startsWith('progress: '))
    .join('\n');
}

/** Finished work recorded in a run directory: candidate completions and grader verdicts that resume must not redo. */
async function finishedWork(runDir: string): Promise<Set<string>> {
  const done = new Set<string>();
  for (const s of await readLines(join(runDir, 'samples.jsonl'))) {
    if (s['error'] !== null) continue;
    const id = String(s['exampleId']);
    done.add(id);
    for (let k = 0; k < CRITERIA; k += 1) done.add(`${id}#${k}`);
  }
  for (const e of await readLines(join(runDir, 'journal.jsonl'))) {
    const id = String(e['exampleId']);
    done.add(e['t'] === 'completion' ? id : `${id}#${String(e['i'])}`);
  }
  return done;
}

let baselineReport: Json;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hb-long-'));
  data = await writeSynthetic(join(tmp, 'data'));
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run `npm run build` first');
  // The uninterrupted run every resumed run is compared with.
  const { fake } = await fakeWith();
  try {
    const r = await spawnCli(evalArgs(fake, join(tmp, 'baseline'))).done;
    expect(withoutProgress(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    expect(fake.requests).toHaveLength(TOTAL_REQUESTS);
    baselineReport = await comparableReport(join(tmp, 'baseline'));
  } finally {
    await fake.close();
  }
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('resume after SIGKILL', () => {
  const repeated: Record<string, number> = {};

  test.each([5, 25, 60])(
    'killed after %s percent of the requests, the rerun finishes the same report without repeating finished work',
    async (pct) => {
      const { fake, onRequest } = await fakeWith();
      const out = join(tmp, `killed-${pct}`);
      try {
        const killAt = Math.round((TOTAL_REQUESTS * pct) / 100);
        const first = spawnCli(evalArgs(fake, out));
        onRequest.fn = () => {
          if (fake.requests.length >= killAt) first.child.kill('SIGKILL');
        };
        const killed = await first.done;
        expect(killed.signal).toBe('SIGKILL');
        onRequest.fn = null;
        expect(existsSync(join(out, 'report.json'))).toBe(false);
        expect((await readJson(join(out, 'run.json')))['status']).toBe('running');

        const finished = await finishedWork(out);
        expect(finished.size).toBeGreaterThan(0);
        const before = fake.requests.length;
        const finishedShas = new Set(fake.requests.filter((r) => finished.has(workOf(r))).map((r) => r.bodySha256));

        const second = await spawnCli(evalArgs(fake, out)).done;
        expect(withoutProgress(second.stderr)).toBe('');
        expect(second.code).toBe(0);
        const resumed = fake.requests.slice(before);
        const redone = resumed.filter((r) => finished.has(workOf(r)) || finishedShas.has(r.bodySha256));
        repeated[`${pct}%`] = redone.length;
        expect(redone.map(workOf)).toEqual([]);
        // Everything not finished before the kill was requested in the rerun.
        expect(new Set(resumed.map(workOf)).size).toBe(TOTAL_REQUESTS - finished.size);
        expect(await comparableReport(out)).toEqual(baselineReport);
        const run = await readJson(join(out, 'run.json'));
        expect(run['status']).toBe('completed');
        expect(run['attempts']).toBe(2);
        // Once more on the finished directory: nothing left to request, the same report.
        const sent = fake.requests.length;
        const third = await spawnCli(evalArgs(fake, out)).done;
        expect(third.code).toBe(0);
        expect(fake.requests.length).toBe(sent);
        expect(await comparableReport(out)).toEqual(baselineReport);
      } finally {
        await fake.close();
      }
    },
  );

  test('a torn final line of samples.jsonl is dropped and the run resumes to the same report', async () => {
    const { fake, onRequest } = await fakeWith();
    const out = join(tmp, 'torn');
    try {
      const first = spawnCli(evalArgs(fake, out));
      onRequest.fn = () => {
        if (fake.requests.length >= TOTAL_REQUESTS / 2) first.child.kill('SIGKILL');
      };
      await first.done;
      onRequest.fn = null;
      const samplesPath = join(out, 'samples.jsonl');
      const lines = (await readFile(samplesPath, 'utf8')).split('\n').filter(Boolean);
      expect(lines.length).toBeGreaterThan(0);
      // Half of a record of a sample that is not in the file: as if the crash hit mid-append.
      const done = new Set(lines.map((l) => String((JSON.parse(l) as Json)['exampleId'])));
      const missing = Array.from({ length: CONVERSATIONS }, (_, n) => `syn-${String(n).padStart(2, '0')}`).find((id) => !done.has(id));
      const whole = (lines[0] ?? '').replace(/"exampleId":"syn-\d+"/, `"exampleId":"${missing ?? 'syn-99'}"`);
      await appendFile(samplesPath, whole.slice(0, Math.floor(whole.length / 2)));

      const second = await spawnCli(evalArgs(fake, out, ['--log-level', 'warn'])).done;
      expect(second.code).toBe(0);
      expect(second.stderr).toContain('cut short by an earlier crash');
      expect(await comparableReport(out)).toEqual(baselineReport);
      // The file is whole again: every line parses.
      for (const line of (await readFile(samplesPath, 'utf8')).split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
    } finally {
      await fake.close();
    }
  });

  test('a different configuration on the same --out is refused with exit 2 naming the difference, the directory untouched', async () => {
    const { fake, onRequest } = await fakeWith();
    const out = join(tmp, 'refused');
    try {
      const first = spawnCli(evalArgs(fake, out));
      onRequest.fn = () => {
        if (fake.requests.length >= 30) first.child.kill('SIGKILL');
      };
      await first.done;
      onRequest.fn = null;
      const snapshot = async (): Promise<Record<string, string>> =>
        Object.fromEntries(await Promise.all((await readdir(out)).map(async (f) => [f, await readFile(join(out, f), 'utf8')] as const)));
      const before = await snapshot();
      const sent = fake.requests.length;
      const r = await spawnCli(evalArgs(fake, out, ['--seed', '43', '--grader-attempts', '2'])).done;
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('different configuration');
      expect(r.stderr).toContain('seed: 42 → 43');
      expect(r.stderr).toContain('graderAttempts: 3 → 2');
      expect(await snapshot()).toEqual(before);
      expect(fake.requests.length).toBe(sent);
    } finally {
      await fake.close();
    }
  });

  afterAll(() => {
    // Figures for the closing note of issue 3.
    console.info(`requests repeated after resume: ${JSON.stringify(repeated)}`);
  });
});

describe('Ctrl-C', () => {
  test.each(['SIGINT', 'SIGTERM'] as const)(
    '%s mid-run exits 130 within seconds, marks run.json cancelled, says how to resume; the rerun completes the same report',
    async (sig) => {
      const { fake, onRequest } = await fakeWith({ latencyMs: 20 });
      const out = join(tmp, `signal-${sig}`);
      try {
        const first = spawnCli(evalArgs(fake, out));
        let signalledAt = 0;
        onRequest.fn = () => {
          if (fake.requests.length === 30) {
            signalledAt = Date.now();
            first.child.kill(sig);
          }
        };
        const r = await first.done;
        onRequest.fn = null;
        expect(r.code).toBe(130);
        expect(Date.now() - signalledAt).toBeLessThan(5000);
        // The command is printed as typed from the run's working directory (the test's tmp).
        expect(r.stderr).toContain(`Resume with: npx healthbench eval --resume ${relative(tmp, out)}\n`);
        const run = await readJson(join(out, 'run.json'));
        expect(run['status']).toBe('cancelled');
        expect(existsSync(join(out, 'report.json'))).toBe(false);
        // Every record written before the exit is whole.
        for (const line of (await readFile(join(out, 'samples.jsonl'), 'utf8')).split('\n').filter(Boolean))
          expect(() => JSON.parse(line)).not.toThrow();
        expect(fake.requests.length).toBeLessThan(TOTAL_REQUESTS);

        const finished = await finishedWork(out);
        const before = fake.requests.length;
        const again = await spawnCli([
          'eval',
          '--resume',
          out,
          ...evalArgs(fake, out)
            .slice(1)
            .filter((a, i, all) => a !== '--out' && all[i - 1] !== '--out'),
        ]).done;
        expect(withoutProgress(again.stderr)).toBe('');
        expect(again.code).toBe(0);
        expect(fake.requests.slice(before).filter((q) => finished.has(workOf(q)))).toEqual([]);
        expect(await comparableReport(out)).toEqual(baselineReport);
      } finally {
        await fake.close();
      }
    },
  );

  test('calls still in flight after the grace period are abandoned: exit 130 within a few seconds, directory resumable', async () => {
    // Replies that take 30 s: the first signal must not wait for them beyond its grace period (3 s).
    const { fake, onRequest } = await fakeWith({ latencyMs: 30_000 });
    const out = join(tmp, 'sigint-abandon');
    try {
      const first = spawnCli(evalArgs(fake, out));
      let signalledAt = 0;
      onRequest.fn = () => {
        if (fake.requests.length !== 4) return;
        signalledAt = Date.now();
        first.child.kill('SIGINT');
      };
      const r = await first.done;
      onRequest.fn = null;
      expect(r.code).toBe(130);
      expect(Date.now() - signalledAt).toBeLessThan(6000);
      expect((await readJson(join(out, 'run.json')))['status']).toBe('cancelled');
    } finally {
      await fake.close();
    }
    const { fake: fast } = await fakeWith();
    try {
      const again = await spawnCli(evalArgs(fast, out)).done;
      expect(again.code).toBe(0);
      expect(await comparableReport(out)).toEqual(baselineReport);
    } finally {
      await fast.close();
    }
  });

  test('a second SIGINT exits at once with 130 and the directory still resumes to the same report', async () => {
    // Slow replies: after the first SIGINT the run would wait up to its grace period (3 s) for calls in flight;
    // the second must not wait at all.
    const { fake, onRequest } = await fakeWith({ latencyMs: 5000 });
    const out = join(tmp, 'sigint-twice');
    try {
      const first = spawnCli(evalArgs(fake, out));
      let secondAt = 0;
      onRequest.fn = () => {
        if (fake.requests.length !== 4) return;
        first.child.kill('SIGINT');
        setTimeout(() => {
          secondAt = Date.now();
          first.child.kill('SIGINT');
        }, 200);
      };
      const r = await first.done;
      onRequest.fn = null;
      expect(r.code).toBe(130);
      expect(Date.now() - secondAt).toBeLessThan(1500);
      expect(r.stderr).toContain('second SIGINT');
      await fake.close();

      const { fake: fast } = await fakeWith();
      try {
        const again = await spawnCli(evalArgs(fast, out)).done;
        expect(again.code).toBe(0);
        expect(await comparableReport(out)).toEqual(baselineReport);
      } finally {
        await fast.close();
      }
    } finally {
      await fake.close();
    }
  });
});

describe('secrets', () => {
  async function filesUnder(dir: string): Promise<string[]> {
    const out: string[] = [];
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      if ((await stat(path)).isDirectory()) out.push(...(await filesUnder(path)));
      else out.push(path);
    }
    return out;
  }

  test('a sentinel API key appears in no written file, log line, stdout or stderr, even when the provider echoes it', async () => {
    const { fake } = await fakeWith({
      script: (r) => {
        const work = workOf(r);
        // A 401 and a 500 whose messages echo the credential back, as some providers and proxies do.
        if (work === 'syn-04') {
          return {
            kind: 'status',
            status: 401,
            body: {
              error: {
                message: `Incorrect API key provided: ${r.authorization ?? ''}.`,
                type: 'invalid_request_error',
                param: null,
                code: 'invalid_api_key',
              },
            },
          };
        }
        if (work === 'syn-06#1') {
          return {
            kind: 'status',
            status: 500,
            body: {
              error: {
                message: `upstream rejected key=${SENTINEL}; as sent: ${r.authorization ?? ''}`,
                type: 'server_error',
                param: null,
                code: null,
              },
            },
          };
        }
        return undefined;
      },
    });
    const out = join(tmp, 'secrets');
    const log = join(tmp, 'secrets-log', 'log.txt');
    const cache = join(tmp, 'secrets-cache');
    try {
      const r = await spawnCli(
        evalArgs(fake, out, [
          '--log-level',
          'debug',
          '--log-file',
          log,
          '--cache',
          cache,
          '--max-errors',
          '100%',
          '--max-retries',
          '1',
          '--json',
        ]),
      ).done;
      expect(r.code).toBe(0);
      // The key really was sent, and the failures really were logged and recorded.
      expect(fake.requests.every((q) => q.authorization === `Bearer ${SENTINEL}`)).toBe(true);
      const report = JSON.parse(r.stdout) as { errors: Array<{ exampleId: string }> };
      expect(report.errors.map((e) => e.exampleId).sort()).toEqual(['syn-04', 'syn-06']);
      const logText = await readFile(log, 'utf8');
      expect(logText).toContain('Incorrect API key provided');
      expect(logText).toContain('[REDACTED]');

      const texts: Array<[string, string]> = [
        ['stdout', r.stdout],
        ['stderr', r.stderr],
        ['log', logText],
      ];
      for (const file of [...(await filesUnder(out)), ...(await filesUnder(cache))]) texts.push([file, await readFile(file, 'utf8')]);
      expect(texts.length).toBeGreaterThan(5);
      const leaks = texts.filter(([, text]) => text.includes(SENTINEL) || text.includes('SENTINEL-1234567890'));
      expect(leaks.map(([where]) => where)).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
