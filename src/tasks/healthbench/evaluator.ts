import type { HealthbenchDetail } from '../../core/records.js';
import type { CriterionResult, Example, Message } from '../../core/types.js';
import { renderGraderPrompt, renderRubricItem, sharedPrefixLength } from '../../grading/index.js';
import { codePointLength, exampleMetrics, LENGTH_ADJUSTED_KEY, lengthAdjustedScore, type LengthAdjustment } from '../../scoring/index.js';
import type { GraderCall, GraderOutcome, TaskEvaluator, WorkItem } from '../../core/task.js';

/** The evaluator of a HealthBench work item (its payload is the Example). */
export type HealthbenchEvaluator = TaskEvaluator<Example, HealthbenchDetail>;

/**
 * HealthBench grading: one grader call per rubric item (and per grader when several are given); the
 * sample's score follows the reference, or, with several graders, the majority verdict.
 */
export function healthbenchEvaluator(templates: readonly string[], vote: 'first' | 'majority'): HealthbenchEvaluator {
  return {
    task: 'healthbench',
    graderCalls(item: WorkItem<Example>, messagesSent: Message[], response: string): GraderCall[] {
      const example = item.payload;
      const calls: GraderCall[] = [];
      templates.forEach((template, grader) => {
        const cachePrefixChars = sharedPrefixLength(template, messagesSent, response);
        for (const c of example.rubric) {
          calls.push({
            grader,
            prompt: renderGraderPrompt(template, messagesSent, response, renderRubricItem(c.points, c.text)),
            cachePrefixChars,
          });
        }
      });
      return calls;
    },
    finish(item: WorkItem<Example>, _response: string, outcomes: GraderOutcome[]) {
      const example = item.payload;
      const n = example.rubric.length;
      const perGrader = templates.map((_, g) => outcomes.slice(g * n, (g + 1) * n));
      const criteria: CriterionResult[] = example.rubric.map((c, i) => {
        const votes = perGrader.map((o) => o[i]);
        const failed = votes.find((v): v is Extract<GraderOutcome, { ok: false }> => v !== undefined && !v.ok);
        const primary = votes[0];
        let met: boolean | null = null;
        if (!failed) {
          const yes = votes.filter((v) => v?.ok && v.met).length;
          met = vote === 'majority' ? yes * 2 > votes.length : Boolean(primary?.ok && primary.met);
        }
        return {
          text: c.text,
          points: c.points,
          tags: c.tags,
          met,
          explanation: primary?.ok ? primary.explanation : '',
          attempts: votes.reduce((s, v) => s + (v?.attempts ?? 0), 0),
          error: failed ? failed.error : null,
          ...(templates.length > 1 ? { verdicts: votes.map((v) => (v?.ok ? v.met : null)) } : {}),
        };
      });
      const failed = criteria.filter((c) => c.error !== null);
      if (failed.length > 0) {
        const firstFailure = outcomes.find((o): o is Extract<GraderOutcome, { ok: false }> => !o.ok);
        return {
          criteria,
          score: null,
          metrics: null,
          detail: null,
          error: {
            stage: 'grader',
            message: `${failed.length} of ${n} rubric items have no valid verdict: ${failed[0]?.error ?? ''}`,
            cause: firstFailure?.cause ?? null,
          },
        };
      }
      const met = criteria.map((c) => c.met === true);
      const metrics = exampleMetrics(example.tags, example.rubric, met);
      return {
        criteria,
        score: metrics ? (metrics['overall_score'] ?? null) : null,
        metrics,
        // Baselines are broken down by the physicians' group (docs/healthbench.md §10); Professional has none ('').
        detail:
          item.fixedResponse !== null && example.ideal && example.ideal.group !== ''
            ? { idealCompletionsGroup: example.ideal.group }
            : null,
        error: metrics ? null : { stage: 'scoring', message: 'the rubric has no criterion with positive points', cause: null },
      };
    },
  };
}

/**
 * Adds what the length-adjusted score needs to every finished HealthBench sample: the response length in code points
 * (`detail.responseChars`, for the report's mean response length) and, when an adjustment is configured, the
 * per-example adjusted score in the metric map (docs/professional.md §2), so it is aggregated like every metric.
 */
export function withResponseLength(base: HealthbenchEvaluator, adjustment: LengthAdjustment | null): HealthbenchEvaluator {
  return {
    ...base,
    finish(item, response, outcomes) {
      const out = base.finish(item, response, outcomes);
      const responseChars = codePointLength(response);
      const detail = { ...(out.detail ?? {}), responseChars };
      if (out.metrics === null || adjustment === null) return { ...out, detail };
      const overall = out.metrics['overall_score'];
      if (overall === undefined) return { ...out, detail };
      const metrics = { ...out.metrics, [LENGTH_ADJUSTED_KEY]: lengthAdjustedScore(overall, responseChars, adjustment) };
      return { ...out, metrics, detail };
    },
  };
}
