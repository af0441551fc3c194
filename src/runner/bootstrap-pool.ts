import { Worker } from 'node:worker_threads';
import { metricStats, newBootstrapCache, rememberStats, type BootstrapCache, type Stats } from '../scoring/aggregate.js';

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

/** Draws one bootstrap makes per value (the reference's 1,000 resamples). */
const DRAWS_PER_VALUE = 1000;

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

  /** Starts the thread (its module loads in the background); never throws. */
  static start(): BootstrapPool {
    try {
      return new BootstrapPool(new Worker(new URL('./bootstrap-worker.js', import.meta.url)));
    } catch {
      return new BootstrapPool(null);
    }
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
 * The bootstraps of `series` (name → values, as the report will ask for them), computed half in the pool's thread and
 * half here at the same time, as a cache for the report to read instead of drawing them again. Each bootstrap is the
 * same pure function of its stream and values wherever it runs, and the report reuses one only for identical values,
 * so the figures cannot differ from a report built without it. Small reports are left to the report (empty cache).
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
  const [there, here] = halves(typed);
  const own = pool ?? BootstrapPool.start();
  try {
    const remote = own.run({ seed, clip, series: there.map(([name, values]) => [name, values.slice()]) });
    for (const [name, values] of here) rememberStats(cache, values, name, clip, { seed }, metricStats(values, name, clip, { seed }));
    const results = await remote;
    for (const [name, values] of there) {
      const found = results?.find((r) => r.name === name);
      rememberStats(cache, values, name, clip, { seed }, found ? found.stats : metricStats(values, name, clip, { seed }));
    }
  } finally {
    if (!pool) await own.close();
  }
  return cache;
}
