/**
 * Worker thread of `bootstrap-pool.ts`: computes the bootstrap of each metric series it is given (the same pure
 * function the report would run) and posts the results back, transferring the arrays.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { metricStats } from '../scoring/aggregate.js';
import type { BootstrapJob, BootstrapResult } from './bootstrap-pool.js';

const job = workerData as BootstrapJob;
const results: BootstrapResult[] = job.series.map(([name, values]) => ({
  name,
  stats: metricStats(values, name, job.clip, { seed: job.seed }),
}));
parentPort?.postMessage(
  results,
  results.map((r) => r.stats.bootstrapMeans.buffer as ArrayBuffer),
);
