import { closeSync, existsSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenUsage } from '../../core/types.js';
import type { ModelSpec } from '../../providers/model-client.js';
import { readRawLines } from '../../store/jsonl.js';

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

/** Every batch of a run directory, in submission order, with its collection line if any. */
export async function readBatchJournal(runDir: string): Promise<SubmittedBatch[]> {
  const path = batchJournalPath(runDir);
  const byId = new Map<string, SubmittedBatch>();
  if (!existsSync(path)) return [];
  for await (const { text } of readRawLines(path)) {
    let e: BatchJournalEntry;
    try {
      e = JSON.parse(text) as BatchJournalEntry;
    } catch {
      continue; // a line cut short by a crash: the batch it announced was never waited on
    }
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

  constructor(runDir: string) {
    this.#fd = openSync(batchJournalPath(runDir), 'a');
  }

  append(entry: BatchJournalEntry): void {
    writeSync(this.#fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.#fd);
  }

  close(): void {
    closeSync(this.#fd);
  }
}
