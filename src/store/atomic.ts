import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fsError, type FsPhase } from './fs-errors.js';

/**
 * The store's edge with the filesystem, injectable so tests can play a full disk or a short write:
 * `writeSync` has node's contract (returns the bytes written, possibly fewer than asked) plus the file's path.
 */
export interface StoreIo {
  writeSync?: (fd: number, buf: Uint8Array, offset: number, length: number, path?: string) => number;
  mkdir?: (path: string) => Promise<unknown>;
}

const defaultWrite = (fd: number, buf: Uint8Array, offset: number, length: number): number => writeSync(fd, buf, offset, length);

/** Writes every byte of `data`, looping on short writes; a write that makes no progress is an I/O error. */
export function writeAll(fd: number, data: string | Uint8Array, path: string, io: StoreIo = {}): void {
  const write = io.writeSync ?? defaultWrite;
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < buf.length) {
    const n = write(fd, buf, off, buf.length - off, path);
    if (!(n > 0)) throw Object.assign(new Error('EIO: the write made no progress, write'), { code: 'EIO' });
    off += n;
  }
}

/** Creates a directory (and its parents); a path that cannot be one is an FsError naming it. */
export async function ensureDir(path: string, phase: FsPhase = 'setup', io: StoreIo = {}): Promise<void> {
  try {
    await (io.mkdir ?? ((p: string) => mkdir(p, { recursive: true })))(path);
  } catch (err) {
    throw fsError(err, path, 'create the directory', phase);
  }
}

export interface AtomicWriteOptions {
  io?: StoreIo;
  /** `setup` (a bad path is exit 2) or `run` (exit 3, resumable). @default 'setup' */
  phase?: FsPhase;
  /** What to do after a failure, appended to the message. */
  then?: string;
}

/**
 * Writes a file by writing a temporary sibling (`NAME.PID.tmp`) and renaming it over: readers never see half a file.
 * Every byte is checked; on any failure the temporary file is removed and an FsError names the file and the reason.
 * `content` may come in pieces (written one after the other), so a large page is never joined into one string.
 */
export function writeFileAtomicSync(path: string, content: string | readonly string[], opts: AtomicWriteOptions = {}): void {
  const tmp = `${path}.${process.pid}.tmp`;
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w');
    for (const piece of typeof content === 'string' ? [content] : content) writeAll(fd, piece, path, opts.io);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // Already failing; the write error is the one to report.
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // Never created, or already gone.
    }
    throw fsError(err, path, 'write', opts.phase ?? 'setup', opts.then);
  }
}

/** The same, for callers in async code (the write itself is synchronous: one report file at a time). */
export async function writeFileAtomic(path: string, content: string | readonly string[], opts: AtomicWriteOptions = {}): Promise<void> {
  writeFileAtomicSync(path, content, opts);
}
