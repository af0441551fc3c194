/**
 * The report phase's reading of the records, done while the calls run. At the end of a run the report needs the
 * latest record of every sample (trimmed to what reports read) and report.html needs every sample serialized; both
 * used to come from reading samples.jsonl again after the last response. This keeps them as each record is appended,
 * from the very line written to the file, so the report phase starts with them in hand. In a resumed run, the lines an
 * earlier process wrote are read in the background once this process appends its first (and the run files' earlier
 * bytes hashed for the manifest), then the lines appended since, in file order. Should keeping fail, it keeps nothing
 * and the report phase reads the file as before. It also starts the bootstrap thread of a large report while the
 * calls still run.
 *
 * Statically light on purpose (the eval command loads it before its first request): the page builder and the
 * bootstrap thread are dynamic imports, loaded with the first records.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { SampleRecord } from '../core/types.js';
import { RESPONSE_EXCERPT_CHARS } from '../report/types.js';
import { sampleKey, type RunStore } from '../store/run-store.js';
import type { BootstrapPool } from './bootstrap-pool.js';
import type { PageAhead } from './page-ahead.js';

/** From this many samples on, a report is big enough for a second bootstrap thread to pay (≥ 500k draws). */
const BOOTSTRAP_THREAD_FROM_SAMPLES = 200;

/** Bytes read at a time from samples.jsonl; the event loop runs between reads, so the calls in flight are not held up. */
const READ_CHUNK = 256 * 1024;

/** The lines of `path`'s first `bytes` bytes (each ending in a newline), with the byte offset where each starts. */
async function* linesWithOffsets(path: string, bytes: number): AsyncGenerator<{ text: string; offset: number }> {
  const file = await open(path, 'r');
  try {
    let pending = Buffer.alloc(0);
    let pendingAt = 0;
    for (let at = 0; at < bytes;) {
      const chunk = Buffer.alloc(Math.min(READ_CHUNK, bytes - at));
      const { bytesRead } = await file.read(chunk, 0, chunk.length, at);
      if (bytesRead === 0) throw new Error(`${path} is shorter than when it was opened`);
      at += bytesRead;
      const data = pending.length > 0 ? Buffer.concat([pending, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
        yield { text: data.toString('utf8', start, nl), offset: pendingAt + start };
        start = nl + 1;
      }
      pendingAt += start;
      pending = data.subarray(start);
    }
    if (pending.length > 0) throw new Error(`${path} ends inside a line`);
  } finally {
    await file.close();
  }
}

/**
 * A sample record as the report stage keeps it: reports and diffs never read the conversation, the graders'
 * explanations or more of the response than an excerpt, so those are dropped (the full records stay in samples.jsonl).
 */
export function reportRecord(s: SampleRecord): SampleRecord {
  const criteria = s.criteria.map((c) => ({ ...c, explanation: '' }));
  const response = s.response === null ? null : s.response.slice(0, RESPONSE_EXCERPT_CHARS);
  return { ...s, messagesSent: [], response, criteria };
}

/** The two fields of a kept record that are read back from samples.jsonl when asked for. */
type Heavy = Pick<SampleRecord, 'criteria' | 'response'>;

/** Reads one record's line back from samples.jsonl and trims it like {@link reportRecord}. */
function readBack(path: string, offset: number, bytes: number, key: string): Heavy {
  const buf = Buffer.alloc(bytes);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, bytes, offset);
  } finally {
    closeSync(fd);
  }
  // The file is append-only and locked: a line that is not the record written there means it was changed under the run.
  const changed = new Error(`${path} changed while the run was writing it`);
  let record: SampleRecord;
  try {
    record = reportRecord(JSON.parse(buf.toString('utf8')) as SampleRecord);
  } catch {
    throw changed;
  }
  if (sampleKey(record.exampleId, record.repeat) !== key) throw changed;
  return { criteria: record.criteria, response: record.response };
}

/**
 * A record as kept during the run: {@link reportRecord}'s fields in their order, except that `criteria` and `response`
 * (most of a record's memory: every rubric item's text) are read back from the record's line in samples.jsonl the
 * first time they are read. A report reads them for a few samples (the lowest-scoring ones); held for every sample of
 * a long run they would raise the heap, and with it peak RSS, by tens of MB. They are own enumerable properties, so
 * spreading or serializing a kept record gives the full record.
 */
function keptRecord(record: SampleRecord, path: string, offset: number, bytes: number): SampleRecord {
  const key = sampleKey(record.exampleId, record.repeat);
  let heavy: Heavy | null = null;
  const load = (): Heavy => (heavy ??= readBack(path, offset, bytes, key));
  const kept: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(reportRecord(record))) {
    if (field === 'criteria') Object.defineProperty(kept, field, { get: () => load().criteria, enumerable: true, configurable: true });
    else if (field === 'response') Object.defineProperty(kept, field, { get: () => load().response, enumerable: true, configurable: true });
    else kept[field] = value;
  }
  return kept as unknown as SampleRecord;
}

/** What the run kept for the report phase; a null part is read from samples.jsonl. */
export interface KeptRecords {
  /** The latest record of every sample, as {@link reportRecord} trims it (see {@link keptRecord}), in order of first appearance. */
  records: Map<string, SampleRecord> | null;
  /** report.html's samples, already split and serialized. */
  page: Awaited<ReturnType<PageAhead['result']>>;
}

/** Records kept for the report phase while the calls run (see the module comment). */
export class ReportAhead {
  readonly #records = new Map<string, SampleRecord>();
  /** False when this process did not see samples.jsonl from its first line, or keeping failed: nothing is kept. */
  #whole: boolean;
  readonly #bootstrapThread: boolean;
  readonly #path: string;
  #page: PageAhead | null = null;
  #pageLoad: Promise<PageAhead | null> | null = null;
  /** Records that came before the page builder was loaded, handed to it when it is. */
  #forPage: Array<[string, SampleRecord]> = [];
  #pool: Promise<BootstrapPool> | null = null;
  #added = 0;
  readonly #store: RunStore;
  /** Bytes of samples.jsonl an earlier process wrote, still to be read (0 when none or once read). */
  #earlierBytes = 0;
  /** The reading of those bytes, once started; lines appended meanwhile wait in {@link #appendedMeanwhile}. */
  #catchUp: Promise<void> | null = null;
  #appendedMeanwhile: Array<[string, number]> = [];
  /** The run was planned with enough samples for the thread: it starts with the first record, not the 200th. */
  readonly #bigRun: boolean;

  /**
   * Follows the records appended to `store`'s samples.jsonl from now on. `bootstrapThread`: start the bootstrap thread
   * once the run is big enough (for a task whose report bootstraps ahead): with the first record when
   * `expectedSamples` says it will be, else once that many records are in.
   */
  constructor(store: RunStore, opts: { bootstrapThread: boolean; expectedSamples?: number }) {
    this.#bootstrapThread = opts.bootstrapThread;
    this.#bigRun = (opts.expectedSamples ?? 0) >= BOOTSTRAP_THREAD_FROM_SAMPLES;
    this.#path = store.samplesPath;
    this.#store = store;
    const earlier = store.samplesBytesAtOpen;
    this.#whole = store.watchSamples((line, offset) => this.#add(line, offset));
    // A resumed run: what an earlier process recorded is read in the background, before the lines appended now.
    if (!this.#whole && earlier > 0) {
      this.#whole = true;
      this.#earlierBytes = earlier;
    }
  }

  /** One line appended to samples.jsonl (without its newline). Never throws: the run must not fail for this. */
  #add(line: string, offset: number): void {
    this.#added += 1;
    if (this.#bootstrapThread && this.#pool === null && (this.#bigRun || this.#added >= BOOTSTRAP_THREAD_FROM_SAMPLES)) {
      this.#pool = import('./bootstrap-pool.js').then((m) => m.BootstrapPool.start({ warm: true }));
      this.#pool.catch(() => undefined);
    }
    if (!this.#whole) return;
    if (this.#earlierBytes > 0) {
      this.#appendedMeanwhile.push([line, offset]);
      void this.#startCatchUp();
      return;
    }
    try {
      this.#keep(line, offset);
    } catch {
      this.#giveUp();
    }
  }

  /**
   * Reads the lines an earlier process wrote (a resumed run), then the ones appended since, in file order, so what is
   * kept is what a reader of the whole file gets; the run files' earlier bytes are hashed meanwhile. Started with the
   * first line this process appends (the first calls are out by then) or by {@link kept}.
   */
  #startCatchUp(): Promise<void> {
    this.#catchUp ??= (async () => {
      void this.#store.hashEarlierBytes();
      try {
        for await (const { text, offset } of linesWithOffsets(this.#path, this.#earlierBytes)) {
          if (!this.#whole) return;
          this.#keep(text, offset);
        }
        this.#earlierBytes = 0;
        for (const [line, offset] of this.#appendedMeanwhile) this.#keep(line, offset);
        this.#appendedMeanwhile = [];
      } catch {
        this.#giveUp();
      }
    })();
    return this.#catchUp;
  }

  #keep(line: string, offset: number): void {
    // Parsed from the line itself, so what is kept is exactly what a reader of the file gets.
    const record = JSON.parse(line) as SampleRecord;
    const key = sampleKey(record.exampleId, record.repeat);
    this.#records.set(key, keptRecord(record, this.#path, offset, Buffer.byteLength(line, 'utf8')));
    if (this.#page) this.#page.add(key, record);
    else {
      this.#forPage.push([key, record]);
      this.#loadPage();
    }
  }

  #giveUp(): void {
    this.#whole = false;
    this.#earlierBytes = 0;
    this.#appendedMeanwhile = [];
    this.#records.clear();
    this.#forPage = [];
    this.#page = null;
  }

  #loadPage(): void {
    this.#pageLoad ??= import('./page-ahead.js').then(
      (m) => {
        if (!this.#whole) return null;
        const page = new m.PageAhead();
        for (const [key, record] of this.#forPage) page.add(key, record);
        this.#forPage = [];
        this.#page = page;
        return page;
      },
      () => null,
    );
  }

  /** What was kept, once the page's last compressed chunks are ready. */
  async kept(): Promise<KeptRecords> {
    if (this.#whole && this.#earlierBytes > 0) await this.#startCatchUp();
    if (!this.#whole) return { records: null, page: null };
    if (this.#records.size === 0) return { records: this.#records, page: { index: [], chunks: [] } };
    const page = this.#page ?? (await this.#pageLoad);
    // A failure in the page builder leaves the records usable; the page is then built from samples.jsonl.
    const samples = page && this.#whole ? await page.result().catch(() => null) : null;
    return { records: this.#whole ? this.#records : null, page: samples };
  }

  /** The bootstrap thread, when one was started during the run. */
  async bootstrapPool(): Promise<BootstrapPool | undefined> {
    return this.#pool?.catch(() => undefined);
  }

  /**
   * Stops the bootstrap thread, if any. Not waited for: the thread holds nothing of the run and never keeps the process
   * alive, and waiting for it to wind down would only add to the time after the last response.
   */
  async close(): Promise<void> {
    const pool = await this.bootstrapPool();
    void pool?.close();
  }
}
