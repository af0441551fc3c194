import type { SampleRecord } from '../../../src/core/types.js';

/**
 * Two hand-made runs for the agreement tests. Verdict table over the paired samples s1..s3 (A × B):
 *
 * | axis          | both met | only A | only B | neither | n |
 * | accuracy      | 2        | 1      | 0      | 1       | 4 |  po .75, pA .75, pB .5,  pe .5  → kappa .5
 * | completeness  | 1        | 0      | 1      | 2       | 4 |  po .75, pA .25, pB .5,  pe .5  → kappa .5
 * | communication | 1        | 0      | 1      | 0       | 2 |  po .5,  pA .5,  pB 1,   pe .5  → kappa 0
 * | overall       | 4        | 1      | 2      | 3       | 10|  po .7,  pA .5,  pB .6,  pe .5  → kappa .4
 * | positive pts  | 4        | 1      | 2      | 0       | 7 |  po 4/7, pA 5/7, pB 6/7, pe 32/49 → kappa -4/17
 * | negative pts  | 0        | 0      | 0      | 3       | 3 |  pe 1 → kappa undefined (null)
 *
 * Besides: s4 only in A, s7 only in B, s5 with different responses, s6 with a grader error in B, and an earlier
 * failed record of s1 in A that the later one replaces.
 */
type Verdict = [text: string, points: number, axis: string, met: boolean | null];

function sample(exampleId: string, response: string | null, score: number | null, verdicts: Verdict[]): SampleRecord {
  return {
    task: 'healthbench',
    exampleId,
    repeat: 0,
    language: 'en',
    exampleTags: ['theme:global_health'],
    messagesSent: [{ role: 'user', content: `question ${exampleId}` }],
    response,
    criteria: verdicts.map(([text, points, axis, met]) => ({
      text,
      points,
      tags: ['level:example', `axis:${axis}`],
      met,
      explanation: met === null ? '' : 'fixture',
      attempts: 1,
      error: met === null ? 'no valid verdict' : null,
    })),
    score,
    metrics: score === null ? null : { overall_score: score },
    detail: null,
    usage: {
      candidate: { calls: 1, inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 },
      grader: { calls: 1, inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 },
    },
    error: score === null ? { stage: 'grader', message: 'fixture error', cause: null } : null,
  };
}

export const RUN_A: SampleRecord[] = [
  sample('s1', 'r1', null, [['s1 c1', 5, 'accuracy', null]]),
  sample('s1', 'r1', 0.5, [
    ['s1 c1', 5, 'accuracy', true],
    ['s1 c2', 3, 'accuracy', true],
    ['s1 c3', -4, 'completeness', false],
    ['s1 c4', 2, 'completeness', false],
  ]),
  sample('s2', 'r2', 0.6, [
    ['s2 c1', 5, 'accuracy', true],
    ['s2 c2', -3, 'accuracy', false],
    ['s2 c3', 4, 'completeness', true],
    ['s2 c4', 2, 'communication_quality', false],
  ]),
  sample('s3', 'r3', 1, [
    ['s3 c1', 5, 'communication_quality', true],
    ['s3 c2', -2, 'completeness', false],
  ]),
  sample('s4', 'r4', 1, [['s4 c1', 5, 'accuracy', true]]),
  sample('s5', 'r5 first wording', 1, [['s5 c1', 5, 'accuracy', true]]),
  sample('s6', 'r6', 1, [['s6 c1', 5, 'accuracy', true]]),
];

export const RUN_B: SampleRecord[] = [
  sample('s1', 'r1', 0.4, [
    ['s1 c1', 5, 'accuracy', true],
    ['s1 c2', 3, 'accuracy', false],
    ['s1 c3', -4, 'completeness', false],
    ['s1 c4', 2, 'completeness', true],
  ]),
  sample('s2', 'r2', 0.7, [
    ['s2 c1', 5, 'accuracy', true],
    ['s2 c2', -3, 'accuracy', false],
    ['s2 c3', 4, 'completeness', true],
    ['s2 c4', 2, 'communication_quality', true],
  ]),
  sample('s3', 'r3', 0.9, [
    ['s3 c1', 5, 'communication_quality', true],
    ['s3 c2', -2, 'completeness', false],
  ]),
  sample('s5', 'r5 other wording', 0, [['s5 c1', 5, 'accuracy', false]]),
  sample('s6', 'r6', null, [['s6 c1', 5, 'accuracy', null]]),
  sample('s7', 'r7', 1, [['s7 c1', 5, 'accuracy', true]]),
];
