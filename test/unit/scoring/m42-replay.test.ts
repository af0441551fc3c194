import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aggregateClipped, exampleMetrics } from '../../../src/scoring/index.js';

// Recorded per-criterion verdicts of 100 HealthBench examples (docs/healthbench.md §11), reduced to points, tags and
// verdicts, plus the recorded per-example metric dicts; final_metrics.json is the producing run's aggregate.
const FIXTURE_DIR = new URL('../../fixtures/m42-replay/', import.meta.url);

interface ReplayRow {
  prompt_id: string;
  example_tags: string[];
  rubric: Array<{ points: number; tags: string[]; criteria_met: boolean }>;
  metrics: Record<string, number>;
}

const rows: ReplayRow[] = readFileSync(new URL('replay.jsonl', FIXTURE_DIR), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as ReplayRow);
const finalMetrics = JSON.parse(readFileSync(new URL('final_metrics.json', FIXTURE_DIR), 'utf8')) as Record<string, number>;

function recompute(row: ReplayRow): Record<string, number> | null {
  return exampleMetrics(
    row.example_tags,
    row.rubric,
    row.rubric.map((item) => item.criteria_met),
  );
}

const names = Object.keys(finalMetrics).filter((k) => !k.endsWith(':n_samples') && !k.endsWith(':bootstrap_std'));

describe('m42 replay (100 recorded examples)', () => {
  it('has the documented shape: 100 rows and 70 metric names', () => {
    expect(rows).toHaveLength(100);
    expect(names).toHaveLength(70);
  });

  it('recomputes every recorded per-example metric dict exactly, keys and order included', () => {
    for (const row of rows) {
      const metrics = recompute(row);
      expect(metrics, row.prompt_id).toEqual(row.metrics);
      expect(Object.keys(metrics ?? {}), row.prompt_id).toEqual(Object.keys(row.metrics));
    }
  });

  it('skips the 40 (example, rubric tag) pairs without positive points', () => {
    let skipped = 0;
    for (const row of rows) {
      const tags = new Set(row.rubric.flatMap((item) => item.tags));
      const metrics = recompute(row) ?? {};
      for (const tag of tags) if (!(tag in metrics)) skipped++;
    }
    expect(skipped).toBe(40);
  });

  const aggregated = aggregateClipped(
    rows.map((row) => recompute(row) ?? {}),
    { seed: 0 },
  );

  it('produces exactly the 210 keys of final_metrics.json', () => {
    expect(Object.keys(aggregated).sort()).toEqual(Object.keys(finalMetrics).sort());
  });

  it.each(names)('reproduces the mean and n_samples of %s exactly', (name) => {
    expect(aggregated[name]).toBe(finalMetrics[name]);
    expect(aggregated[`${name}:n_samples`]).toBe(finalMetrics[`${name}:n_samples`]);
  });

  it('gives every bootstrap_std a value in [0, 0.5]', () => {
    for (const name of names) {
      const std = aggregated[`${name}:bootstrap_std`];
      expect(std, name).toBeGreaterThanOrEqual(0);
      expect(std, name).toBeLessThanOrEqual(0.5);
    }
  });

  it('lands close to the recorded overall bootstrap std (plausibility only: upstream is unseeded)', () => {
    expect(Math.abs((aggregated['overall_score:bootstrap_std'] ?? NaN) - 0.027684495507011013)).toBeLessThan(0.003);
  });
});
