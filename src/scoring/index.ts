/** Public API of the pure scoring core: numpy-exact means, Python-exact sampling, per-example scores, aggregation. */

export { numpyMean, pairwiseSum, pairwiseSumGathered, pairwiseSumRange } from './pairwise.js';
export { MT19937, seedKey, selectExampleIndices } from './random.js';
export type { MTState } from './random.js';
export { exampleMetrics, scoreExample } from './score-example.js';
export type { ScoredItem, TaggedItem } from './score-example.js';
export {
  DEFAULT_BOOTSTRAP_SAMPLES,
  aggregateClipped,
  aggregateClippedSeries,
  aggregateUnclipped,
  bootstrapStream,
  fnv1a32,
  meanClipped,
  collectSeries,
  meanUnclipped,
  metricStats,
  newBootstrapCache,
  rememberStats,
  summarizeGroup,
} from './aggregate.js';
export type { BootstrapCache, BootstrapOptions, Stats, SummarizeOptions } from './aggregate.js';
export {
  LENGTH_ADJUSTED_KEY,
  LENGTH_ADJUSTMENT_UNIT_CHARS,
  PUBLISHED_LENGTH_ADJUSTMENT,
  checkLengthAdjustment,
  codePointLength,
  lengthAdjustedScore,
} from './length-adjust.js';
export type { LengthAdjustment, PublishedSet } from './length-adjust.js';
