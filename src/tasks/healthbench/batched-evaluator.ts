import type { Example, Message } from '../../core/types.js';
import { batchItemId, parseBatchedVerdicts, renderBatchedPrompt, type BatchItem } from '../../grading/index.js';
import { healthbenchEvaluator, type HealthbenchEvaluator } from './evaluator.js';
import type { GraderBatch, WorkItem } from '../../core/task.js';

/** Options of batched HealthBench grading. */
export interface BatchedGradingOptions {
  /** The batched template text (`graders/healthbench-grader-batched.md` or the user's). */
  batchedTemplate: string;
  /**
   * Most rubric items judged in one call; a longer rubric is split into several calls. Long lists raise the
   * odds of dropped verdicts (each re-graded at full per-criterion price). @default 64
   */
  maxItemsPerCall?: number;
}

/**
 * HealthBench with batched grading (`--grader-mode batched`): per grader, one call judges all rubric items of a
 * sample (split every `maxItemsPerCall` items). Verdicts live in the same slots as per-criterion grading (grader ×
 * criterion), so journaling, resume, voting and scoring are unchanged; an item the batched reply leaves out or
 * gets wrong is graded alone with the per-criterion template (`templates`), with the usual capped attempts.
 */
export function batchedHealthbenchEvaluator(
  templates: readonly string[],
  vote: 'first' | 'majority',
  opts: BatchedGradingOptions,
): HealthbenchEvaluator {
  const base = healthbenchEvaluator(templates, vote);
  const size = opts.maxItemsPerCall ?? 64;
  if (!Number.isInteger(size) || size < 1)
    throw new TypeError(`Expected \`maxItemsPerCall\` to be an integer from 1 and up, got \`${size}\``);
  return {
    ...base,
    graderBatches(item: WorkItem<Example>, messagesSent: Message[], response: string): GraderBatch[] {
      const rubric = item.payload.rubric;
      const n = rubric.length;
      const batches: GraderBatch[] = [];
      for (let start = 0; start < n; start += size) {
        const items: BatchItem[] = rubric
          .slice(start, start + size)
          .map((c, k) => ({ id: batchItemId(start + k), points: c.points, text: c.text }));
        const ids = items.map((it) => it.id);
        // Every grader gets the same prompt; only the slots differ.
        const prompt = renderBatchedPrompt(opts.batchedTemplate, messagesSent, response, items);
        templates.forEach((_, grader) => {
          const slotOf = new Map(ids.map((id, k) => [id, grader * n + start + k]));
          batches.push({
            grader,
            prompt,
            slots: [...slotOf.values()],
            read(text) {
              const parsed = parseBatchedVerdicts(text, ids);
              const verdicts = new Map<number, { met: boolean; explanation: string }>();
              for (const [id, v] of parsed.verdicts) {
                const slot = slotOf.get(id);
                if (slot !== undefined) verdicts.set(slot, v);
              }
              return { verdicts, reason: parsed.reason ?? parsed.missing[0]?.reason ?? null };
            },
          });
        });
      }
      return batches;
    },
  };
}
