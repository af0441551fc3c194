/**
 * `manifest.json`: the sha256 and size of every file of a run directory, written as the run's last act, so
 * anyone can later prove the files are the ones the run wrote (`healthbench verify`).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { LOCK_FILE } from './run-lock.js';

export const MANIFEST_FILE = 'manifest.json';

/** `manifest.json`, format version 1. */
export interface RunManifest {
  formatVersion: 1;
  algorithm: 'sha256';
  /** When the manifest was written (the end of the run). */
  writtenAt: string;
  /** Relative path (with `/`) → digest and size, sorted by path. The manifest does not list itself. */
  files: Record<string, { sha256: string; bytes: number }>;
}

/** One way the directory no longer matches its manifest. */
export interface ManifestProblem {
  file: string;
  kind: 'changed' | 'missing' | 'unlisted';
  detail: string;
}

/** A file's sha256 (hex) and size in bytes, as the manifest lists it. */
export interface FileDigest {
  sha256: string;
  bytes: number;
}

/** Files up to this size are hashed from one read; larger ones (samples.jsonl can be large) are streamed. */
const ONE_READ_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The sha256 and size of a file. A report file is read whole (a stream costs a round trip to the thread pool for every
 * 64 KB, which adds up at the end of a run); a large file is streamed so that memory stays flat.
 */
export async function sha256OfFile(path: string): Promise<FileDigest> {
  if ((await stat(path)).size <= ONE_READ_MAX_BYTES) {
    const data = await readFile(path);
    return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
  }
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Files under `dir` (recursively) as `/`-separated relative paths, minus the manifest, the lock and atomic-write leftovers. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const rel = relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/');
    // run.lock only marks that a process is at work in the directory (it is removed when the run ends).
    if (rel === MANIFEST_FILE || rel === LOCK_FILE || rel.endsWith('.tmp')) continue;
    out.push(rel);
  }
  return out.sort();
}

/**
 * Hashes every file of a run directory and writes manifest.json (atomically). `known` holds digests the caller
 * computed while writing a file (the append-only records of a run, tens of MB): one is used only when the file still
 * has exactly that size, otherwise the file is read and hashed like the others.
 */
export async function writeManifest(dir: string, now: Date, known?: ReadonlyMap<string, FileDigest>): Promise<RunManifest> {
  const files: RunManifest['files'] = {};
  for (const rel of await listFiles(dir)) {
    const given = known?.get(rel);
    files[rel] = given && (await fileSize(join(dir, rel))) === given.bytes ? { ...given } : await sha256OfFile(join(dir, rel));
  }
  const manifest: RunManifest = { formatVersion: 1, algorithm: 'sha256', writtenAt: now.toISOString(), files };
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Reads manifest.json; null when the run has none (written before manifests existed, or unfinished). */
export async function readManifest(dir: string): Promise<RunManifest | null> {
  const text = await readFile(join(dir, MANIFEST_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  return text === null ? null : (JSON.parse(text) as RunManifest);
}

/** Compares the directory with its manifest: changed and missing files, and files the manifest does not list. */
export async function checkManifest(dir: string, manifest: RunManifest): Promise<ManifestProblem[]> {
  const problems: ManifestProblem[] = [];
  const present = new Set(await listFiles(dir));
  for (const [file, want] of Object.entries(manifest.files)) {
    if (!present.has(file)) {
      problems.push({ file, kind: 'missing', detail: 'listed in the manifest but not in the directory' });
      continue;
    }
    const got = await sha256OfFile(join(dir, file));
    if (got.sha256 !== want.sha256) {
      problems.push({
        file,
        kind: 'changed',
        detail: `sha256 ${got.sha256} (${got.bytes} bytes), manifest says ${want.sha256} (${want.bytes} bytes)`,
      });
    }
  }
  for (const file of present) {
    if (!(file in manifest.files))
      problems.push({ file, kind: 'unlisted', detail: 'in the directory but not in the manifest (added after the run)' });
  }
  return problems;
}

/** Size of a file, or null when it does not exist. */
export async function fileSize(path: string): Promise<number | null> {
  return stat(path).then(
    (s) => s.size,
    () => null,
  );
}
