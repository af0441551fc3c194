import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { cacheDir, fetchToCache } from '../../../src/data/download.js';
import { openDataset } from '../../../src/data/load-dataset.js';
import { OFFICIAL_FILES } from '../../../src/data/official.js';

const BODY = `${JSON.stringify({
  prompt_id: 'dl-1',
  prompt: [{ role: 'user', content: 'Is it safe to run with shin splints?' }],
  rubrics: [{ criterion: 'Advises rest from running until pain settles.', points: 5, tags: ['level:example', 'axis:accuracy'] }],
  example_tags: ['theme:hedging'],
})}\n`;
const BODY_SHA = createHash('sha256').update(BODY).digest('hex');

let server: Server;
let base = '';
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url?.startsWith('/missing')) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hb-cache-'));
  hits.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cacheDir', () => {
  test('HEALTHBENCH_CACHE_DIR wins', () => {
    expect(cacheDir({ HEALTHBENCH_CACHE_DIR: '/x/hb', XDG_CACHE_HOME: '/y', HOME: '/z' })).toBe('/x/hb');
  });

  test('falls back to XDG_CACHE_HOME, then HOME/.cache', () => {
    expect(cacheDir({ XDG_CACHE_HOME: '/y', HOME: '/z' })).toBe(join('/y', 'healthbench'));
    expect(cacheDir({ HOME: '/z' })).toBe(join('/z', '.cache', 'healthbench'));
  });
});

describe('fetchToCache', () => {
  test('downloads into HEALTHBENCH_CACHE_DIR, and a second call is served from the cache', async () => {
    const env = { HEALTHBENCH_CACHE_DIR: dir };
    const first = await fetchToCache({ url: `${base}/data.jsonl`, fileName: 'data.jsonl', expectedSha256: null, env });
    expect(first).toEqual({ path: join(dir, 'data.jsonl'), sha256: BODY_SHA, check: 'unknown', downloaded: true });
    expect(await readFile(first.path, 'utf8')).toBe(BODY);
    expect(hits).toEqual(['/data.jsonl']);

    const second = await fetchToCache({ url: `${base}/data.jsonl`, fileName: 'data.jsonl', expectedSha256: null, env });
    expect(second).toEqual({ ...first, downloaded: false });
    expect(hits).toHaveLength(1);
    expect(await readdir(dir)).toEqual(['data.jsonl']);
  });

  test('creates a nested cache directory that does not exist yet', async () => {
    const nested = join(dir, 'a', 'b');
    const got = await fetchToCache({ url: `${base}/d`, fileName: 'd.jsonl', expectedSha256: null, env: { HEALTHBENCH_CACHE_DIR: nested } });
    expect(got.path).toBe(join(nested, 'd.jsonl'));
  });

  test('a matching known sha256 is reported as a match, on download and from the cache', async () => {
    const opts = { url: `${base}/d`, fileName: 'd.jsonl', expectedSha256: BODY_SHA, env: { HEALTHBENCH_CACHE_DIR: dir } };
    expect(await fetchToCache(opts)).toMatchObject({ check: 'match', downloaded: true, sha256: BODY_SHA });
    expect(await fetchToCache(opts)).toMatchObject({ check: 'match', downloaded: false, sha256: BODY_SHA });
    expect(hits).toHaveLength(1);
  });

  test('a sha256 mismatch is an error and leaves nothing in the cache', async () => {
    const err: unknown = await fetchToCache({
      url: `${base}/d`,
      fileName: 'd.jsonl',
      expectedSha256: '0'.repeat(64),
      env: { HEALTHBENCH_CACHE_DIR: dir },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(BODY_SHA);
    expect(await readdir(dir)).toEqual([]);
  });

  test('a cached file whose hash no longer matches is refused, not silently used', async () => {
    await writeFile(join(dir, 'd.jsonl'), 'tampered\n');
    const err: unknown = await fetchToCache({
      url: `${base}/d`,
      fileName: 'd.jsonl',
      expectedSha256: BODY_SHA,
      env: { HEALTHBENCH_CACHE_DIR: dir },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/delete the file/);
    expect(hits).toHaveLength(0);
  });

  test('an HTTP error is a UsageError and leaves nothing in the cache', async () => {
    const err: unknown = await fetchToCache({
      url: `${base}/missing`,
      fileName: 'm.jsonl',
      expectedSha256: null,
      env: { HEALTHBENCH_CACHE_DIR: dir },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/HTTP 404/);
    expect(await readdir(dir)).toEqual([]);
  });

  test('a failing fetch is a UsageError that says how to work offline', async () => {
    const failing: typeof fetch = () => Promise.reject(new Error('getaddrinfo ENOTFOUND'));
    const err: unknown = await fetchToCache({
      url: 'https://example.invalid/x',
      fileName: 'x.jsonl',
      expectedSha256: null,
      env: { HEALTHBENCH_CACHE_DIR: dir },
      fetchImpl: failing,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/ENOTFOUND.*--dataset PATH/);
  });

  test('an official name with an unpublished hash downloads, caches and opens (HEALTHBENCH_DATA_BASE_URL)', async () => {
    const official = OFFICIAL_FILES['healthbench-hard'];
    expect(official?.sha256).toBeNull();
    const env = { HEALTHBENCH_CACHE_DIR: dir, HEALTHBENCH_DATA_BASE_URL: `${base}/` };
    const ds = await openDataset('healthbench-hard', { cwd: dir, env });
    expect(ds.name).toBe('healthbench-hard');
    expect(ds.officialSha256).toBe('unknown');
    expect(ds.ids).toEqual(['dl-1']);
    expect(hits).toEqual([`/${official?.file ?? ''}`]);
    await openDataset('healthbench-hard', { cwd: dir, env });
    expect(hits).toHaveLength(1);
  });

  test('an official name whose download does not match the known hash is refused', async () => {
    const env = { HEALTHBENCH_CACHE_DIR: join(dir, 'c'), HEALTHBENCH_DATA_BASE_URL: `${base}/` };
    await mkdir(env.HEALTHBENCH_CACHE_DIR);
    await expect(openDataset('healthbench', { cwd: dir, env })).rejects.toBeInstanceOf(UsageError);
    expect(await readdir(env.HEALTHBENCH_CACHE_DIR)).toEqual([]);
  });
});
