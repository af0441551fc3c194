/**
 * Per-example HealthBench scoring (docs/healthbench.md §5): the score of one graded response and the reference's
 * per-example metric dict that aggregation, diffs and gates read.
 */

/** The part of a rubric item the score needs. */
export interface ScoredItem {
  points: number;
}

/** The part of a rubric item the per-tag metrics need. */
export interface TaggedItem extends ScoredItem {
  tags: readonly string[];
}

function checkLengths(items: number, met: number): void {
  if (items !== met) {
    throw new RangeError(`Expected one verdict per rubric item, got ${met} verdicts for ${items} items`);
  }
}

/** Score of the items at `indices` (all items when null); null when none of them has positive points. */
function scoreOf(rubric: readonly ScoredItem[], met: readonly boolean[], indices: readonly number[] | null): number | null {
  // Plain left-to-right sums like Python's sum(); the official points are integers, so order cannot matter there.
  let possible = 0;
  let achieved = 0;
  const count = indices === null ? rubric.length : indices.length;
  for (let k = 0; k < count; k++) {
    const i = indices === null ? k : (indices[k] as number);
    const points = (rubric[i] as ScoredItem).points;
    if (points > 0) possible += points;
    if (met[i] === true) achieved += points;
  }
  return possible > 0 ? achieved / possible : null;
}

/**
 * Points of met items (negative ones subtract) divided by the sum of positive points; not clipped, so it can be
 * negative. Null when no item has positive points (the reference's `None`).
 */
export function scoreExample(rubric: readonly ScoredItem[], met: readonly boolean[]): number | null {
  checkLengths(rubric.length, met.length);
  return scoreOf(rubric, met, null);
}

/**
 * The reference per-example metric dict: `overall_score`; each example tag → overall_score; each rubric tag → the
 * score of the items carrying it, omitted when those items have no positive points (so the example does not count in
 * that tag's `n_samples`). Null when the overall score is null. Key order: overall_score, example tags, rubric tags in
 * first-seen order (a rubric tag equal to an example tag overwrites its value in place, like `dict.update`).
 *
 * Throws on a repeated example tag or a tag repeated within one item: the reference asserts both, and counting an item
 * twice would silently change the tag's score.
 */
export function exampleMetrics(
  exampleTags: readonly string[],
  rubric: readonly TaggedItem[],
  met: readonly boolean[],
): Record<string, number> | null {
  checkLengths(rubric.length, met.length);
  const overall = scoreOf(rubric, met, null);
  if (overall === null) return null;

  const metrics = new Map<string, number>([['overall_score', overall]]);
  const seenExampleTags = new Set<string>();
  for (const tag of exampleTags) {
    if (seenExampleTags.has(tag)) throw new RangeError(`Duplicate example tag "${tag}"`);
    seenExampleTags.add(tag);
    metrics.set(tag, overall);
  }

  const itemsByTag = new Map<string, number[]>();
  for (let i = 0; i < rubric.length; i++) {
    const tags = (rubric[i] as TaggedItem).tags;
    for (let t = 0; t < tags.length; t++) {
      const tag = tags[t] as string;
      if (tags.indexOf(tag) !== t) throw new RangeError(`Rubric item ${i} repeats tag "${tag}"`);
      const list = itemsByTag.get(tag);
      if (list === undefined) itemsByTag.set(tag, [i]);
      else list.push(i);
    }
  }
  for (const [tag, indices] of itemsByTag) {
    const score = scoreOf(rubric, met, indices);
    if (score !== null) metrics.set(tag, score);
  }

  // Built through a Map so insertion order survives; Object.fromEntries then preserves it for non-numeric keys.
  return Object.fromEntries(metrics);
}
