import type { MetaDetail } from '../../core/records.js';
import type { GraderOutcome, TaskEvaluator } from '../../core/task.js';
import { renderGraderPrompt } from '../../grading/index.js';
import type { MetaRow } from '../../meta/index.js';

/** The grader under test judges each row's completion against the consensus criterion alone (no points, docs/healthbench.md §12). */
export function metaEvaluator(template: string): TaskEvaluator<MetaRow, MetaDetail> {
  return {
    task: 'meta',
    graderCalls(item, messagesSent, response) {
      const row = item.payload;
      return [{ grader: 0, prompt: renderGraderPrompt(template, messagesSent, response, row.rubric) }];
    },
    finish(item, _response, outcomes: GraderOutcome[]) {
      const row = item.payload;
      const o = outcomes[0];
      const detail = { category: row.category, binaryLabels: row.binaryLabels, physicianIds: row.physicianIds };
      if (!o || !o.ok) {
        return {
          criteria: [],
          score: null,
          metrics: null,
          detail,
          error: { stage: 'grader', message: o && !o.ok ? o.error : 'no grader outcome', cause: o && !o.ok ? o.cause : null },
        };
      }
      return {
        criteria: [
          { text: row.rubric, points: 0, tags: [row.category], met: o.met, explanation: o.explanation, attempts: o.attempts, error: null },
        ],
        score: o.met ? 1 : 0,
        metrics: { model_predicted_positive: o.met ? 1 : 0 },
        detail: { ...detail, verdict: o.met },
        error: null,
      };
    },
  };
}
