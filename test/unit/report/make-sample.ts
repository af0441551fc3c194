import type { CriterionResult, SampleRecord, TokenUsage } from '../../../src/core/types.js';
import { exampleMetrics, scoreExample } from '../../../src/scoring/index.js';

/** One graded rubric item for {@link graded}: points, tags and the verdict. */
export interface ItemSpec {
  points: number;
  tags: string[];
  met: boolean;
  text?: string;
}

const usage = (calls: number, input: number, output: number): TokenUsage => ({
  calls,
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: 0,
});

/** A finished HealthBench sample whose score and metrics are computed by the real scoring code. */
export function graded(
  exampleId: string,
  items: readonly ItemSpec[],
  opts: { repeat?: number; language?: string; tags?: string[] } = {},
): SampleRecord {
  const tags = opts.tags ?? [];
  const met = items.map((i) => i.met);
  const criteria: CriterionResult[] = items.map((i, k) => ({
    text: i.text ?? `criterion ${k + 1} of ${exampleId}`,
    points: i.points,
    tags: i.tags,
    met: i.met,
    explanation: i.met ? 'met' : 'not met',
    attempts: 1,
    error: null,
  }));
  return {
    task: 'healthbench',
    exampleId,
    repeat: opts.repeat ?? 0,
    language: opts.language ?? 'en',
    exampleTags: tags,
    messagesSent: [{ role: 'user', content: `question of ${exampleId}` }],
    response: `answer to ${exampleId}`,
    criteria,
    score: scoreExample(items, met),
    metrics: exampleMetrics(tags, items, met),
    detail: null,
    usage: { candidate: usage(1, 10, 20), grader: usage(items.length, 100 * items.length, 5 * items.length) },
    error: null,
  };
}

/** A sample that failed at `stage`: no response or no verdicts, no score, no metrics. */
export function failedSample(
  exampleId: string,
  stage: 'candidate' | 'grader',
  message: string,
  opts: { repeat?: number; language?: string; tags?: string[] } = {},
): SampleRecord {
  return {
    task: 'healthbench',
    exampleId,
    repeat: opts.repeat ?? 0,
    language: opts.language ?? 'en',
    exampleTags: opts.tags ?? [],
    messagesSent: [{ role: 'user', content: `question of ${exampleId}` }],
    response: stage === 'candidate' ? null : `answer to ${exampleId}`,
    criteria: [],
    score: null,
    metrics: null,
    detail: null,
    usage: { candidate: usage(stage === 'candidate' ? 0 : 1, 0, 0), grader: usage(0, 0, 0) },
    error: { stage, message, cause: stage === 'candidate' ? 'HTTP 500' : null },
  };
}
