import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startFakeProvider, type FakeProvider } from '../../src/testing/index.js';
import { captureIo } from '../support/cli-io.js';

const ROOT = new URL('../..', import.meta.url).pathname;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'hb-first-hour-'));
}

async function runJson(dir: string): Promise<{
  config: { dataset: { limit: number | null }; seed: number };
  effectiveConfig: { file: string | null; profile: string | null; options: Record<string, unknown> };
}> {
  return JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));
}

/** Runs the CLI in-process; returns exit code, stdout and stderr. */
async function cli(args: string[], opts: { cwd?: string; env?: Record<string, string>; signal?: AbortSignal } = {}) {
  const c = captureIo({ cwd: opts.cwd ?? ROOT, env: opts.env ?? {} });
  if (opts.signal) c.io.signal = opts.signal;
  const code = await main(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

describe('messages that say the fix (exact text)', () => {
  it('a mistyped flag names the closest one', async () => {
    const r = await cli(['eval', '--concurency', '8']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('healthbench: unknown option --concurency; did you mean --concurrency? Run with --help for every option\n');
  });

  it('a mistyped command names the closest one, in one line', async () => {
    const r = await cli(['evl']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("healthbench: unknown command 'evl'; did you mean 'eval'? Run `npx healthbench --help` for every command\n");
  });

  it('--limit -1 is one line naming the flag', async () => {
    const r = await cli(['eval', '--limit', '-1', '--model', 'openai:m']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("healthbench: --limit: expected a whole number ≥ 1, got '-1'\n");
  });

  it('--max-errors 200% is refused', async () => {
    const r = await cli(['eval', '--dataset', 'demo', '--fake-server', '--model', 'openai:m', '--max-errors', '200%']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "healthbench: --max-errors: expected a count like 10, a fraction like 0.05 or a percentage up to 100% like 5%, got '200%'\n",
    );
  });

  it('--limit larger than the dataset says so', async () => {
    const dir = await tempDir();
    const r = await cli([
      'eval',
      '--dataset',
      'demo',
      '--fake-server',
      '--model',
      'openai:m',
      '--limit',
      '1000',
      '--out',
      join(dir, 'run'),
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      'healthbench: note: --limit 1000 is more than the 30 examples of demo; running all 30 (a --limit of 30 or less silences this note)\n',
    );
  });

  it('a rubric criterion with points 0', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'conversations'));
    await mkdir(join(dir, 'rubrics'));
    await writeFile(
      join(dir, 'conversations', 'x.jsonl'),
      `${JSON.stringify({ id: 'c1', messages: [{ role: 'user', content: 'Hi' }] })}\n`,
    );
    await writeFile(
      join(dir, 'rubrics', 'x.jsonl'),
      `${JSON.stringify({ conversationId: 'c1', criteria: [{ text: 'Greets', points: 0, tags: [] }] })}\n`,
    );
    const r = await cli(['validate', '.'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'rubrics/x.jsonl:1 /criteria/0/points: must not be 0: give the criterion a weight from -10 to 10 (negative for behaviour to penalise), or drop it\n',
    );
  });

  it('MedCalc one-shot without network points at --exemplars and the file the cache expects', async () => {
    const cache = await tempDir();
    const r = await cli(
      ['eval', '--dataset', 'medcalc', '--prompt-style', 'one_shot', '--model', 'openai:m', '--fake-server', '--dry-run'],
      { env: { HEALTHBENCH_CACHE_DIR: cache, HEALTHBENCH_MEDCALC_BASE_URL: 'http://127.0.0.1:9/' } },
    );
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `healthbench: cannot download http://127.0.0.1:9/medcalc-v1.0-test.csv: fetch failed. Without network, pass a local copy with --dataset FILE.csv or save it as ${cache}/medcalc-v1.0-test.csv\n`,
    );
    const local = await cli(
      ['eval', '--dataset', 'test/fixtures/medcalc/small.csv', '--prompt-style', 'one_shot', '--model', 'openai:m', '--dry-run'],
      { env: { HEALTHBENCH_CACHE_DIR: cache, HEALTHBENCH_MEDCALC_BASE_URL: 'http://127.0.0.1:9/' } },
    );
    expect(local.code).toBe(2);
    expect(local.err).toBe(
      `healthbench: cannot download http://127.0.0.1:9/medcalc-v1.0-exemplars.json: fetch failed. Without network, pass a local copy with --exemplars FILE or save it as ${cache}/medcalc-v1.0-exemplars.json\n`,
    );
  });

  it('a download failure names the file the cache expects', async () => {
    const cache = await tempDir();
    const r = await cli(['eval', '--dataset', 'healthbench', '--model', 'openai:m', '--dry-run'], {
      env: { HEALTHBENCH_CACHE_DIR: cache, HEALTHBENCH_DATA_BASE_URL: 'http://127.0.0.1:9/' },
    });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      new RegExp(
        `^healthbench: cannot download http://127\\.0\\.0\\.1:9/(\\S+): fetch failed\\. Without network, pass a local copy with --dataset PATH or save it as ${cache}/\\1\\n$`,
      ),
    );
  });

  it('the missing-key message for anthropic: models names its variable and nothing about OpenAI', async () => {
    const r = await cli(['eval', '--dataset', 'demo', '--model', 'anthropic:claude-x', '--grader', 'anthropic:claude-y']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('healthbench: --model anthropic:claude-x needs ANTHROPIC_API_KEY: set it in the environment or in .env\n');
  });

  it('unknown dataset names get the closest one', async () => {
    const r = await cli(['eval', '--dataset', 'healthbench-hrd', '--model', 'openai:m', '--fake-server']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "healthbench: unknown dataset 'healthbench-hrd'; did you mean 'healthbench-hard'? Use one of healthbench, healthbench-hard, healthbench-consensus, healthbench-professional, demo, medcalc, or a path\n",
    );
  });

  describe('a failed run names its directory and the command that resumes it', () => {
    let fake: FakeProvider;
    beforeAll(async () => {
      fake = await startFakeProvider({ faults: { status500Rate: 1 } });
    });
    afterAll(async () => fake.close());

    it('exit 3 with the directory', async () => {
      const dir = await tempDir();
      const r = await cli(
        [
          'eval',
          '--dataset',
          'demo',
          '--limit',
          '1',
          '--model',
          'openai:m',
          '--base-url',
          fake.openaiBaseUrl,
          '--grader-base-url',
          fake.openaiBaseUrl,
          '--max-retries',
          '0',
          '--max-errors',
          '0',
          '--out',
          'failed',
        ],
        { cwd: dir, env: { OPENAI_API_KEY: 'k' } },
      );
      expect(r.code).toBe(3);
      expect(r.err).toBe(
        'healthbench: 1 samples failed, more than the 0 allowed by --max-errors. The records so far are in failed; fix the cause, then resume with: npx healthbench eval --resume failed\n',
      );
    });
  });
});

describe('every malformed flag value in every command is exit 2 with the flag named', () => {
  const cases: Array<[string[], string]> = [
    [['eval', '--concurrency', '0'], "--concurrency: expected a whole number ≥ 1 and ≤ 4096, got '0'"],
    [['eval', '--temperature', 'hot'], "--temperature: expected a number ≥ 0 and ≤ 2, got 'hot'"],
    [['eval', '--grader-mode', 'batch'], "--grader-mode: expected one of per-criterion, batched, got 'batch'; did you mean batched?"],
    [['eval', '--progress', 'fancy'], "--progress: expected one of bar, lines, none, got 'fancy'"],
    [['eval', '--log-level', 'loud'], "--log-level: expected one of fatal, error, warn, info, debug, trace, silent, got 'loud'"],
    [['eval', '--model'], '--model needs a value, e.g. --model openai:gpt-4.1-mini'],
    [['eval', '--fake-server=yes'], '--fake-server takes no value; write --fake-server alone'],
    [['meta-eval', '--physicians-only', '--seed', 'x'], "--seed: expected a whole number ≥ 0, got 'x'"],
    [['meta-eval', '--concurrency', '-3'], "--concurrency: expected a whole number ≥ 1 and ≤ 4096, got '-3'"],
    [['diff', 'a', 'b', '--bootstrap-samples', '0'], "--bootstrap-samples: expected a whole number ≥ 1, got '0'"],
    [['gate', 'r', '--policy', 'p', '--seed', '1.5'], "--seed: expected a whole number ≥ 0, got '1.5'"],
    [['agreement', 'a', 'b', '--disagreements', 'many'], "--disagreements: expected a whole number ≥ 0, got 'many'"],
    [['fake-server', '--port', 'http'], "--port: expected a whole number ≥ 0 and ≤ 65535, got 'http'"],
    [['fake-server', '--latency-ms', '-5'], "--latency-ms: expected a number ≥ 0, got '-5'"],
    [['validate', '--strict'], 'unknown option --strict. Run with --help for every option'],
    [['init', '--forse'], 'unknown option --forse; did you mean --force? Run with --help for every option'],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), async () => {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`healthbench: ${message}\n`);
    });
  }
});

const CONFIG = `# team defaults
dataset: demo
fake-server: true
model: openai:team-model
limit: 3
seed: 7
profiles:
  nightly:
    limit: 4
    seed: 8
  tiny:
    limit: 2
`;

describe('healthbench.config.yaml', () => {
  it('precedence: defaults < file < profile < flags, recorded in run.json', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'healthbench.config.yaml'), CONFIG);
    expect((await cli(['eval', '--out', 'a'], { cwd: dir })).code).toBe(0);
    const a = await runJson(join(dir, 'a'));
    expect([a.config.dataset.limit, a.config.seed]).toEqual([3, 7]);
    expect(a.effectiveConfig).toEqual({
      file: 'healthbench.config.yaml',
      profile: null,
      options: { dataset: 'demo', 'fake-server': true, model: 'openai:team-model', limit: '3', seed: '7' },
    });
    expect((await cli(['eval', '--profile', 'nightly', '--out', 'b'], { cwd: dir })).code).toBe(0);
    const b = await runJson(join(dir, 'b'));
    expect([b.config.dataset.limit, b.config.seed, b.effectiveConfig.profile]).toEqual([4, 8, 'nightly']);
    expect((await cli(['eval', '--profile', 'nightly', '--seed', '9', '--out', 'c'], { cwd: dir })).code).toBe(0);
    const c = await runJson(join(dir, 'c'));
    expect([c.config.dataset.limit, c.config.seed]).toEqual([4, 9]);
  });

  it('--config FILE (JSON) instead of the working directory; paths relative to the file', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'ci'));
    await writeFile(join(dir, 'ci', 'p.json'), JSON.stringify({ minOverall: 0.99 }));
    await writeFile(
      join(dir, 'ci', 'hb.json'),
      JSON.stringify({ dataset: 'demo', 'fake-server': true, model: 'openai:m', limit: 2, gate: 'p.json' }),
    );
    const r = await cli(['eval', '--config', 'ci/hb.json', '--out', 'g'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.out).toContain('gate: FAILED');
    expect((await runJson(join(dir, 'g'))).effectiveConfig.options['gate']).toBe(join(dir, 'ci', 'p.json'));
  });

  it('an unknown profile names the closest; --profile without a file says how to make one', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'healthbench.config.yaml'), CONFIG);
    const r = await cli(['eval', '--profile', 'nigthly'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toBe("healthbench: --profile nigthly: no such profile in healthbench.config.yaml; did you mean 'nightly'?\n");
    const empty = await tempDir();
    const none = await cli(['eval', '--profile', 'nightly'], { cwd: empty });
    expect(none.err).toBe(
      `healthbench: --profile nightly: no healthbench.config.yaml or healthbench.config.yml or healthbench.config.json in ${empty}; pass --config FILE or create one with npx healthbench init\n`,
    );
  });

  it('is validated against its schema, every problem located as file:line /pointer', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'healthbench.config.yaml'), 'dataset: demo\nconcurency: 8\nprofiles:\n  nightly:\n    limit: -1\n');
    const r = await cli(['eval'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "healthbench: healthbench.config.yaml:2 /concurency: unknown field 'concurency'; did you mean 'concurrency'?\nhealthbench.config.yaml:5 /profiles/nightly/limit: must be >= 1\n",
    );
  });
});

describe('.env', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider({});
  });
  afterAll(async () => fake.close());

  it('supplies keys that are not set, never overrides the environment, and never reaches the log', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.env'), '# keys\nexport OPENAI_API_KEY="sk-from-dotenv-123456"\nANTHROPIC_API_KEY=\n');
    const args = [
      'eval',
      '--dataset',
      'demo',
      '--limit',
      '1',
      '--model',
      'openai:m',
      '--base-url',
      fake.openaiBaseUrl,
      '--grader-base-url',
      fake.openaiBaseUrl,
    ];
    const r = await cli([...args, '--log-level', 'debug', '--log-file', 'log.jsonl', '--out', 'a'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'log.jsonl'))).toBe(true);
    for (const f of ['log.jsonl', 'a/run.json', 'a/samples.jsonl', 'a/report.json']) {
      expect(await readFile(join(dir, f), 'utf8')).not.toContain('sk-from-dotenv');
    }
    // A variable already set wins over .env, even when empty.
    const set = await cli([...args, '--out', 'b'], { cwd: dir, env: { OPENAI_API_KEY: '' } });
    expect(set.code).toBe(2);
    expect(set.err).toContain('needs OPENAI_API_KEY');
  });
});

describe('--resume DIR alone', () => {
  it('continues a cancelled run with its recorded configuration, using the command it printed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'healthbench.config.yaml'), 'dataset: demo\nfake-server: true\nmodel: openai:m\nconcurrency: 1\n');
    const controller = new AbortController();
    const first = cli(['eval', '--out', 'run'], { cwd: dir, signal: controller.signal });
    await expect
      .poll(
        async () =>
          existsSync(join(dir, 'run', 'samples.jsonl')) ? (await readFile(join(dir, 'run', 'samples.jsonl'), 'utf8')).length : 0,
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);
    controller.abort();
    const cancelled = await first;
    expect(cancelled.code).toBe(130);
    const printed = /Resume with: (.*)\n$/.exec(cancelled.err)?.[1] ?? '';
    expect(printed).toBe('npx healthbench eval --resume run');
    // The config file changes in between: the recorded configuration still wins.
    await writeFile(join(dir, 'healthbench.config.yaml'), 'dataset: demo\nmodel: openai:other\n');
    const resumed = await cli(printed.split(' ').slice(2), { cwd: dir });
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('n=30');
    const run = await runJson(join(dir, 'run'));
    expect(run.effectiveConfig.options).toEqual({ dataset: 'demo', 'fake-server': true, model: 'openai:m', concurrency: '1' });
  });

  it('refuses a flag that changes the results, naming it (endpoint changes too); accepts one that does not', async () => {
    const dir = await tempDir();
    expect(
      (await cli(['eval', '--dataset', 'demo', '--limit', '2', '--fake-server', '--model', 'openai:m', '--out', 'r'], { cwd: dir })).code,
    ).toBe(0);
    const endpoint = await cli(['eval', '--resume', 'r', '--base-url', 'http://127.0.0.1:9/v1'], {
      cwd: dir,
      env: { OPENAI_API_KEY: 'k' },
    });
    expect(endpoint.code).toBe(2);
    expect(endpoint.err).toBe(
      'healthbench: cannot resume r with --base-url http://127.0.0.1:9/v1 (recorded: --fake-server): it changes the results. Resume with `npx healthbench eval --resume r` alone, or start a new run with --out\n',
    );
    const model = await cli(['eval', '--resume', 'r', '--model', 'openai:other', '--limit', '2'], { cwd: dir });
    expect(model.err).toBe(
      'healthbench: cannot resume r with --model openai:other (recorded: --model openai:m): it changes the results. Resume with `npx healthbench eval --resume r` alone, or start a new run with --out\n',
    );
    expect((await cli(['eval', '--resume', 'r', '--concurrency', '4', '--max-errors', '10%'], { cwd: dir })).code).toBe(0);
  });

  it('a directory without run.json says so', async () => {
    const dir = await tempDir();
    const r = await cli(['eval', '--resume', 'nothing'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'healthbench: --resume nothing: no run.json there, nothing to resume; check the directory, or start a new run with --out nothing\n',
    );
  });
});

describe('healthbench init', () => {
  it('writes a config that runs the smoke profile offline and a workflow; never overwrites without --force', async () => {
    const dir = await tempDir();
    const r = await cli(['init'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'wrote healthbench.config.yaml and .github/workflows/healthbench.yml\ntry it offline: npx healthbench eval --profile smoke\nthen for real (set OPENAI_API_KEY in the environment or .env): npx healthbench eval --profile nightly\n',
    );
    expect(await readFile(join(dir, '.github', 'workflows', 'healthbench.yml'), 'utf8')).toContain(
      'npx healthbench eval --profile nightly',
    );
    const again = await cli(['init'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.err).toBe('healthbench: healthbench.config.yaml exists; pass --force to overwrite it (nothing was written)\n');
    expect((await cli(['init', '--force'], { cwd: dir })).code).toBe(0);
    const smoke = await cli(['eval', '--profile', 'smoke', '--limit', '2', '--out', 's'], { cwd: dir });
    expect(smoke.code).toBe(0);
    expect(smoke.out).toContain('TEST DOUBLE');
  });
});

describe('progress when stderr is not a terminal', () => {
  it('prints plain lines (never carriage returns) and nothing under --progress none', async () => {
    const dir = await tempDir();
    const r = await cli(['eval', '--dataset', 'demo', '--limit', '2', '--fake-server', '--model', 'openai:m', '--out', 'a'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.err).not.toContain('\r');
    const none = await cli(
      ['eval', '--dataset', 'demo', '--limit', '2', '--fake-server', '--model', 'openai:m', '--out', 'b', '--progress', 'none'],
      { cwd: dir },
    );
    expect(none.err).toBe('');
  });
});
