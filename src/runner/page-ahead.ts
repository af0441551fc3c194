/**
 * report.html's sample data, built while the calls run: each sample becomes its table row and its detail as it is
 * recorded, and every full chunk of details is serialized and gzipped (on libuv's thread pool) at once, so the page
 * at the end of a run only adds the report. Loaded with the first recorded sample (see report-ahead.ts).
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { SampleRecord } from '../core/types.js';
import {
  DETAIL_CHUNK,
  embedJson,
  encodeChunk,
  pageParts,
  toPageSample,
  type EncodedChunk,
  type EncodedSamples,
  type PageDetail,
} from '../report/html/index.js';
import { COMPRESS_FROM_CHARS, PAGE_GZIP_LEVEL } from './report-html.js';

const gzipAsync = promisify(gzip);

/** A sealed chunk: its length as JSON, the JSON while the page may still be small, and its gzip-base64 under way. */
interface SealedChunk {
  chars: number;
  json: string | null;
  gzipBase64: Promise<string>;
}

/**
 * The page's samples in page order: the order in which samples first appear in samples.jsonl, each with its latest
 * record, exactly as a reader of the file puts them. Chunks are fixed by that order (samples 0–99, 100–199, ...), so
 * a chunk is final when it is full, unless one of its samples is recorded again later; that makes the builder
 * {@link stale}, and the page is then built from samples.jsonl as before.
 *
 * Memory stays small: the open chunk's details (at most {@link DETAIL_CHUNK} samples), the table rows (as JSON), and the
 * compressed chunks (about a third of the JSON); a chunk's JSON is dropped as soon as the page is sure to be
 * compressed (its chunks alone reach the size from which pages are).
 */
export class PageAhead {
  readonly #positions = new Map<string, number>();
  /** Each sample's table row, serialized as the page embeds it. */
  readonly #index: string[] = [];
  readonly #sealed: SealedChunk[] = [];
  #open: PageDetail[] = [];
  #sealedChars = 0;
  #stale = false;
  readonly #compressFrom: number;

  /** @param compressFrom the page size (chars) from which report.html compresses its data (the page's own setting). */
  constructor(compressFrom: number = COMPRESS_FROM_CHARS) {
    this.#compressFrom = compressFrom;
  }

  /** A sample recorded again after its chunk was sealed: the page must be built from samples.jsonl. */
  get stale(): boolean {
    return this.#stale;
  }

  /** Adds the record appended for `key` (`exampleId\u0000repeat`), as parsed from its line. */
  add(key: string, record: SampleRecord): void {
    if (this.#stale) return;
    const { entry, detail } = pageParts(toPageSample(record));
    const row = embedJson(entry);
    const known = this.#positions.get(key);
    if (known === undefined) {
      this.#positions.set(key, this.#index.length);
      this.#index.push(row);
      this.#open.push(detail);
      if (this.#open.length === DETAIL_CHUNK) this.#seal();
      return;
    }
    this.#index[known] = row;
    const firstOpen = this.#sealed.length * DETAIL_CHUNK;
    if (known >= firstOpen) this.#open[known - firstOpen] = detail;
    else this.#giveUp();
  }

  #seal(): void {
    const { chars, json } = encodeChunk(this.#open);
    this.#open = [];
    const text = json ?? '';
    const gzipBase64 = gzipAsync(text, { level: PAGE_GZIP_LEVEL }).then((b) => b.toString('base64'));
    // Awaited in `result`; a failure there falls back to the JSON or to samples.jsonl.
    gzipBase64.catch(() => undefined);
    this.#sealed.push({ chars, json: text, gzipBase64 });
    this.#sealedChars += chars;
    if (this.#sealedChars >= this.#compressFrom) for (const c of this.#sealed) c.json = null;
  }

  #giveUp(): void {
    this.#stale = true;
    this.#positions.clear();
    this.#index.length = 0;
    this.#sealed.length = 0;
    this.#open = [];
  }

  /** The page's samples, split and serialized; null when {@link stale} or a compressed chunk is missing. */
  async result(): Promise<EncodedSamples | null> {
    if (this.#stale) return null;
    const chunks: EncodedChunk[] = [];
    for (const c of this.#sealed) {
      const gzipBase64 = await c.gzipBase64.catch(() => null);
      if (gzipBase64 === null && c.json === null) return null;
      chunks.push({ chars: c.chars, json: c.json, gzipBase64 });
    }
    if (this.#open.length > 0) chunks.push(encodeChunk(this.#open));
    return { index: [...this.#index], chunks };
  }
}
