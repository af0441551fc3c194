import { closeSync, existsSync, fsyncSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenUsage } from '../../core/types.js';
import type { ModelSpec } from '../../providers/model-client.js';
import { writeAll } from '../../store/atomic.js';
import { readRunFile, type RecordCheck } from '../../store/run-file.js';

/**
 * `batches.jsonl` in the run directory: every batch submitted (its id and the custom ids it holds), written and
 * synced BEFORE the run waits for it, and a line once its results are journaled. A resumed run polls the batches
 * it finds here instead of submitting their requests again, and never reads a collected batch's results twice.
 */
export type BatchJournalEntry =
  | {
      t: 'submitted';
      id: string;
      /** `candidate` or `grader N`. */
      role: string;
      provider: ModelSpec['provider'];
      /** The endpoint the batch lives at (null: the SDK's default), so `status` can poll it from elsewhere. */
      baseURL: string | null;
      model: string;
      customIds: string[];
      bytes: number;
      at: string;
    }
  | {
      t: 'collected';
      id: string;
      at: string;
      /** Outcomes read: succeeded, failed (to resubmit or give up), unknown (not needed any more). */
      succeeded: number;
      failed: number;
      /** Usage of the succeeded requests, billed at batch prices. */
      usage: TokenUsage;
    }
  | { t: 'cancel-requested'; id: string; at: string };

export interface SubmittedBatch extends Extract<BatchJournalEntry, { t: 'submitted' }> {
  collected: Extract<BatchJournalEntry, { t: 'collected' }> | null;
}

export const batchJournalPath = (runDir: string): string => join(runDir, 'batches.jsonl');

const checkBatchLine: RecordCheck = (v) => {
  const e = v as Partial<Record<string, unknown>> | null;
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'not a JSON object';
  if (typeof e['t'] !== 'string' || typeof e['id'] !== 'string') return 'no entry type t or batch id';
  return null;
};

/** Every batch of a run directory, in submission order, with its collection line if any. */
export async function readBatchJournal(runDir: string): Promise<SubmittedBatch[]> {
  const path = batchJournalPath(runDir);
  const byId = new Map<string, SubmittedBatch>();
  if (!existsSync(path)) return [];
  // A last line cut short by a crash is skipped (the batch it announced was never waited on); a damaged line
  // before it is a located error pointing at `healthbench repair`.
  for await (const { value: e } of readRunFile<BatchJournalEntry>(path, checkBatchLine)) {
    if (e.t === 'submitted') byId.set(e.id, { ...e, collected: null });
    else if (e.t === 'collected') {
      const b = byId.get(e.id);
      if (b) b.collected = e;
    }
  }
  return [...byId.values()];
}

/** Appends entries synchronously and syncs them to disk: a batch is on record before anyone waits for it. */
export class BatchJournal {
  readonly #fd: number;
  readonly #path: string;

  constructor(runDir: string) {
    this.#path = batchJournalPath(runDir);
    this.#fd = openSync(this.#path, 'a');
  }

  append(entry: BatchJournalEntry): void {
    writeAll(this.#fd, `${JSON.stringify(entry)}\n`, this.#path);
    fsyncSync(this.#fd);
  }

  close(): void {
    closeSync(this.#fd);
  }
}
