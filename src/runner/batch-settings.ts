/**
 * `eval --batch` settings and their defaults: the one place the CLI's flags and a resumed run's batch mode (a run
 * with batches still out, resumed without `--batch`) take them from. Kept apart from `batch/` so that the eval's
 * start-up path, which only needs these values, never loads the batch services.
 */
export interface BatchSettings {
  /** Send requests whose batch attempts are used up through the live API. */
  fallbackLive: boolean;
  /** Batches a request may go into. @default 3 */
  attempts: number;
  pollMs: number;
  cancelBatches: boolean;
  maxRequests: number | null;
  maxBytes: number | null;
}

export const DEFAULT_BATCH_SETTINGS: Readonly<BatchSettings> = {
  fallbackLive: false,
  attempts: 3,
  pollMs: 30_000,
  cancelBatches: false,
  maxRequests: null,
  maxBytes: null,
};
