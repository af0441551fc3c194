import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../core/errors.js';

/** Where downloaded benchmark files live: `HEALTHBENCH_CACHE_DIR`, else the user's cache dir. */
export function cacheDir(env: Record<string, string | undefined>): string {
  if (env['HEALTHBENCH_CACHE_DIR']) return env['HEALTHBENCH_CACHE_DIR'];
  const base = env['XDG_CACHE_HOME'] || join(env['HOME'] || homedir(), '.cache');
  return join(base, 'healthbench');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export interface CachedFile {
  path: string;
  sha256: string;
  /** Against the known official hash. */
  check: 'match' | 'unknown';
  downloaded: boolean;
}

/**
 * Returns the cached copy of a file, downloading it first when absent. The download goes to a temporary
 * file that is renamed into place only after its hash checks out, so the cache never holds a torn or
 * wrong file. A mismatch with a known hash is an error; an unknown hash is reported as such.
 */
export async function fetchToCache(opts: {
  url: string;
  fileName: string;
  expectedSha256: string | null;
  env: Record<string, string | undefined>;
  fetchImpl?: typeof fetch;
  /** The flag that takes a local copy instead, for the offline message. @default '--dataset PATH' */
  localFlag?: string;
}): Promise<CachedFile> {
  const dir = cacheDir(opts.env);
  const path = join(dir, opts.fileName);
  const exists = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (exists) {
    const sha256 = await sha256File(path);
    if (opts.expectedSha256 && sha256 !== opts.expectedSha256) {
      throw new UsageError(
        `${path}: sha256 ${sha256} does not match the official ${opts.expectedSha256}; delete the file to download it again`,
      );
    }
    return { path, sha256, check: opts.expectedSha256 ? 'match' : 'unknown', downloaded: false };
  }
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.part`;
  const doFetch = opts.fetchImpl ?? fetch;
  let res: Response;
  try {
    res = await doFetch(opts.url);
  } catch (err) {
    throw new UsageError(
      `cannot download ${opts.url}: ${(err as Error).message}. Without network, pass a local copy with ${opts.localFlag ?? '--dataset PATH'} or save it as ${path}`,
    );
  }
  if (!res.ok || !res.body) {
    throw new UsageError(
      `cannot download ${opts.url}: HTTP ${res.status}. Pass a local copy with ${opts.localFlag ?? '--dataset PATH'} or save it as ${path}`,
    );
  }
  const hash = createHash('sha256');
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => hash.update(chunk));
  try {
    await pipeline(body, createWriteStream(tmp));
  } catch (err) {
    await rm(tmp, { force: true });
    throw new UsageError(`download of ${opts.url} failed: ${(err as Error).message}. Try again, or save the file as ${path}`);
  }
  const sha256 = hash.digest('hex');
  if (opts.expectedSha256 && sha256 !== opts.expectedSha256) {
    await rm(tmp, { force: true });
    throw new UsageError(`${opts.url}: downloaded sha256 ${sha256} does not match the official ${opts.expectedSha256}`);
  }
  await rename(tmp, path);
  return { path, sha256, check: opts.expectedSha256 ? 'match' : 'unknown', downloaded: true };
}
