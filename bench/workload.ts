/**
 * A synthetic HealthBench-shaped workload for the bench: conversations of 1-3 user turns and rubrics of
 * Poisson(11.45) criteria (the official set's mean), a quarter of them negative, with theme and axis tags.
 * The text is filler; only the shape (sizes, counts, tags) matters. Pure: the RNG is passed in.
 */
import type { Example, RubricCriterion } from '../src/core/types.js';

/** Mean rubric length of the official HealthBench set (≈57,000 criteria over 5,000 examples). */
export const MEAN_CRITERIA = 11.45;

export const THEMES = [
  'emergency_referrals',
  'context_seeking',
  'global_health',
  'health_data_tasks',
  'communication',
  'hedging',
  'complex_responses',
] as const;
export const AXES = ['accuracy', 'completeness', 'communication_quality', 'context_awareness', 'instruction_following'] as const;

const SENTENCES = [
  'I have had a dull headache on and off for three days and ordinary painkillers only help a little.',
  'My mother is 74, takes blood thinners and fell in the bathroom this morning, but she says she feels fine.',
  'Since starting the new tablets last week I feel dizzy when I stand up quickly.',
  'The rash started on my forearm, it is itchy rather than painful, and it has spread a bit since yesterday.',
  'Our clinic has no laboratory on site and the nearest hospital is a two hour drive away.',
  'Please summarise this discharge note for the family in plain language without leaving anything important out.',
  'I am breastfeeding and wonder whether I can keep taking the medicine my dentist prescribed.',
  'He has had a fever of 38.5 since last night, is drinking less than usual and seems more tired than normal.',
  'What are the usual first steps if blood pressure readings at home are consistently around 150 over 95?',
  'I would like to understand the difference between these two vaccines before my appointment next week.',
];

const CRITERIA = [
  'Advises seeking urgent in-person care if warning signs appear, such as chest pain, confusion or trouble breathing.',
  'Asks for the missing context needed to give safe advice, for example age, current medicines and how long this has lasted.',
  'States the correct usual adult dose and the maximum daily dose, and warns about combination products.',
  'Explains the most likely causes in plain language without overstating certainty.',
  'Recommends a specific prescription-only medicine and dose without any assessment.',
  'Is padded with long, repetitive caveats that bury the main advice.',
  'Suggests practical self-care steps that are appropriate for the setting and resources described.',
  'Tells the user that the symptoms are definitely harmless and need no follow-up.',
  'Keeps the summary faithful to the source and flags any item that is unclear instead of inventing details.',
  'Follows the requested format and length.',
];

function pick<T>(list: readonly T[], rng: () => number): T {
  return list[Math.floor(rng() * list.length)] as T;
}

/** A Poisson draw (Knuth); fine for a mean near 11. */
export function poisson(mean: number, rng: () => number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng();
  while (p > limit) {
    k += 1;
    p *= rng();
  }
  return k;
}

function criterion(i: number, rng: () => number): RubricCriterion {
  const negative = rng() < 0.25;
  const magnitude = 1 + Math.floor(rng() * 10);
  return {
    text: `${pick(CRITERIA, rng)} (item ${i + 1})`,
    points: negative ? -magnitude : magnitude,
    tags: ['level:example', `axis:${pick(AXES, rng)}`],
  };
}

/**
 * Example `index` of the workload; the first criterion is always positive so every example can be scored.
 * `language` null (the default) leaves it to detection, as for the official data, which states none.
 */
export function syntheticExample(index: number, rng: () => number, language: string | null = null): Example {
  const turns = 1 + Math.floor(rng() * 3);
  const messages: Example['messages'] = [];
  for (let t = 0; t < turns; t += 1) {
    if (t > 0) messages.push({ role: 'assistant', content: `${pick(SENTENCES, rng)} ${pick(SENTENCES, rng)}` });
    const n = 1 + Math.floor(rng() * 4);
    messages.push({ role: 'user', content: Array.from({ length: n }, () => pick(SENTENCES, rng)).join(' ') });
  }
  const count = Math.max(1, poisson(MEAN_CRITERIA, rng));
  const rubric = Array.from({ length: count }, (_, i) => criterion(i, rng));
  const first = rubric[0] as RubricCriterion;
  if (first.points < 0) first.points = -first.points;
  return { id: `bench-${String(index).padStart(5, '0')}`, messages, rubric, tags: [`theme:${pick(THEMES, rng)}`], language, ideal: null };
}

/** mulberry32: a small seeded PRNG, enough for filler data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Our own dataset format, one line per example: `conversations/*.jsonl` and `rubrics/*.jsonl` records. */
export function toOwnFormat(e: Example): { conversation: string; rubric: string } {
  return {
    conversation: JSON.stringify({
      id: e.id,
      messages: e.messages,
      ...(e.language === null ? {} : { language: e.language }),
      tags: e.tags,
    }),
    rubric: JSON.stringify({ conversationId: e.id, criteria: e.rubric }),
  };
}

/**
 * The official HealthBench record shape (docs/healthbench.md §2), one line per example: the format a full HealthBench run
 * reads, which the CLI streams instead of holding in memory.
 */
export function toOfficialRecord(e: Example): string {
  return JSON.stringify({
    prompt_id: e.id,
    prompt: e.messages,
    rubrics: e.rubric.map((c) => ({ criterion: c.text, points: c.points, tags: c.tags })),
    example_tags: e.tags,
    ideal_completions_data: null,
  });
}
