/** A grader reply judged against the verdict contract (docs/healthbench.md §7). */
export type VerdictParse = { ok: true; met: boolean; explanation: string } | { ok: false; reason: string };

const FENCE = /^```json\s*|\s*```$/g;

/**
 * The reference's acceptance rules: trim; strip one leading ```json fence and one trailing fence; parse
 * JSON; accept only an object whose `criteria_met` is a boolean. Prose around the JSON, a bare ```
 * fence, `"true"` as a string or `1` are rejected, never guessed.
 */
export function parseVerdict(text: string): VerdictParse {
  const cleaned = text.trim().replace(FENCE, '');
  let value: unknown;
  try {
    value = JSON.parse(cleaned);
  } catch {
    return { ok: false, reason: 'reply is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'reply is not a JSON object' };
  }
  const record = value as Record<string, unknown>;
  if (!('criteria_met' in record)) return { ok: false, reason: 'reply has no "criteria_met"' };
  const met = record['criteria_met'];
  if (typeof met !== 'boolean') return { ok: false, reason: `"criteria_met" is ${JSON.stringify(met)}, not a boolean` };
  const explanation = record['explanation'];
  return {
    ok: true,
    met,
    explanation:
      explanation === undefined ? 'No explanation provided' : typeof explanation === 'string' ? explanation : JSON.stringify(explanation),
  };
}
