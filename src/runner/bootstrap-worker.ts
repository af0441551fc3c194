/**
 * Worker thread of `bootstrap-pool.ts`: waits for jobs, computes the bootstrap of each metric series it is given, or of
 * each it takes when it shares the list with the posting thread (the same pure function the report would run), and
 * posts the results back, transferring the arrays.
 */
import { parentPort } from 'node:worker_threads';
import { metricStats } from '../scoring/aggregate.js';
import { computeClaimed, type BootstrapReply, type BootstrapRequest } from './bootstrap-pool.js';

parentPort?.on('message', (job: BootstrapRequest) => {
  const results = job.claims
    ? computeClaimed(job, job.claims)
    : job.series.map(([name, values]) => ({
        name,
        stats: metricStats(values, name, job.clip, { seed: job.seed, bootstrapSamples: job.resamples }),
      }));
  const reply: BootstrapReply = { id: job.id, results };
  parentPort?.postMessage(
    reply,
    results.map((r) => r.stats.bootstrapMeans.buffer as ArrayBuffer),
  );
});
