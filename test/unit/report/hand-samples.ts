import type { SampleRecord } from '../../../src/core/types.js';
import type { ReportContext } from '../../../src/report/build-report.js';
import { failedSample, graded } from './make-sample.js';

const ex = (axis: string, points: number, met: boolean, text?: string) => ({
  points,
  tags: ['level:example', `axis:${axis}`],
  met,
  ...(text === undefined ? {} : { text }),
});
const cluster = (name: string, axis: string, met: boolean) => ({
  points: 5,
  tags: ['level:cluster', `cluster:${name}`, `axis:${axis}`],
  met,
});

/** Hand-made samples for the report tests. Ten samples in reference order: 8 scored (3 themes, 4 axes, 3 languages), 2 errors. */
export const SAMPLES: SampleRecord[] = [
  graded('e1', [ex('accuracy', 7, true), ex('completeness', 5, false), ex('accuracy', -6, false)], { tags: ['theme:hedging'] }),
  graded(
    'e2',
    [ex('accuracy', 8, true, 'Sends to urgent care.'), ex('context_awareness', 4, true), ex('accuracy', -7, true, 'Tilts the head back.')],
    {
      tags: ['theme:emergency_referrals', 'physician_agreed_category:emergent'],
      language: 'es',
    },
  ),
  failedSample('e3', 'candidate', 'HTTP 500 | upstream', { tags: ['theme:hedging'] }),
  graded(
    'e4',
    [ex('accuracy', 5, false), ex('communication_quality', 3, true), cluster('hedging_no-uncertainty_accurate', 'accuracy', true)],
    {
      tags: ['theme:hedging', 'physician_agreed_category:no-uncertainty'],
      language: 'de',
    },
  ),
  graded('e5', [ex('accuracy', 6, false), ex('completeness', 2, false), ex('accuracy', -8, true)], { tags: ['theme:emergency_referrals'] }),
  graded('e6', [ex('completeness', 4, true), ex('context_awareness', 4, true)], { tags: ['theme:communication'], language: 'es' }),
  failedSample('e7', 'grader', 'no valid verdict after 3 attempts', { tags: ['theme:communication'], language: 'de' }),
  graded('e8', [ex('accuracy', 10, true), ex('completeness', 5, true), cluster('hedging_no-uncertainty_accurate', 'accuracy', false)], {
    tags: ['theme:hedging'],
  }),
  graded('e9', [ex('communication_quality', 5, true), ex('accuracy', 5, false)], { tags: ['theme:communication'], language: 'de' }),
  graded('e1', [ex('accuracy', 7, false), ex('completeness', 5, true), ex('accuracy', -6, true)], { tags: ['theme:hedging'], repeat: 1 }),
];

export const CTX: ReportContext = {
  runId: 'run-2025-test',
  createdAt: '2025-06-01T12:00:00.000Z',
  toolVersion: '0.1.0',
  dataset: { name: 'hand-made', sha256: 'ab'.repeat(32), officialSha256: 'n/a', count: 9 },
  model: { spec: 'openai:cand-model', params: { temperature: 0.5 } },
  grader: { spec: 'openai:grader-model', params: {}, templateSha256: 'cd'.repeat(32), officialTemplate: false, mode: 'per-criterion' },
  seed: 42,
  repeats: 1,
  testDouble: false,
  notes: [],
};
