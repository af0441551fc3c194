// Opt-in checks against the real benchmark data in ../shared (HEALTHBENCH_SHARED overrides the path):
//   npm run test:real-data
// Never part of `npm test`: the project must not need ../shared to build or pass its tests.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { runEval, type EvalOptions, type TestDoubleEndpoints } from '../../src/runner/eval.js';
import { startFakeProvider, type FakeProvider } from '../../src/testing/index.js';
import { aggregateClipped, exampleMetrics } from '../../src/scoring/index.js';
import type { Report } from '../../src/report/types.js';
import { evalOptions } from '../support/eval-options.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const SHARED = resolve(ROOT, process.env['HEALTHBENCH_SHARED'] ?? '../shared');
const HB = join(SHARED, 'data/healthbench');
const logger = createLogger({ level: 'silent', secrets: [] });

function options(overrides: Partial<EvalOptions>): EvalOptions {
  return evalOptions({
    dataset: '',
    model: 'openai:cand',
    graders: ['openai:grader'],
    concurrency: 32,
    timeoutMs: 30_000,
    maxErrors: '0',
    fakeServer: {},
    ...overrides,
  });
}

describe.runIf(existsSync(SHARED))('real data in ../shared', () => {
  // The runs below use the bundled test double (fakeServer), started here as the CLI starts it.
  let fake: FakeProvider;
  let testDouble: TestDoubleEndpoints;
  beforeAll(async () => {
    fake = await startFakeProvider({});
    testDouble = { openaiBaseUrl: fake.openaiBaseUrl, anthropicBaseUrl: fake.anthropicBaseUrl };
  });
  afterAll(async () => {
    await fake.close();
  });

  it('the recorded m42 run replays to final_metrics.json exactly (70/70 means and n)', async () => {
    const dir = join(HB, 'recorded/m42_llama31_70b_judge');
    const rows = (await readFile(join(dir, 'judge_responses.converted.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            example_tags: string[];
            rubric_grades: Array<{ points: number; tags: string[]; criteria_met: boolean }>;
          },
      );
    const per = rows.map(
      (r) =>
        exampleMetrics(
          r.example_tags,
          r.rubric_grades,
          r.rubric_grades.map((g) => g.criteria_met),
        ) as Record<string, number>,
    );
    const got = aggregateClipped(per, { seed: 0 });
    const want = JSON.parse(await readFile(join(dir, 'final_metrics.json'), 'utf8')) as Record<string, number>;
    const names = Object.keys(want).filter((k) => !k.includes(':bootstrap_std') && !k.endsWith(':n_samples'));
    expect(names).toHaveLength(70);
    for (const k of names) {
      expect(got[k], k).toBe(want[k]);
      expect(got[`${k}:n_samples`], k).toBe(want[`${k}:n_samples`]);
    }
  });

  it('the 100 real records load, and an eval over them covers every theme and axis tag present', async () => {
    const file = join(HB, 'partial/oss_eval_sample100_from_m42-health.jsonl');
    const out = join(await mkdtemp(join(tmpdir(), 'hb-real-')), 'run');
    const res = await runEval(options({ dataset: file, outDir: out }), { cwd: ROOT, env: {}, logger, testDouble });
    const report = res.report as unknown as Report;
    expect(report.overall.n).toBe(100);
    const records = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { example_tags: string[]; rubrics: Array<{ tags: string[] }> });
    const themes = new Set(records.flatMap((r) => r.example_tags.filter((t) => t.startsWith('theme:')).map((t) => t.slice(6))));
    const axes = new Set(
      records.flatMap((r) => r.rubrics.flatMap((c) => c.tags.filter((t) => t.startsWith('axis:')).map((t) => t.slice(5)))),
    );
    expect(Object.keys(report.byTheme).sort()).toEqual([...themes].sort());
    expect(Object.keys(report.byAxis).sort()).toEqual([...axes].sort());
    expect(report.usage['grader']?.calls).toBe(1157);
  });

  it('MedCalc-Bench v1.0: all 1,047 rows run and the per-category counts equal the data', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'hb-real-')), 'medcalc');
    const res = await runEval(
      options({ task: 'medcalc', dataset: join(SHARED, 'data/medcalc/test_data.csv'), outDir: out, concurrency: 64 }),
      { cwd: ROOT, env: {}, logger, testDouble },
    );
    const report = res.report as unknown as Report;
    expect(report.overall.n).toBe(1047);
    expect(report.dataset.version).toBe('v1.0');
    const counts = Object.fromEntries(Object.entries(report.byGroup['category'] ?? {}).map(([k, g]) => [k, g.n]));
    expect(counts).toEqual({ lab: 327, risk: 240, physical: 240, severity: 80, diagnosis: 60, date: 60, dosage: 40 });
  });
});
