import { describe, expect, test } from 'vitest';
import { diffRuns } from '../../../src/compare/index.js';
import { LENGTH_ADJUSTED_KEY } from '../../../src/scoring/index.js';
import { sample, side } from './make-run.js';

describe('diff of HealthBench Professional runs', () => {
  test('groups by use case, type, difficulty and specialty, and compares the length-adjusted score', () => {
    const tags = (useCase: string): string[] => [`use_case:${useCase}`, 'type:standard', 'difficulty:hard', 'specialty:cardiology'];
    const ids = ['a', 'b', 'c', 'd'];
    const base = side(
      'base',
      ids.map((id, i) => sample(id, 0.5, { tags: tags(i < 2 ? 'research' : 'care_consult'), extra: { [LENGTH_ADJUSTED_KEY]: 0.45 } })),
    );
    const head = side(
      'head',
      ids.map((id, i) =>
        sample(id, i < 2 ? 0.7 : 0.5, { tags: tags(i < 2 ? 'research' : 'care_consult'), extra: { [LENGTH_ADJUSTED_KEY]: 0.6 } }),
      ),
    );
    const diff = diffRuns(base, head, { seed: 0, bootstrapSamples: 50 });
    const byGroup = new Map(diff.groups.map((g) => [g.group, g]));
    expect([...byGroup.keys()].sort()).toEqual(
      [
        'difficulty:hard',
        LENGTH_ADJUSTED_KEY,
        'language:en',
        'overall',
        'specialty:cardiology',
        'type:standard',
        'use_case:care_consult',
        'use_case:research',
      ].sort(),
    );
    expect(byGroup.get('use_case:research')?.delta).toBeCloseTo(0.2, 12);
    expect(byGroup.get('use_case:care_consult')?.delta).toBe(0);
    expect(byGroup.get(LENGTH_ADJUSTED_KEY)?.delta).toBeCloseTo(0.15, 12);
    expect(byGroup.get(LENGTH_ADJUSTED_KEY)?.n).toBe(4);
  });
});
