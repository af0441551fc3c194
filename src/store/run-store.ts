import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, fstatSync, ftruncateSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataValidationError } from '../core/errors.js';
import type { RunRecord } from '../core/records.js';
import type { SampleRecord } from '../core/types.js';
import { ensureDir, writeAll, writeFileAtomic, writeFileAtomicSync, type StoreIo } from './atomic.js';
import { fsError, type FsPhase } from './fs-errors.js';
import type { FileDigest } from './manifest.js';
import { readRunFile } from './run-file.js';
import { acquireRunLock, processAlive, type RunLock } from './run-lock.js';
import { parseSavedJson } from './saved-json.js';

/** Partial progress of an unfinished sample, appended to `journal.jsonl` as each call completes. */
export type JournalEntry =
  | {
      t: 'completion';
      exampleId: string;
      repeat: number;
      response: string;
      usage: SampleRecord['usage']['candidate'];
      /** The API's finish reason (`stop`, `length`, `content_filter`, ...); absent in journals of older versions. */
      finishReason?: string | null;
    }
  | {
      t: 'verdict';
      exampleId: string;
      repeat: number;
      /** Index of the grader call within the sample (criterion index, or grader×criterion). */
      i: number;
      /** Digest of the response this verdict judges (responseDigest): a verdict counts only for that response. */
      r?: string;
      met: boolean;
      explanation: string;
      attempts: number;
      usage: SampleRecord['usage']['grader'];
    };

export const sampleKey = (exampleId: string, repeat: number): string => `${exampleId}\u0000${repeat}`;

/** Sees each line appended to samples.jsonl (without its newline) and the byte offset where it starts. */
export type SampleWatcher = (line: string, offset: number) => void;

interface RunningDigest {
  name: string;
  hash: Hash;
  bytes: number;
  /** Lines appended while the file's earlier bytes are still being hashed; null once they are all in. */
  held: Buffer[] | null;
}

/** What a previous, interrupted run left behind. */
export interface PriorProgress {
  /** Finished samples without error, by key: never requested again. */
  done: Map<string, SampleRecord>;
  /** Journal entries of samples that are not done. */
  completions: Map<string, Extract<JournalEntry, { t: 'completion' }>>;
  verdicts: Map<string, Map<number, Extract<JournalEntry, { t: 'verdict' }>>>;
  /** Lines dropped because a crash cut them short. */
  tornLines: number;
}

/** Truncates a file after its last newline: whatever follows it is a record cut short by a crash. */
function dropTornTail(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  // Scan backwards in chunks: records can be large, and reading a whole samples.jsonl of a long run is wasteful.
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const nl = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (nl >= 0) {
      if (start + nl + 1 < size) ftruncateSync(fd, start + nl + 1);
      return;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
}

/** Options of a RunStore: the filesystem edge (injectable for tests). */
export interface RunStoreOptions {
  io?: StoreIo | undefined;
}

/** A short digest of a response that keys a verdict to the response it judges. */
export function responseDigest(response: string): string {
  return createHash('sha256').update(response, 'utf8').digest('hex').slice(0, 16);
}

/** Deletes `NAME.PID.tmp` files left by processes that no longer run (a crash between write and rename). */
function removeStaleTempFiles(dir: string): void {
  for (const name of readdirSync(dir)) {
    const m = /\.(\d+)\.tmp$/.exec(name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // Gone already.
    }
  }
}

/**
 * The run directory: `run.json` (replaced atomically), `samples.jsonl` (one line per finished sample,
 * appended synchronously so a SIGKILL loses at most the line being written), `journal.jsonl` (partial
 * progress for resume), the reports, and `run.lock` while a process works in it. Records are stored as
 * given: secrets are kept out at their sources (error texts, logs), never by rewriting data.
 */
export class RunStore {
  readonly dir: string;
  #samplesFd: number | null = null;
  #journalFd: number | null = null;
  #lock: RunLock | null = null;
  /** Set by a failed append: the files are no longer written (the run stops and resumes from what is whole). */
  #broken: unknown = null;
  readonly #io: StoreIo;
  /**
   * Running sha256 of each append-only file (see {@link appendedDigests}): from its first byte for a file this process
   * found empty; for one that held earlier lines, once {@link hashEarlierBytes} has read them (`held` keeps what is
   * appended meanwhile, to be hashed after them).
   */
  readonly #digests = new Map<number, RunningDigest>();
  /** The files that held earlier lines when opened, with their size then (what {@link hashEarlierBytes} reads). */
  readonly #earlier = new Map<number, { name: string; path: string; bytes: number }>();
  #earlierHashed: Promise<void> | null = null;
  /** Size of each append-only file this process has open, kept as it appends (see `#append`). */
  readonly #sizes = new Map<number, number>();
  /** Called with each line appended to samples.jsonl; see {@link watchSamples}. */
  #sampleWatchers: SampleWatcher[] = [];
  /** samples.jsonl was empty when opened and nothing was appended yet: a watcher added now sees the whole file. */
  #samplesUnseen = false;

  constructor(dir: string, opts: RunStoreOptions = {}) {
    this.dir = dir;
    this.#io = opts.io ?? {};
  }

  get runJsonPath(): string {
    return join(this.dir, 'run.json');
  }
  get samplesPath(): string {
    return join(this.dir, 'samples.jsonl');
  }
  get journalPath(): string {
    return join(this.dir, 'journal.jsonl');
  }

  /** How to continue after a failure mid-run. */
  get resumeHint(): string {
    return `Finished work is saved; fix the cause, then resume with: healthbench eval --resume ${this.dir} (same flags).`;
  }

  async readRunJson(): Promise<unknown> {
    if (!existsSync(this.runJsonPath)) return null;
    const text = await readFile(this.runJsonPath, 'utf8').catch((err: unknown) => {
      throw fsError(err, this.runJsonPath, 'read', 'setup');
    });
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      const message = `not valid JSON (${(err as Error).message}); it was damaged outside healthbench. Use another --out, or restore the file.`;
      throw new DataValidationError([{ file: this.runJsonPath, line: 0, pointer: '', message }]);
    }
  }

  /** run.json validated (null when there is none): a damaged or edited file is a located error, exit 2. */
  async readRunRecord(): Promise<RunRecord | null> {
    if (!existsSync(this.runJsonPath)) return null;
    const text = await readFile(this.runJsonPath, 'utf8').catch((err: unknown) => {
      throw fsError(err, this.runJsonPath, 'read', 'setup');
    });
    // The saved files' validators load only when a saved file is read: a fresh run reads none.
    const { validateRunRecord } = await import('../schemas/saved.js');
    return parseSavedJson(
      text,
      this.runJsonPath,
      validateRunRecord,
      'it was damaged outside healthbench. Use another --out, or restore the file.',
    );
  }

  /** Creates the directory and takes its lock (exit 2 when the path is unusable or another process holds it). */
  async lock(): Promise<void> {
    await ensureDir(this.dir, 'setup', this.#io);
    this.#lock = acquireRunLock(this.dir);
    removeStaleTempFiles(this.dir);
  }

  async loadProgress(): Promise<PriorProgress> {
    const done = new Map<string, SampleRecord>();
    const completions: PriorProgress['completions'] = new Map();
    const verdicts: PriorProgress['verdicts'] = new Map();
    // A fresh run has nothing to read, and need not load the checks of the lines.
    if (!existsSync(this.samplesPath) && !existsSync(this.journalPath)) return { done, completions, verdicts, tornLines: 0 };
    const { checkJournalLine, checkSampleLine } = await import('./record-checks.js');
    let torn = 0;
    const onTorn = (): void => void (torn += 1);
    for await (const { value: s } of readRunFile<SampleRecord>(this.samplesPath, checkSampleLine, onTorn)) {
      const key = sampleKey(s.exampleId, s.repeat);
      if (s.error === null) done.set(key, s);
      else done.delete(key);
    }
    for await (const { value: e } of readRunFile<JournalEntry>(this.journalPath, checkJournalLine, onTorn)) {
      // Other entry types belong to other readers.
      if (e.t !== 'completion' && e.t !== 'verdict') continue;
      const key = sampleKey(e.exampleId, e.repeat);
      if (done.has(key)) continue;
      if (e.t === 'completion') {
        // A new candidate response makes every verdict journaled before it stale.
        completions.set(key, e);
        verdicts.delete(key);
      } else {
        let m = verdicts.get(key);
        if (!m) verdicts.set(key, (m = new Map<number, typeof e>()));
        m.set(e.i, e);
      }
    }
    return { done, completions, verdicts, tornLines: torn };
  }

  async open(): Promise<void> {
    if (!this.#lock) await this.lock();
    this.#samplesFd = this.#openAppend(this.samplesPath);
    this.#journalFd = this.#openAppend(this.journalPath);
    // loadProgress has already dropped a torn last line; cut it off the file too, so the next record does not
    // glue onto it and every later reader (report, gate, diff) sees only whole lines.
    dropTornTail(this.#samplesFd);
    dropTornTail(this.#journalFd);
    this.#digests.clear();
    this.#earlier.clear();
    this.#earlierHashed = null;
    for (const [fd, name, path] of [
      [this.#samplesFd, 'samples.jsonl', this.samplesPath],
      [this.#journalFd, 'journal.jsonl', this.journalPath],
    ] as const) {
      const size = fstatSync(fd).size;
      this.#sizes.set(fd, size);
      if (size === 0) this.#digests.set(fd, { name, hash: createHash('sha256'), bytes: 0, held: null });
      else this.#earlier.set(fd, { name, path, bytes: size });
    }
    this.#samplesUnseen = this.#digests.has(this.#samplesFd);
  }

  #openAppend(path: string): number {
    try {
      return openSync(path, 'a+');
    } catch (err) {
      throw fsError(err, path, 'open', 'setup');
    }
  }

  /**
   * Appends one whole line or nothing: a failed or short write is cut back off the file, the store stops writing,
   * and an FsError (exit 3) names the file and the reason; the run stays resumable from what is on disk.
   */
  /** Returns the offset at which the line starts in the file. */
  #append(fd: number | null, path: string, line: string): number {
    if (fd === null) throw new Error('run store is not open');
    if (this.#broken !== null) throw this.#broken as Error;
    // The files are locked to this process, so their size is known without asking the kernel on every append.
    const before = this.#sizes.get(fd) ?? fstatSync(fd).size;
    const bytes = Buffer.from(line, 'utf8');
    try {
      writeAll(fd, bytes, path, this.#io);
    } catch (err) {
      try {
        ftruncateSync(fd, before);
      } catch {
        // The next open drops a torn tail anyway.
      }
      this.#digests.clear();
      this.#broken = fsError(err, path, 'append to', 'run', this.resumeHint);
      throw this.#broken;
    }
    this.#sizes.set(fd, before + bytes.length);
    const digest = this.#digests.get(fd);
    if (digest?.held) digest.held.push(bytes);
    else if (digest) {
      digest.hash.update(bytes);
      digest.bytes += bytes.length;
    }
    return before;
  }

  appendSample(record: SampleRecord): void {
    const line = JSON.stringify(record);
    const offset = this.#append(this.#samplesFd, this.samplesPath, `${line}\n`);
    this.#samplesUnseen = false;
    for (const watch of this.#sampleWatchers) watch(line, offset);
  }

  /**
   * Calls `watch` with each record appended to samples.jsonl from now on, as the JSON text written (without the
   * newline) and the byte offset where it starts, once it is in the file. Returns true when the watcher sees the whole
   * file: the file was empty when this process opened it and nothing has been appended since. Lets the report phase
   * keep what it needs as the run goes instead of reading the file again at the end.
   */
  watchSamples(watch: SampleWatcher): boolean {
    this.#sampleWatchers.push(watch);
    return this.#samplesUnseen;
  }

  /**
   * sha256 and size of each append-only file whose every byte this process wrote (it was empty when opened), keyed
   * by file name; for the manifest, which then need not read them again. Call after {@link closeFiles}; a file
   * written by an earlier process too (a resumed run) is not listed, and is hashed from disk as before.
   */
  appendedDigests(): Map<string, FileDigest> {
    const out = new Map<string, FileDigest>();
    for (const { name, hash, bytes, held } of this.#digests.values()) {
      if (held === null) out.set(name, { sha256: hash.copy().digest('hex'), bytes });
    }
    return out;
  }

  /**
   * For a resumed run: reads the bytes the append-only files hold (from an earlier process, and any appended since the
   * open) into their running sha256, in the background while the run goes, so that {@link appendedDigests} covers
   * them too and the manifest need not read the files again at the end. Lines appended meanwhile are hashed after
   * them. A file that cannot be read is left out (the manifest then hashes it from disk). Starts once; later calls
   * return the same promise.
   */
  hashEarlierBytes(): Promise<void> {
    this.#earlierHashed ??= Promise.all(
      [...this.#earlier].map(async ([fd, { name, path, bytes: atOpen }]) => {
        const digest: RunningDigest = { name, hash: createHash('sha256'), bytes: 0, held: [] };
        this.#digests.set(fd, digest);
        // Everything in the file now is read from disk (lines appended since the open included); what comes next is held.
        const bytes = this.#sizes.get(fd) ?? atOpen;
        try {
          for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 }) as AsyncIterable<Buffer>) {
            digest.hash.update(chunk);
            digest.bytes += chunk.length;
          }
          if (digest.bytes !== bytes) throw new Error(`${path} is shorter than when it was opened`);
          for (const b of digest.held ?? []) {
            digest.hash.update(b);
            digest.bytes += b.length;
          }
          digest.held = null;
        } catch {
          if (this.#digests.get(fd) === digest) this.#digests.delete(fd);
        }
      }),
    ).then(() => undefined);
    return this.#earlierHashed;
  }

  /** {@link appendedDigests} once {@link hashEarlierBytes} (if started) has finished. */
  async settledDigests(): Promise<Map<string, FileDigest>> {
    await this.#earlierHashed;
    return this.appendedDigests();
  }

  /**
   * Bytes samples.jsonl held when it was opened, while nothing has been appended since (0 otherwise, and for a fresh
   * run): the part of the file a watcher added now does not see, and can read itself.
   */
  get samplesBytesAtOpen(): number {
    const fd = this.#samplesFd;
    if (fd === null) return 0;
    const earlier = this.#earlier.get(fd)?.bytes ?? 0;
    return this.#sizes.get(fd) === earlier ? earlier : 0;
  }

  appendJournal(entry: JournalEntry): void {
    this.#append(this.#journalFd, this.journalPath, `${JSON.stringify(entry)}\n`);
  }

  async writeRunJson(value: unknown, phase: FsPhase = 'run'): Promise<void> {
    this.writeRunJsonSync(value, phase);
  }

  writeRunJsonSync(value: unknown, phase: FsPhase = 'run'): void {
    writeFileAtomicSync(this.runJsonPath, `${JSON.stringify(value, null, 2)}\n`, { io: this.#io, phase, then: this.resumeHint });
  }

  async writeText(name: string, content: string): Promise<void> {
    await writeFileAtomic(join(this.dir, name), content, { io: this.#io, phase: 'run', then: this.resumeHint });
  }

  /** Closes the two append-only files; the lock stays held (the report phase still writes here). */
  closeFiles(): void {
    for (const fd of [this.#samplesFd, this.#journalFd]) if (fd !== null) closeSync(fd);
    this.#sizes.clear();
    this.#samplesFd = null;
    this.#journalFd = null;
  }

  /** Closes the files and gives the directory back (removes run.lock). */
  close(): void {
    this.closeFiles();
    this.#lock?.release();
    this.#lock = null;
  }
}
