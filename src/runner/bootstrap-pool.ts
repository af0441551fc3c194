import { Worker } from 'node:worker_threads';
import { collectSeries, metricStats, newBootstrapCache, rememberStats, type BootstrapCache, type Stats } from '../scoring/aggregate.js';

/** One worker's share: metric series to bootstrap. */
export interface BootstrapJob {
  seed: number;
  clip: boolean;
  series: Array<[string, Float64Array]>;
}

export interface BootstrapResult {
  name: string;
  stats: Stats;
}

/** Below this many draws in all, a second thread costs more than it saves. */
const PARALLEL_FROM_DRAWS = 500_000;

/** Splits the series in two shares of about equal work (draws ∝ values), the largest first. */
function halves(series: Array<[string, Float64Array]>): [Array<[string, Float64Array]>, Array<[string, Float64Array]>] {
  const a: Array<[string, Float64Array]> = [];
  const b: Array<[string, Float64Array]> = [];
  let wa = 0;
  let wb = 0;
  for (const s of [...series].sort((x, y) => y[1].length - x[1].length)) {
    if (wa <= wb) {
      a.push(s);
      wa += s[1].length;
    } else {
      b.push(s);
      wb += s[1].length;
    }
  }
  return [a, b];
}

/** Runs a job in a worker thread; null when the thread cannot run it (the caller then computes it itself). */
export function bootstrapInWorker(job: BootstrapJob): Promise<BootstrapResult[] | null> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./bootstrap-worker.js', import.meta.url), { workerData: job });
    } catch {
      resolve(null);
      return;
    }
    worker.once('message', (results: BootstrapResult[]) => resolve(results));
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
}

/**
 * The bootstraps of every metric of `perExample` (the flat metric map's series, in this order), computed half in
 * a worker thread and half here at the same time, as a cache for the report to read instead of drawing them again.
 * Each bootstrap is the same pure function of its stream and values wherever it runs, and the report reuses one only
 * for identical values, so the figures cannot differ from a report built without it.
 */
export async function precomputeBootstraps(
  perExample: ReadonlyArray<Readonly<Record<string, number>>>,
  seed: number,
  clip: boolean,
): Promise<BootstrapCache> {
  const cache = newBootstrapCache();
  const series = [...collectSeries(perExample)].map(([name, values]): [string, Float64Array] => [name, Float64Array.from(values)]);
  const draws = series.reduce((n, [, v]) => n + v.length * 1000, 0);
  if (series.length < 2 || draws < PARALLEL_FROM_DRAWS) return cache;
  const [there, here] = halves(series);
  const remote = bootstrapInWorker({ seed, clip, series: there.map(([name, values]) => [name, values.slice()]) });
  for (const [name, values] of here) rememberStats(cache, values, name, clip, { seed }, metricStats(values, name, clip, { seed }));
  const results = await remote;
  for (const [name, values] of there) {
    const found = results?.find((r) => r.name === name);
    rememberStats(cache, values, name, clip, { seed }, found ? found.stats : metricStats(values, name, clip, { seed }));
  }
  return cache;
}
