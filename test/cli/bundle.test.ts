/**
 * The built CLI is an esbuild bundle (src/build/bundle-cli.ts): `dist/cli/main.js` and chunks beside it. Every other
 * CLI test runs that bundle; these check what they would not notice: that it is a bundle at all, and that the
 * bootstrap worker, which a run starts only at a few hundred examples and which falls back to the main thread when
 * it cannot start, runs from the bundle.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { BootstrapReply, BootstrapRequest } from '../../src/runner/bootstrap-pool.js';
import { metricStats } from '../../src/scoring/aggregate.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI_DIR = join(ROOT, 'dist', 'cli');

function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*import\s+(?:[^'"]*?\s+from\s+)?["']([^"']+)["']/gm)].map((m) => m[1] ?? '');
}

describe('the built CLI bundle', () => {
  it('dist/cli/main.js loads only Node built-ins and its own chunks, never a package or a compiled module', () => {
    const imports = staticImports(join(CLI_DIR, 'main.js'));
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((spec) => !spec.startsWith('node:') && !/^\.\/chunk-[A-Z0-9]+\.js$/.test(spec))).toEqual([]);
  });

  it('runs the bootstrap worker from the bundle, with the figures the main thread computes', async () => {
    const values = Float64Array.from({ length: 300 }, (_, i) => ((i * 37) % 101) / 100);
    const worker = new Worker(join(CLI_DIR, 'bootstrap-worker.js'));
    const reply = new Promise<BootstrapReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const request: BootstrapRequest = { id: 3, seed: 7, clip: true, series: [['overall_score', values.slice()]] };
    worker.postMessage(request);
    const { id, results } = await reply;
    expect(id).toBe(3);
    await worker.terminate();
    const expected = metricStats(values, 'overall_score', true, { seed: 7 });
    expect(results.map((r) => r.name)).toEqual(['overall_score']);
    expect(results[0]?.stats.mean).toBe(expected.mean);
    expect(results[0]?.stats.bootstrapStd).toBe(expected.bootstrapStd);
    expect(Array.from(results[0]?.stats.bootstrapMeans ?? [])).toEqual(Array.from(expected.bootstrapMeans));
  });
});
