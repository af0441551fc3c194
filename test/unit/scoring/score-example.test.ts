import { describe, expect, it } from 'vitest';
import { exampleMetrics, scoreExample } from '../../../src/scoring/index.js';

describe('scoreExample', () => {
  it('scores met points over positive points: +7 +5 +10 -6 with T F T T gives (7+10-6)/22 = 0.5', () => {
    const rubric = [{ points: 7 }, { points: 5 }, { points: 10 }, { points: -6 }];
    expect(scoreExample(rubric, [true, false, true, true])).toBe(0.5);
  });

  it('can go negative because it is not clipped per example', () => {
    expect(scoreExample([{ points: 5 }, { points: -8 }], [false, true])).toBe(-1.6);
  });

  it('returns null when no item has positive points', () => {
    expect(scoreExample([{ points: -3 }, { points: -1 }], [true, false])).toBeNull();
    expect(scoreExample([], [])).toBeNull();
  });

  it('rejects a verdict list that does not match the rubric', () => {
    expect(() => scoreExample([{ points: 1 }], [])).toThrow(RangeError);
  });
});

describe('exampleMetrics', () => {
  const rubric = [
    { points: 7, tags: ['level:example', 'axis:accuracy'] },
    { points: 5, tags: ['level:example', 'axis:completeness'] },
    { points: -6, tags: ['level:cluster', 'axis:accuracy'] },
    { points: -2, tags: ['level:cluster', 'cluster:safety'] },
  ];

  it('maps example tags to the overall score and rubric tags to the score of their items, in reference key order', () => {
    const metrics = exampleMetrics(['theme:hedging', 'physician_agreed_category:x'], rubric, [true, false, true, false]);
    expect(metrics).toEqual({
      overall_score: 1 / 12,
      'theme:hedging': 1 / 12,
      'physician_agreed_category:x': 1 / 12,
      'level:example': 7 / 12,
      'axis:accuracy': 1 / 7,
      'axis:completeness': 0,
    });
    expect(Object.keys(metrics ?? {})).toEqual([
      'overall_score',
      'theme:hedging',
      'physician_agreed_category:x',
      'level:example',
      'axis:accuracy',
      'axis:completeness',
    ]);
  });

  it('omits a rubric tag whose items have no positive points, so the example does not count for it', () => {
    const metrics = exampleMetrics([], rubric, [true, true, true, true]);
    expect(metrics).not.toBeNull();
    expect(metrics).not.toHaveProperty('level:cluster');
    expect(metrics).not.toHaveProperty('cluster:safety');
    expect(metrics).toHaveProperty('axis:completeness', 1);
  });

  it('returns null when the overall score is null', () => {
    expect(exampleMetrics(['theme:x'], [{ points: -1, tags: ['axis:a'] }], [true])).toBeNull();
  });

  it('lets a rubric tag equal to an example tag overwrite its value in place, like dict.update', () => {
    const metrics = exampleMetrics(
      ['axis:a', 'theme:t'],
      [
        { points: 2, tags: ['axis:a'] },
        { points: 2, tags: [] },
      ],
      [true, false],
    );
    expect(metrics).toEqual({ overall_score: 0.5, 'axis:a': 1, 'theme:t': 0.5 });
    expect(Object.keys(metrics ?? {})).toEqual(['overall_score', 'axis:a', 'theme:t']);
  });

  it('rejects duplicate example tags and a tag repeated within one item, as the reference asserts', () => {
    expect(() => exampleMetrics(['theme:a', 'theme:a'], [{ points: 1, tags: [] }], [true])).toThrow(RangeError);
    expect(() => exampleMetrics([], [{ points: 1, tags: ['axis:a', 'axis:a'] }], [true])).toThrow(RangeError);
  });
});
