/**
 * Finish reasons of the candidate's responses (`finishReason` of each sample): counted into report.json, with a
 * warning in the summary and report.md for responses cut off at the token limit or stopped by a filter. Used by
 * eval and by the reports rebuilt from samples (merge, verify), so both agree. Pure.
 */
import type { ReportExtras } from '../core/report.js';
import type { SampleRecord } from '../core/types.js';

/** Responses the candidate's API reported as cut off at the token limit or stopped by a content filter. */
const TRUNCATED = new Set(['length', 'max_tokens']);
const FILTERED = new Set(['content_filter', 'refusal']);

/** Counts the candidates' finish reasons into report.json, the summary and report.md (nothing for fixed responses). */
export function addFinishReasons(
  built: { json: ReportExtras; markdown: string; summary: string[] },
  samples: Iterable<SampleRecord>,
): void {
  const counts: Record<string, number> = {};
  for (const s of samples) if (typeof s.finishReason === 'string') counts[s.finishReason] = (counts[s.finishReason] ?? 0) + 1;
  if (Object.keys(counts).length === 0) return;
  built.json.finishReasons = counts;
  const sum = (set: Set<string>): number => Object.entries(counts).reduce((n, [k, v]) => n + (set.has(k) ? v : 0), 0);
  const notes: string[] = [];
  const truncated = sum(TRUNCATED);
  const filtered = sum(FILTERED);
  if (truncated > 0)
    notes.push(
      `${truncated} response${truncated === 1 ? '' : 's'} cut off at the token limit (finish_reason length / max_tokens; graded as written, raise --max-tokens to avoid)`,
    );
  if (filtered > 0)
    notes.push(`${filtered} response${filtered === 1 ? '' : 's'} stopped by a content filter or refusal (graded as written)`);
  if (notes.length === 0) return;
  built.summary.push(...notes.map((n) => `warning: ${n}`));
  built.markdown += `\n## Finish reasons\n\n${notes.map((n) => `- ${n}`).join('\n')}\n\nAll: ${Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}.\n`;
}
