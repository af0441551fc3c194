import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { BatchService } from '../../providers/batch-service.js';

/** A batch ready to be journaled: what was submitted, where. */
export interface SubmittedInput {
  id: string;
  customIds: string[];
  bytes: number;
}

/**
 * Writes one role's requests to input files on disk as they are produced, starting a new file (and submitting the
 * full one) before the provider's count or byte limit would be crossed. Memory holds only the custom ids of the
 * batch being written.
 */
export class BatchInputWriter {
  readonly #service: BatchService;
  readonly #dir: string;
  readonly #label: string;
  readonly #onSubmitted: (s: SubmittedInput) => void;
  #out: WriteStream | null = null;
  #path = '';
  #ids: string[] = [];
  #bytes = 0;
  #files = 0;

  constructor(service: BatchService, dir: string, label: string, onSubmitted: (s: SubmittedInput) => void) {
    this.#service = service;
    this.#dir = dir;
    this.#label = label;
    this.#onSubmitted = onSubmitted;
  }

  async add(customId: string, body: unknown): Promise<void> {
    const { format, limits } = this.#service;
    const line = format.encode(customId, body);
    const size = Buffer.byteLength(line) + Buffer.byteLength(format.separator);
    const frame = Buffer.byteLength(format.prefix) + Buffer.byteLength(format.suffix);
    if (this.#out && (this.#ids.length + 1 > limits.maxRequests || this.#bytes + size + frame > limits.maxBytes)) await this.flush();
    if (!this.#out) this.#open();
    const text = this.#ids.length === 0 ? line : `${format.separator}${line}`;
    this.#ids.push(customId);
    this.#bytes += size;
    const out = this.#out as WriteStream;
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }

  #open(): void {
    this.#files += 1;
    this.#path = join(this.#dir, `batch-input-${this.#label.replace(/[^A-Za-z0-9]+/g, '-')}-${process.pid}-${this.#files}.tmp`);
    this.#out = createWriteStream(this.#path);
    this.#out.write(this.#service.format.prefix);
    this.#ids = [];
    this.#bytes = 0;
  }

  /** Submits the file being written, if any; the caller journals the batch before anything waits on it. */
  async flush(): Promise<void> {
    const out = this.#out;
    if (!out) return;
    this.#out = null;
    await new Promise<void>((resolve, reject) =>
      out.end(this.#service.format.suffix, (err?: Error | null) => (err ? reject(err) : resolve())),
    );
    try {
      const id = await this.#service.submit(this.#path, `${this.#label}-${this.#files}`);
      this.#onSubmitted({ id, customIds: this.#ids, bytes: this.#bytes });
    } finally {
      rmSync(this.#path, { force: true });
    }
  }

  /** Drops a file that was not submitted (the run is stopping). */
  discard(): void {
    if (!this.#out) return;
    this.#out.destroy();
    this.#out = null;
    rmSync(this.#path, { force: true });
  }
}
