/**
 * A TEST DOUBLE of the providers' batch services, served by the fake provider: OpenAI's Batch API (file upload,
 * /v1/batches create/retrieve/cancel, output and error files) and Anthropic's Message Batches (create, retrieve,
 * cancel, results JSONL). Every item is answered by the same rules as a live request, so a batch run and a live
 * run of the same work get the same replies. A batch takes `batchDelayMs` to finish (its counts grow linearly
 * meanwhile) and `batchExpiredFraction` of its items expire, drawn per batch and item.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { hashUnit } from './seeded.js';

export interface FakeBatchOptions {
  /** Time from create until a batch has ended, ms. @default 0 */
  readonly batchDelayMs?: number;
  /** Fraction of batch items that expire instead of running, in [0, 1]. @default 0 */
  readonly batchExpiredFraction?: number;
}

/** Batch counters: what a test needs to check that nothing was submitted twice. */
export interface FakeBatchStats {
  batches: number;
  /** Items received in created batches. */
  items: number;
  /** Custom ids received more than once (across batches). */
  duplicateCustomIds: number;
  /** Items that expired. */
  expired: number;
  cancelled: number;
}

type Api = 'openai' | 'anthropic';

export interface FakeBatchDeps {
  seed: number;
  /** The server's URL, for Anthropic's `results_url`. */
  url(): string;
  /** A batch item's reply, by the same rules as a live request (no transport faults). */
  answer(api: Api, body: unknown, url: string): { status: number; body: unknown };
  errorBody(api: Api, status: number, message: string): unknown;
  send(res: ServerResponse, status: number, body: unknown): void;
}

interface StoredFile {
  id: string;
  path: string;
  bytes: number;
  filename: string;
  purpose: string;
  createdAt: number;
}

interface FakeBatch {
  api: Api;
  /** OpenAI: the endpoint every line targets. */
  endpoint: string;
  id: string;
  inputPath: string;
  inputFileId: string | null;
  total: number;
  createdAt: number;
  cancelAt: number | null;
  ended: boolean;
  counts: { succeeded: number; failed: number; expired: number; canceled: number };
  outputFileId: string | null;
  errorFileId: string | null;
  resultsPath: string | null;
  status: string;
}

const secs = (ms: number): number => Math.floor(ms / 1000);

function checkFraction(name: string, v: number | undefined): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new TypeError(`Expected \`${name}\` to be a number from 0 to 1, got \`${String(v)}\``);
  return v;
}

async function* lines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) if (line.trim() !== '') yield line;
}

/** Writes lines to a file, honouring back-pressure. */
function lineWriter(path: string): { write(line: string): Promise<void>; close(): Promise<void> } {
  const out = createWriteStream(path);
  return {
    write: (line) => (out.write(`${line}\n`) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()))),
    close: () => new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve()))),
  };
}

/** One batch service's state: its options, stored files and batches, and the counters. */
interface BatchState {
  deps: FakeBatchDeps;
  delayMs: number;
  expiredFraction: number;
  /** Where uploads, inputs and result files are written; removed by `close()`. */
  dir: string;
  files: Map<string, StoredFile>;
  batches: Map<string, FakeBatch>;
  /** Custom ids seen, with how often. */
  seen: Map<string, number>;
  stats: FakeBatchStats;
  /** Counter behind every file, batch and upload id. */
  next: number;
  // One batch is processed at a time: processing is triggered by polls, and two polls must not process it twice.
  processing: Map<string, Promise<void>>;
}

function noteCustomId(s: BatchState, customId: string): void {
  const n = (s.seen.get(customId) ?? 0) + 1;
  s.seen.set(customId, n);
  s.stats.items += 1;
  if (n === 2) s.stats.duplicateCustomIds += 1;
}

async function storeFile(s: BatchState, path: string, filename: string, purpose: string, bytes: number): Promise<StoredFile> {
  const f: StoredFile = { id: `file-fake${++s.next}`, path, bytes, filename, purpose, createdAt: Date.now() };
  s.files.set(f.id, f);
  return f;
}

const fileObject = (f: StoredFile) => ({
  id: f.id,
  object: 'file',
  bytes: f.bytes,
  created_at: secs(f.createdAt),
  filename: f.filename,
  purpose: f.purpose,
  status: 'processed',
});

/** Items finished by `now`: a linear share of the delay, all once it has passed. */
const doneBy = (s: BatchState, b: FakeBatch, now: number): number =>
  s.delayMs === 0 ? b.total : Math.min(b.total, Math.floor((b.total * (now - b.createdAt)) / s.delayMs));

interface BatchItem {
  custom_id: string;
  url?: string;
  body?: unknown;
  params?: unknown;
}

/** The result line of an item that never ran (expired, or cancelled before its turn). */
function notRunLine(b: FakeBatch, k: number, item: BatchItem, expired: boolean): string {
  const code = expired ? 'batch_expired' : 'batch_cancelled';
  return JSON.stringify(
    b.api === 'openai'
      ? {
          id: `batch_req_${k}`,
          custom_id: item.custom_id,
          response: null,
          error: { code, message: `request ${expired ? 'expired' : 'cancelled'} before it ran (test double)` },
        }
      : { custom_id: item.custom_id, result: { type: expired ? 'expired' : 'canceled' } },
  );
}

/** The result line of an item that ran, succeeded (200) or not. */
function resultLine(b: FakeBatch, k: number, item: BatchItem, reply: { status: number; body: unknown }): string {
  if (reply.status === 200) {
    return JSON.stringify(
      b.api === 'openai'
        ? {
            id: `batch_req_${k}`,
            custom_id: item.custom_id,
            response: { status_code: 200, request_id: `req_batch_${k}`, body: reply.body },
            error: null,
          }
        : { custom_id: item.custom_id, result: { type: 'succeeded', message: reply.body } },
    );
  }
  return JSON.stringify(
    b.api === 'openai'
      ? {
          id: `batch_req_${k}`,
          custom_id: item.custom_id,
          response: { status_code: reply.status, request_id: `req_batch_${k}`, body: reply.body },
          error: null,
        }
      : { custom_id: item.custom_id, result: { type: 'errored', error: reply.body } },
  );
}

/** Counts an item that never ran, in the batch and in the service's stats. */
function countNotRun(s: BatchState, b: FakeBatch, expired: boolean): void {
  if (expired) {
    b.counts.expired += 1;
    s.stats.expired += 1;
  } else {
    b.counts.canceled += 1;
    s.stats.cancelled += 1;
  }
}

/** Marks a processed batch ended: its result file(s) registered and its final status. */
async function endBatch(s: BatchState, b: FakeBatch, out: string, err: string, errors: number): Promise<void> {
  b.ended = true;
  if (b.api === 'anthropic') {
    b.resultsPath = out;
    b.status = 'ended';
    return;
  }
  if (b.counts.succeeded > 0) b.outputFileId = (await storeFile(s, out, `${b.id}_output.jsonl`, 'batch_output', 0)).id;
  if (errors > 0) b.errorFileId = (await storeFile(s, err, `${b.id}_error.jsonl`, 'batch_output', 0)).id;
  b.status = b.cancelAt !== null ? 'cancelled' : b.counts.expired > 0 ? 'expired' : 'completed';
}

/** Answers every item of an ended (or cancelled) batch and writes its result files. */
async function processBatch(s: BatchState, b: FakeBatch): Promise<void> {
  const finished = b.cancelAt === null ? b.total : doneBy(s, b, b.cancelAt);
  const out = join(s.dir, `${b.id}.out.jsonl`);
  const err = join(s.dir, `${b.id}.err.jsonl`);
  const ok = lineWriter(out);
  // Anthropic has one results file for every outcome.
  const bad = b.api === 'openai' ? lineWriter(err) : ok;
  let k = 0;
  let errors = 0;
  for await (const line of lines(b.inputPath)) {
    const item = JSON.parse(line) as BatchItem;
    const expired = hashUnit(s.deps.seed, 'batch-expire', b.id, item.custom_id) < s.expiredFraction;
    const cancelled = k >= finished;
    k += 1;
    if (expired || cancelled) {
      countNotRun(s, b, expired);
      errors += 1;
      await bad.write(notRunLine(b, k, item, expired));
      continue;
    }
    const reply =
      b.api === 'openai'
        ? s.deps.answer('openai', item.body, item.url ?? b.endpoint)
        : s.deps.answer('anthropic', item.params, '/v1/messages');
    if (reply.status === 200) {
      b.counts.succeeded += 1;
      await ok.write(resultLine(b, k, item, reply));
    } else {
      b.counts.failed += 1;
      errors += 1;
      await bad.write(resultLine(b, k, item, reply));
    }
  }
  await ok.close();
  if (bad !== ok) await bad.close();
  await endBatch(s, b, out, err, errors);
}

/** Brings a batch up to date: processes it once its time has come. */
async function refresh(s: BatchState, b: FakeBatch): Promise<void> {
  if (b.ended) return;
  const now = Date.now();
  const due = b.cancelAt !== null || now - b.createdAt >= s.delayMs;
  if (!due) return;
  let p = s.processing.get(b.id);
  if (!p) {
    p = processBatch(s, b);
    s.processing.set(b.id, p);
  }
  await p;
}

function openaiBatch(s: BatchState, b: FakeBatch) {
  const now = Date.now();
  const done = b.ended ? b.counts.succeeded : doneBy(s, b, now);
  const failed = b.ended ? b.total - b.counts.succeeded : 0;
  return {
    id: b.id,
    object: 'batch',
    endpoint: b.endpoint,
    errors: null,
    input_file_id: b.inputFileId,
    completion_window: '24h',
    status: b.ended ? b.status : b.cancelAt !== null ? 'cancelling' : 'in_progress',
    output_file_id: b.outputFileId,
    error_file_id: b.errorFileId,
    created_at: secs(b.createdAt),
    in_progress_at: secs(b.createdAt),
    expires_at: secs(b.createdAt + 86_400_000),
    completed_at: b.ended ? secs(now) : null,
    request_counts: { total: b.total, completed: done, failed },
    metadata: null,
  };
}

function anthropicBatch(s: BatchState, b: FakeBatch) {
  const now = Date.now();
  const succeeded = b.ended ? b.counts.succeeded : doneBy(s, b, now);
  return {
    id: b.id,
    type: 'message_batch',
    processing_status: b.ended ? 'ended' : b.cancelAt !== null ? 'canceling' : 'in_progress',
    request_counts: b.ended
      ? { processing: 0, succeeded, errored: b.counts.failed, canceled: b.counts.canceled, expired: b.counts.expired }
      : { processing: b.total - succeeded, succeeded, errored: 0, canceled: 0, expired: 0 },
    created_at: new Date(b.createdAt).toISOString(),
    expires_at: new Date(b.createdAt + 86_400_000).toISOString(),
    ended_at: b.ended ? new Date(now).toISOString() : null,
    cancel_initiated_at: b.cancelAt === null ? null : new Date(b.cancelAt).toISOString(),
    archived_at: null,
    results_url: b.ended ? `${s.deps.url()}/v1/messages/batches/${b.id}/results` : null,
  };
}

async function readToFile(req: IncomingMessage, path: string): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return bytes;
}

async function uploadFile(s: BatchState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const web = new Request('http://fake/upload', {
    method: 'POST',
    headers: req.headers as Record<string, string>,
    body: Readable.toWeb(req) as ReadableStream,
    duplex: 'half',
  });
  const form = await web.formData();
  const file = form.get('file');
  if (!(file instanceof Blob)) return s.deps.send(res, 400, s.deps.errorBody('openai', 400, 'missing `file`'));
  const path = join(s.dir, `upload-${++s.next}.jsonl`);
  await writeFile(path, Readable.fromWeb(file.stream()));
  const f = await storeFile(s, path, (file as File).name ?? 'upload.jsonl', formText(form.get('purpose')), file.size);
  s.deps.send(res, 200, fileObject(f));
}

async function createBatch(
  s: BatchState,
  api: Api,
  inputPath: string,
  inputFileId: string | null,
  endpoint = '/v1/messages',
): Promise<FakeBatch> {
  let total = 0;
  for await (const line of lines(inputPath)) {
    noteCustomId(s, (JSON.parse(line) as { custom_id: string }).custom_id);
    total += 1;
  }
  const id = api === 'openai' ? `batch_fake${++s.next}` : `msgbatch_fake${++s.next}`;
  const b: FakeBatch = {
    api,
    endpoint,
    id,
    inputPath,
    inputFileId,
    total,
    createdAt: Date.now(),
    cancelAt: null,
    ended: false,
    counts: { succeeded: 0, failed: 0, expired: 0, canceled: 0 },
    outputFileId: null,
    errorFileId: null,
    resultsPath: null,
    status: 'in_progress',
  };
  s.batches.set(id, b);
  s.stats.batches += 1;
  return b;
}

async function createOpenAI(s: BatchState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = JSON.parse(await new Response(Readable.toWeb(req) as ReadableStream).text()) as {
    input_file_id?: string;
    endpoint?: string;
  };
  const f = s.files.get(body.input_file_id ?? '');
  if (!f) return s.deps.send(res, 404, s.deps.errorBody('openai', 404, `no file ${String(body.input_file_id)}`));
  if (body.endpoint !== '/v1/chat/completions' && body.endpoint !== '/v1/responses') {
    return s.deps.send(res, 400, s.deps.errorBody('openai', 400, `unsupported endpoint ${String(body.endpoint)}`));
  }
  const b = await createBatch(s, 'openai', f.path, f.id, body.endpoint);
  s.deps.send(res, 200, openaiBatch(s, b));
}

async function createAnthropic(s: BatchState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = join(s.dir, `create-${++s.next}.json`);
  await readToFile(req, raw);
  let parsed: { requests?: unknown };
  try {
    parsed = JSON.parse(await new Response(Readable.toWeb(createReadStream(raw)) as ReadableStream).text()) as { requests?: unknown };
  } catch {
    return s.deps.send(res, 400, s.deps.errorBody('anthropic', 400, 'request body is not valid JSON'));
  } finally {
    rmSync(raw, { force: true });
  }
  if (!Array.isArray(parsed.requests) || parsed.requests.length === 0) {
    return s.deps.send(res, 400, s.deps.errorBody('anthropic', 400, '`requests` must be a non-empty array'));
  }
  const inputPath = join(s.dir, `input-${s.next}.jsonl`);
  const w = lineWriter(inputPath);
  for (const r of parsed.requests as unknown[]) await w.write(JSON.stringify(r));
  await w.close();
  const b = await createBatch(s, 'anthropic', inputPath, null);
  s.deps.send(res, 200, anthropicBatch(s, b));
}

function stream(res: ServerResponse, path: string, type: string): void {
  res.writeHead(200, { 'content-type': type });
  createReadStream(path).pipe(res);
}

/** GET /v1/files/ID (its object) or /v1/files/ID/content (its bytes). */
function getFile(s: BatchState, res: ServerResponse, id: string, content: boolean): void {
  const f = s.files.get(id);
  if (!f) s.deps.send(res, 404, s.deps.errorBody('openai', 404, `no file ${id}`));
  else if (content) stream(res, f.path, 'application/octet-stream');
  else s.deps.send(res, 200, fileObject(f));
}

/** A route on one batch (`/v1/batches/ID` or `/v1/messages/batches/ID`, with `/cancel` or `/results`); false when none. */
async function batchRoute(
  s: BatchState,
  req: IncomingMessage,
  res: ServerResponse,
  kind: string | undefined,
  id: string,
  action: string | undefined,
): Promise<boolean> {
  const m = req.method ?? 'GET';
  const api: Api = kind === 'batches' ? 'openai' : 'anthropic';
  const b = s.batches.get(id);
  if (!b || b.api !== api) {
    req.resume();
    s.deps.send(res, 404, s.deps.errorBody(api, 404, `no batch ${id}`));
    return true;
  }
  if (action === '/cancel' && m === 'POST') {
    req.resume();
    if (!b.ended && b.cancelAt === null) b.cancelAt = Date.now();
  } else if (action === '/results' && m === 'GET') {
    await refresh(s, b);
    if (!b.resultsPath) s.deps.send(res, 404, s.deps.errorBody(api, 404, 'batch has not ended'));
    else stream(res, b.resultsPath, 'application/binary');
    return true;
  } else if (action !== undefined || m !== 'GET') return false;
  // A cancel becomes visible on the next poll, as with the real services ("cancelling", then ended).
  if (action === undefined) await refresh(s, b);
  s.deps.send(res, 200, api === 'openai' ? openaiBatch(s, b) : anthropicBatch(s, b));
  return true;
}

/** Handles a batch-service route; false when the path is not one. */
async function handleBatchRoute(s: BatchState, req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  const m = req.method ?? 'GET';
  let g: RegExpExecArray | null;
  if (m === 'POST' && path === '/v1/files') await uploadFile(s, req, res);
  else if (m === 'GET' && (g = /^\/v1\/files\/([^/]+)(\/content)?$/.exec(path))) getFile(s, res, g[1] ?? '', Boolean(g[2]));
  else if (m === 'POST' && path === '/v1/batches') await createOpenAI(s, req, res);
  else if (m === 'POST' && path === '/v1/messages/batches') await createAnthropic(s, req, res);
  else if ((g = /^\/v1\/(batches|messages\/batches)\/([^/]+)(\/cancel|\/results)?$/.exec(path)))
    return batchRoute(s, req, res, g[1], g[2] ?? '', g[3]);
  else return false;
  return true;
}

export function createFakeBatchService(opts: FakeBatchOptions, deps: FakeBatchDeps) {
  const delayMs = opts.batchDelayMs ?? 0;
  if (typeof delayMs !== 'number' || !(delayMs >= 0))
    throw new TypeError(`Expected \`batchDelayMs\` to be a number from 0 and up, got \`${String(delayMs)}\``);
  const s: BatchState = {
    deps,
    delayMs,
    expiredFraction: checkFraction('batchExpiredFraction', opts.batchExpiredFraction),
    dir: mkdtempSync(join(tmpdir(), 'healthbench-fake-batch-')),
    files: new Map(),
    batches: new Map(),
    seen: new Map(),
    stats: { batches: 0, items: 0, duplicateCustomIds: 0, expired: 0, cancelled: 0 },
    next: 0,
    processing: new Map(),
  };
  return {
    /** Handles a batch-service route; false when the path is not one. */
    handle: (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => handleBatchRoute(s, req, res, path),
    stats: (): FakeBatchStats => ({ ...s.stats }),
    reset: (): void => {
      Object.assign(s.stats, { batches: 0, items: 0, duplicateCustomIds: 0, expired: 0, cancelled: 0 });
      s.seen.clear();
    },
    close: (): void => rmSync(s.dir, { recursive: true, force: true }),
  };
}

export type FakeBatchService = ReturnType<typeof createFakeBatchService>;

/** A multipart text field's value; a missing field or an uploaded file gives ''. */
function formText(value: string | File | null): string {
  return typeof value === 'string' ? value : '';
}
