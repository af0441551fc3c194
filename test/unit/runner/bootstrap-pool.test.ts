import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aggregateClipped, collectSeries, metricStats, newBootstrapCache } from '../../../src/scoring/index.js';
import { buildHealthbenchReport } from '../../../src/report/build-report.js';
import type { SampleRecord } from '../../../src/core/types.js';

// The worker thread runs compiled JavaScript, so this test drives the built module (`npm test` builds first).
const DIST = new URL('../../../dist/runner/bootstrap-pool.js', import.meta.url);
type Pool = typeof import('../../../src/runner/bootstrap-pool.js');

/** A deterministic HealthBench-shaped metric map per example (values in [-0.2, 1.1], two themes, one axis). */
function perExample(n: number): Array<Record<string, number>> {
  let x = 12345;
  const next = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) / 2 ** 24;
  };
  return Array.from({ length: n }, (_, i) => ({
    overall_score: next() * 1.3 - 0.2,
    [`theme:${i % 2 === 0 ? 'emergency' : 'hedging'}`]: next(),
    'axis:accuracy': next(),
  }));
}

describe.runIf(existsSync(DIST))('bootstraps computed ahead on two threads', () => {
  it('are exactly the bootstraps the report would draw, and the report built with them is identical', async () => {
    const { BootstrapPool, precomputeBootstraps } = (await import(DIST.href)) as Pool;
    const rows = perExample(600);
    const pool = BootstrapPool.start();
    const cache = await precomputeBootstraps([...collectSeries(rows)], 42, true, pool).finally(() => pool.close());
    // overall_score, theme:emergency, theme:hedging, axis:accuracy and the reference's extra `score` series.
    expect(cache.size).toBe(5);
    for (const [key, { values, stats }] of cache) {
      expect(stats).toEqual(metricStats(values, key.split('\u0000')[0] ?? '', true, { seed: 42 }));
    }
    expect(aggregateClipped(rows, { seed: 42, cache })).toEqual(aggregateClipped(rows, { seed: 42 }));
    const samples = rows.map((metrics, position): { position: number; sample: SampleRecord } => ({
      position,
      sample: {
        task: 'healthbench',
        exampleId: `e${position}`,
        repeat: 0,
        language: 'en',
        exampleTags: [],
        messagesSent: [],
        response: 'r',
        criteria: [],
        score: metrics['overall_score'] ?? null,
        metrics,
        detail: null,
        usage: {
          candidate: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0, calls: 0 },
          grader: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0, calls: 0 },
        },
        error: null,
      },
    }));
    const ctx = {
      runId: 'r',
      createdAt: '2026-01-01T00:00:00.000Z',
      toolVersion: 't',
      dataset: { name: 'd', sha256: '0', officialSha256: 'n/a' as const, count: 600 },
      model: null,
      grader: null,
      seed: 42,
      repeats: 1,
      testDouble: true,
      notes: [],
    };
    expect(buildHealthbenchReport(samples, { ...ctx, bootstrapCache: cache })).toEqual(buildHealthbenchReport(samples, ctx));
  });

  it('run in a worker thread (not only in the fallback on this thread)', async () => {
    const { bootstrapInWorker } = (await import(DIST.href)) as Pool;
    const values = Float64Array.from(perExample(300).map((r) => r['overall_score'] ?? 0));
    const results = await bootstrapInWorker({ seed: 7, clip: true, series: [['overall_score', values.slice()]] });
    expect(results).not.toBeNull();
    expect(results?.[0]?.stats).toEqual(metricStats(values, 'overall_score', true, { seed: 7 }));
  });

  it('warmed up on start, answer the jobs that follow with the same figures', async () => {
    const { BootstrapPool } = (await import(DIST.href)) as Pool;
    const pool = BootstrapPool.start({ warm: true });
    try {
      const values = Float64Array.from(perExample(300).map((r) => r['overall_score'] ?? 0));
      const results = await pool.run({ seed: 7, clip: true, series: [['overall_score', values.slice()]] });
      expect(results?.[0]?.stats).toEqual(metricStats(values, 'overall_score', true, { seed: 7 }));
    } finally {
      await pool.close();
    }
  });

  it('leave small reports alone (a thread would cost more than it saves)', async () => {
    const { BootstrapPool, precomputeBootstraps } = (await import(DIST.href)) as Pool;
    expect((await precomputeBootstraps([...collectSeries(perExample(20))], 42, true)).size).toBe(0);
    // 3 million draws: worth the thread started during the run, not one started now.
    expect((await precomputeBootstraps([...collectSeries(perExample(600))], 42, true)).size).toBe(0);
    const pool = BootstrapPool.start();
    expect((await precomputeBootstraps([...collectSeries(perExample(600))], 42, true, pool)).size).toBe(5);
    await pool.close();
    expect(newBootstrapCache().size).toBe(0);
  });
});

describe('two threads walking one list of series', () => {
  it('compute every series exactly once between them, the same as alone', async () => {
    const { computeClaimed } = await import('../../../src/runner/bootstrap-pool.js');
    const series = [...collectSeries(perExample(300))].map(([name, values]): [string, Float64Array] => [name, Float64Array.from(values)]);
    const claims = new Int32Array(new SharedArrayBuffer(4));
    const job = { seed: 3, clip: true, series };
    // Taking turns stands in for the two threads racing: each take is one Atomics.add.
    const first = computeClaimed({ ...job, series: series.slice() }, claims);
    const second = computeClaimed(job, claims);
    expect(first.map((r) => r.name).sort()).toEqual(series.map(([name]) => name).sort());
    expect(second).toEqual([]);
    for (const r of first) {
      const values = series.find(([name]) => name === r.name)?.[1] ?? new Float64Array();
      expect(r.stats).toEqual(metricStats(values, r.name, true, { seed: 3 }));
    }
  });
});
