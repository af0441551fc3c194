import { Worker } from 'node:worker_threads';
import { metricStats, newBootstrapCache, rememberStats, type BootstrapCache, type Stats } from '../scoring/aggregate.js';

/** Metric series to bootstrap. */
export interface BootstrapJob {
  seed: number;
  clip: boolean;
  series: Array<[string, Float64Array]>;
  /**
   * Shared with the thread that posted the job, when both work through the same series: each takes the next series
   * by `Atomics.add` on element 0 and computes only the ones it took. Absent: the worker computes every series.
   */
  claims?: Int32Array;
  /** Resamples per series. @default 1000 */
  resamples?: number;
}

export interface BootstrapResult {
  name: string;
  stats: Stats;
}

/** A job as posted to the worker, with the id its answer carries back. */
export interface BootstrapRequest extends BootstrapJob {
  id: number;
}

/** The worker's answer to one request. */
export interface BootstrapReply {
  id: number;
  results: BootstrapResult[];
}

/** Below this many draws in all, a second thread costs more than it saves. */
export const PARALLEL_FROM_DRAWS = 500_000;

/**
 * Below this many draws, a thread started only now (none was started during the run) costs more than it saves: its
 * start and module load take about 50 ms before it draws, and a draw costs about 2.5 ns (WebAssembly draw and pairwise
 * sum), so halving the work pays from about 40 million draws, a 5,000-sample HealthBench report.
 */
export const FRESH_THREAD_FROM_DRAWS = 40_000_000;

/** Draws one bootstrap makes per value (the reference's 1,000 resamples). */
const DRAWS_PER_VALUE = 1000;

/**
 * The warm-up's series: fixed values (their figures are thrown away), 100 resamples. 1,013 of them: a length that is
 * not a multiple of 8, so the pairwise sum's remainder loops run (and are compiled) too, as a real series' do.
 */
const WARM_UP_VALUES = 1013;
const WARM_UP_RESAMPLES = 100;

function warmUpValues(): Float64Array {
  return Float64Array.from({ length: WARM_UP_VALUES }, (_, i) => (i % 7) / 7);
}

const WARM_UP_JOB = (): BootstrapJob => ({ seed: 0, clip: true, series: [['warm-up', warmUpValues()]], resamples: WARM_UP_RESAMPLES });

/**
 * A small bootstrap whose result is thrown away (about 100,000 draws, a millisecond or two), run while a large run's calls
 * go. V8 compiles a function to fast machine code only once it has run for a while; without this, the report's first
 * bootstraps after the last response run in the slow tiers. The kernels are pure, so it changes no figure.
 */
export function warmUpKernel(): void {
  metricStats(warmUpValues(), 'warm-up', true, { seed: 0, bootstrapSamples: WARM_UP_RESAMPLES });
}

/**
 * Takes the next series of `series` not yet taken by either thread (a shared counter; see {@link BootstrapJob.claims})
 * until none is left, and computes its bootstrap. Both threads walk the same list, largest first, so they finish
 * within about one series of each other whatever their speeds: on this kind of machine two threads share a core's
 * resources, and a fixed split by size left one thread waiting for the other for up to a fifth of the time.
 */
export function computeClaimed(job: BootstrapJob, claims: Int32Array): BootstrapResult[] {
  const results: BootstrapResult[] = [];
  for (;;) {
    const next = Atomics.add(claims, 0, 1);
    const taken = job.series[next];
    if (!taken) return results;
    const [name, values] = taken;
    results.push({ name, stats: metricStats(values, name, job.clip, { seed: job.seed, bootstrapSamples: job.resamples }) });
  }
}

/**
 * One worker thread for bootstraps, started ahead of the report (while a run's calls go) so that its start-up and
 * module load are not paid after the last response. The thread does not keep the process alive while idle; every
 * failure (a thread that cannot start, that crashes or exits) answers null, and the caller computes the share itself.
 */
export class BootstrapPool {
  readonly #worker: Worker | null;
  readonly #waiting = new Map<number, (results: BootstrapResult[] | null) => void>();
  #nextId = 1;
  #dead = false;

  private constructor(worker: Worker | null) {
    this.#worker = worker;
    if (!worker) {
      this.#dead = true;
      return;
    }
    worker.unref();
    worker.on('message', (reply: BootstrapReply) => this.#settle(reply.id, reply.results));
    const fail = (): void => {
      this.#dead = true;
      for (const id of [...this.#waiting.keys()]) this.#settle(id, null);
    };
    worker.once('error', fail);
    worker.once('exit', fail);
  }

  /**
   * Starts the thread (its module loads in the background); never throws. `warm`: also run {@link warmUpKernel} on it
   * and, on the next turn of the event loop, on this thread, so that neither runs the report's first draws cold.
   */
  static start(opts: { warm?: boolean } = {}): BootstrapPool {
    let pool: BootstrapPool;
    try {
      pool = new BootstrapPool(new Worker(new URL('./bootstrap-worker.js', import.meta.url)));
    } catch {
      pool = new BootstrapPool(null);
    }
    if (opts.warm) {
      void pool.run(WARM_UP_JOB());
      setImmediate(warmUpKernel);
    }
    return pool;
  }

  #settle(id: number, results: BootstrapResult[] | null): void {
    const resolve = this.#waiting.get(id);
    if (!resolve) return;
    this.#waiting.delete(id);
    if (this.#waiting.size === 0) this.#worker?.unref();
    resolve(results);
  }

  /** Runs a job on the thread; null when the thread cannot (the caller then computes it itself). */
  run(job: BootstrapJob): Promise<BootstrapResult[] | null> {
    const worker = this.#worker;
    if (this.#dead || !worker) return Promise.resolve(null);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      // Held alive while it owes an answer.
      worker.ref();
      const request: BootstrapRequest = { id, ...job };
      worker.postMessage(request);
    });
  }

  /** Stops the thread; answers still owed come back null. */
  async close(): Promise<void> {
    if (!this.#worker || this.#dead) return;
    this.#dead = true;
    await this.#worker.terminate();
  }
}

/** Runs one job in a thread of its own, then stops it; null when the thread cannot run it. */
export async function bootstrapInWorker(job: BootstrapJob): Promise<BootstrapResult[] | null> {
  const pool = BootstrapPool.start();
  try {
    return await pool.run(job);
  } finally {
    await pool.close();
  }
}

/**
 * The bootstraps of `series` (name → values, as the report will ask for them), computed by the pool's thread and this
 * one at the same time (each takes the next series left, see {@link computeClaimed}), as a cache for the report to read instead of drawing them again. Each bootstrap is the
 * same pure function of its stream and values wherever it runs, and the report reuses one only for identical values,
 * so the figures cannot differ from a report built without it. Small reports are left to the report (empty cache), and
 * so are those too small to pay for starting a thread now when `pool` (the thread started during the run) is absent.
 * Without a pool, a thread is started for this call and stopped after it.
 */
export async function precomputeBootstraps(
  series: ReadonlyArray<readonly [string, ArrayLike<number>]>,
  seed: number,
  clip: boolean,
  pool?: BootstrapPool,
): Promise<BootstrapCache> {
  const cache = newBootstrapCache();
  const typed = series.map(([name, values]): [string, Float64Array] => [name, Float64Array.from(values)]);
  const draws = typed.reduce((n, [, v]) => n + v.length * DRAWS_PER_VALUE, 0);
  if (typed.length < 2 || draws < PARALLEL_FROM_DRAWS) return cache;
  if (!pool && draws < FRESH_THREAD_FROM_DRAWS) return cache;
  // Largest first: the last series taken are the small ones, which even out the two threads' ends.
  typed.sort((a, b) => b[1].length - a[1].length);
  const claims = new Int32Array(new SharedArrayBuffer(4));
  const own = pool ?? BootstrapPool.start();
  try {
    const remote = own.run({ seed, clip, series: typed.map(([name, values]) => [name, values.slice()]), claims });
    const here = computeClaimed({ seed, clip, series: typed }, claims);
    const there = (await remote) ?? [];
    const done = new Map([...here, ...there].map((r) => [r.name, r.stats]));
    // A series the thread took but never answered for (it failed) is computed here.
    for (const [name, values] of typed)
      rememberStats(cache, values, name, clip, { seed }, done.get(name) ?? metricStats(values, name, clip, { seed }));
  } finally {
    if (!pool) await own.close();
  }
  return cache;
}
