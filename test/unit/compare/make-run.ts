import type { CriterionResult, GroupSummary, SampleRecord } from '../../../src/core/types.js';
import type { RunSide } from '../../../src/compare/index.js';
import type { Report } from '../../../src/report/types.js';

const usage = { calls: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };

/** A scored sample whose metrics are `{overall_score: score, ...extra}` plus its example tags. */
export function sample(
  exampleId: string,
  score: number,
  opts: {
    repeat?: number;
    language?: string;
    tags?: string[];
    extra?: Record<string, number>;
    criteria?: CriterionResult[];
    task?: SampleRecord['task'];
  } = {},
): SampleRecord {
  const tags = opts.tags ?? [];
  const key = opts.task === 'medcalc' ? 'accuracy' : 'overall_score';
  const metrics: Record<string, number> = { [key]: score };
  for (const t of tags) metrics[t] = score;
  Object.assign(metrics, opts.extra ?? {});
  return {
    task: opts.task ?? 'healthbench',
    exampleId,
    repeat: opts.repeat ?? 0,
    language: opts.language ?? 'en',
    exampleTags: tags,
    messagesSent: [],
    response: 'r',
    criteria: opts.criteria ?? [],
    score,
    metrics,
    detail: null,
    usage: { candidate: usage, grader: usage },
    error: null,
  };
}

/** A sample that failed at the candidate stage. */
export function failed(exampleId: string, repeat = 0): SampleRecord {
  return {
    ...sample(exampleId, 0, { repeat }),
    response: null,
    score: null,
    metrics: null,
    error: { stage: 'candidate', message: 'timeout', cause: null },
  };
}

/** A criterion verdict. */
export function criterion(text: string, points: number, met: boolean | null): CriterionResult {
  return { text, points, tags: [], met, explanation: '', attempts: 1, error: null };
}

const summary = (score: number, n = 10): GroupSummary => ({ score, bootstrapStd: 0.01, ci95: [score - 0.02, score + 0.02], n });

/** A report with the given overrides; comparability fields default to equal values across calls. */
export function report(overrides: Partial<Report> = {}): Report {
  return {
    formatVersion: 1,
    runId: 'run',
    createdAt: '2025-01-01T00:00:00.000Z',
    task: 'healthbench',
    tool: { name: 'healthbench', version: '0.0.0' },
    dataset: { name: 'demo', sha256: 'd'.repeat(64), officialSha256: 'n/a', count: 10 },
    model: { spec: 'openai:m', params: {} },
    grader: { spec: 'openai:g', params: {}, templateSha256: 't'.repeat(64), officialTemplate: true, mode: 'per-criterion' },
    seed: 0,
    repeats: 1,
    testDouble: true,
    notes: [],
    overall: { ...summary(0.5), errors: 0 },
    byTheme: {},
    byAxis: {},
    byLanguage: {},
    byGroup: {},
    metrics: {},
    usage: {},
    errors: [],
    lowest: [],
    ...overrides,
  };
}

export { summary };

/** A run side from samples, with a default report. */
export function side(runId: string, samples: SampleRecord[], overrides: Partial<Report> = {}): RunSide {
  return { runId, report: report({ runId, ...overrides }), samples };
}
