import { describe, expect, test } from 'vitest';
import { AXES, MEAN_CRITERIA, poisson, seededRandom, syntheticExample, THEMES, toOwnFormat } from '../../../bench/workload.js';
import { validateConversation, validateRubric } from '../../../src/schemas/index.js';

describe('bench workload', () => {
  const rng = seededRandom(1);
  const examples = Array.from({ length: 2000 }, (_, i) => syntheticExample(i, rng));

  test('is HealthBench-shaped: ~11.45 criteria per example, about a quarter negative, theme and axis tags', () => {
    const criteria = examples.flatMap((e) => e.rubric);
    expect(criteria.length / examples.length).toBeGreaterThan(MEAN_CRITERIA - 0.4);
    expect(criteria.length / examples.length).toBeLessThan(MEAN_CRITERIA + 0.4);
    const negative = criteria.filter((c) => c.points < 0).length / criteria.length;
    expect(negative).toBeGreaterThan(0.18);
    expect(negative).toBeLessThan(0.3);
    expect(criteria.every((c) => AXES.some((a) => c.tags.includes(`axis:${a}`)))).toBe(true);
    expect(examples.every((e) => THEMES.some((t) => e.tags.includes(`theme:${t}`)))).toBe(true);
  });

  test('every example can be scored, has unique criterion texts and ends with a user turn', () => {
    for (const e of examples) {
      expect(e.rubric[0]?.points).toBeGreaterThan(0);
      expect(new Set(e.rubric.map((c) => c.text)).size).toBe(e.rubric.length);
      expect(e.messages.at(-1)?.role).toBe('user');
    }
  });

  test('is deterministic for a seed', () => {
    const again = syntheticExample(0, seededRandom(1));
    expect(again).toEqual(examples[0]);
  });

  test('is valid in our own dataset format, with or without a stated language', () => {
    const withLang = syntheticExample(1, seededRandom(2), 'en');
    for (const e of [examples[5], withLang]) {
      if (!e) throw new Error('no example');
      const f = toOwnFormat(e);
      expect(validateConversation(JSON.parse(f.conversation))).toBe(true);
      expect(validateRubric(JSON.parse(f.rubric))).toBe(true);
    }
    expect(JSON.parse(toOwnFormat(withLang).conversation).language).toBe('en');
    expect('language' in JSON.parse(toOwnFormat(examples[5] ?? withLang).conversation)).toBe(false);
  });

  test('poisson draws have the requested mean', () => {
    const r = seededRandom(3);
    const draws = Array.from({ length: 20_000 }, () => poisson(11.45, r));
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeCloseTo(11.45, 1);
  });
});
