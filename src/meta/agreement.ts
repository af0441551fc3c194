/**
 * Pairwise agreement of one rater with the physicians (docs/healthbench.md §12, the reference's
 * `compute_metrics_for_rater_by_class`). Pure.
 */

import type { AgreementMetric, AgreementMetrics, Rater } from './types.js';

type Metric = 'precision' | 'recall' | 'f1';
type Side = 'pos' | 'neg' | 'balanced';

/** A key's parts, kept beside the key so twins are found structurally rather than by string replacement. */
interface KeyParts {
  /** `''` for the overall key, `"<category>: "` for a per-category key. */
  prefix: string;
  metric: Metric;
  side: Side;
}

function keyOf(who: Rater, parts: KeyParts): string {
  return `${parts.prefix}pairwise_${who}_${parts.metric}_${parts.side}`;
}

interface Entry {
  parts: KeyParts;
  metric: AgreementMetric;
}

/** `2PR/(P+R)` with the reference's `n = n_P + n_R − P·n_P` (TP+FP + TP+FN − TP), evaluated in the same order. */
function f1Of(precision: AgreementMetric, recall: AgreementMetric): AgreementMetric {
  const p = precision.value;
  const r = recall.value;
  if (p === null || r === null) return { n: precision.n + recall.n, value: null };
  const tp = p * precision.n;
  const n = precision.n + recall.n - tp;
  if (p === 0 && r === 0) return { n, value: 0 };
  return { n, value: (2 * (p * r)) / (p + r) };
}

function balancedOf(pos: AgreementMetric, neg: AgreementMetric): AgreementMetric {
  const value = pos.value === null || neg.value === null ? null : (pos.value + neg.value) / 2;
  return { n: pos.n + neg.n, value };
}

/**
 * Agreement metrics of `self` against `others` (docs/healthbench.md §12):
 * 1. for each row and each other label o, `self === o` is appended to precision_{self ? pos : neg} and
 *    recall_{o ? pos : neg}, overall and under `"<cluster>: "`; each list becomes `{n, value: mean}`;
 * 2. f1 wherever a precision key has its recall twin;
 * 3. balanced (precision, recall, f1) wherever a `pos` key has its `neg` twin, computed after f1.
 *
 * Deliberate difference: the reference finds twins by replacing every "pos" in the key, so a category whose name
 * contains "pos" (e.g. `complex_responses`) never gets balanced keys there; here only the suffix is swapped.
 * Keys appear in the reference's insertion order. Lists are 0/1, so count/n equals numpy's mean bit for bit.
 *
 * @throws RangeError when the three input lists differ in length (the reference zips with `strict=True`).
 */
export function computeMetricsForRaterByClass(
  self: readonly boolean[],
  others: readonly (readonly boolean[])[],
  clusters: readonly string[],
  who: Rater,
): AgreementMetrics {
  if (others.length !== self.length || clusters.length !== self.length) {
    throw new RangeError(`Expected equal lengths, got self ${self.length}, others ${others.length}, clusters ${clusters.length}`);
  }
  const tallies = new Map<string, { parts: KeyParts; agree: number; n: number }>();
  const record = (parts: KeyParts, agree: boolean): void => {
    const key = keyOf(who, parts);
    let tally = tallies.get(key);
    if (tally === undefined) {
      tally = { parts, agree: 0, n: 0 };
      tallies.set(key, tally);
    }
    tally.n += 1;
    if (agree) tally.agree += 1;
  };

  for (let row = 0; row < self.length; row++) {
    const mine = self[row] as boolean;
    const prefix = `${clusters[row] as string}: `;
    const precisionSide: Side = mine ? 'pos' : 'neg';
    for (const other of others[row] as readonly boolean[]) {
      const agree = mine === other;
      const recallSide: Side = other ? 'pos' : 'neg';
      record({ prefix: '', metric: 'precision', side: precisionSide }, agree);
      record({ prefix, metric: 'precision', side: precisionSide }, agree);
      record({ prefix: '', metric: 'recall', side: recallSide }, agree);
      record({ prefix, metric: 'recall', side: recallSide }, agree);
    }
  }

  const entries = new Map<string, Entry>();
  for (const [key, tally] of tallies) {
    entries.set(key, { parts: tally.parts, metric: { n: tally.n, value: tally.agree / tally.n } });
  }

  const f1Entries: [string, Entry][] = [];
  for (const { parts, metric } of entries.values()) {
    if (parts.metric !== 'precision') continue;
    const recall = entries.get(keyOf(who, { ...parts, metric: 'recall' }));
    if (recall === undefined) continue;
    const f1Parts: KeyParts = { ...parts, metric: 'f1' };
    f1Entries.push([keyOf(who, f1Parts), { parts: f1Parts, metric: f1Of(metric, recall.metric) }]);
  }
  for (const [key, entry] of f1Entries) entries.set(key, entry);

  const balancedEntries: [string, Entry][] = [];
  for (const { parts, metric } of entries.values()) {
    if (parts.side !== 'pos') continue;
    const neg = entries.get(keyOf(who, { ...parts, side: 'neg' }));
    if (neg === undefined) continue;
    const balancedParts: KeyParts = { ...parts, side: 'balanced' };
    balancedEntries.push([keyOf(who, balancedParts), { parts: balancedParts, metric: balancedOf(metric, neg.metric) }]);
  }
  for (const [key, entry] of balancedEntries) entries.set(key, entry);

  const out: AgreementMetrics = {};
  for (const [key, entry] of entries) out[key] = entry.metric;
  return out;
}
