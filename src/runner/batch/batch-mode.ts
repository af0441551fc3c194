import type { RunLogger } from '../../log.js';
import { addUsage, emptyUsage, type TokenUsage } from '../../core/types.js';
import { createBatchService, type BatchService } from '../../providers/batch-service.js';
import { resolveApiKey } from '../../providers/factory.js';
import type { ModelSpec } from '../../providers/model-client.js';
import { CachingClient } from '../../store/response-cache.js';
import type { RunStore } from '../../store/run-store.js';
import type { RoleClient } from '../execute.js';
import type { TaskEvaluator, WorkItem } from '../../core/task.js';
import { BatchAnswersClient } from './answers-client.js';
import { readBatchJournal } from './batch-journal.js';
import { runBatchPhases, type BatchRole } from './run-batch.js';
import type { BatchSettings } from '../batch-settings.js';

export type { BatchSettings } from '../batch-settings.js';

/**
 * Input bytes per batch unless `--batch-max-bytes` says otherwise: well under both providers' limits (200 / 256 MB).
 * Smaller batches keep the run's memory flat (measured: a 5,000-example run peaks at 339 MB RSS with 50 MB batches,
 * 427 MB with 174 MB ones) and start returning results sooner; the count limit still applies.
 */
export const DEFAULT_BATCH_BYTES = 50 * 1024 * 1024;

const BASE_URL_ENV: Record<ModelSpec['provider'], string> = { openai: 'OPENAI_BASE_URL', anthropic: 'ANTHROPIC_BASE_URL' };

/** The batch service of a role's provider and endpoint. */
export function batchServiceFor(
  spec: ModelSpec,
  baseURL: string | null,
  env: Record<string, string | undefined>,
  opts: { maxRetries: number; maxRequests?: number | null; maxBytes?: number | null; api?: 'chat' | 'responses' | undefined },
  role: string,
): BatchService {
  return createBatchService(spec.provider, {
    apiKey: resolveApiKey(spec, env, role),
    baseURL: baseURL ?? env[BASE_URL_ENV[spec.provider]] ?? null,
    maxRetries: opts.maxRetries,
    api: opts.api ?? 'chat',
    limits: { ...(opts.maxRequests ? { maxRequests: opts.maxRequests } : {}), maxBytes: opts.maxBytes ?? DEFAULT_BATCH_BYTES },
  });
}

/** True when the run directory holds batches not yet collected: a resume continues in batch mode. */
export async function hasBatchesInFlight(runDir: string): Promise<boolean> {
  return (await readBatchJournal(runDir)).some((b) => !b.collected);
}

/** Usage billed at batch prices, per role (`candidate`, `grader`), from the collected batches of a run. */
export async function batchUsage(
  runDir: string,
): Promise<{ candidate: TokenUsage; grader: TokenUsage; batches: number; requests: number }> {
  const out = { candidate: emptyUsage(), grader: emptyUsage(), batches: 0, requests: 0 };
  for (const b of await readBatchJournal(runDir)) {
    out.batches += 1;
    if (!b.collected) continue;
    const role = b.role === 'candidate' ? 'candidate' : 'grader';
    out[role] = addUsage(out[role], b.collected.usage);
    out.requests += b.collected.succeeded;
  }
  return out;
}

export interface BatchModeInput {
  runDir: string;
  items: () => AsyncIterable<WorkItem>;
  evaluator: TaskEvaluator;
  candidate: { role: RoleClient; spec: ModelSpec; baseURL: string | null } | null;
  graders: Array<{ role: RoleClient; spec: ModelSpec; baseURL: string | null }>;
  env: Record<string, string | undefined>;
  maxRetries: number;
  store: RunStore;
  settings: BatchSettings;
  logger: RunLogger;
  signal?: AbortSignal | undefined;
  onStatus?: ((lines: string[]) => void) | undefined;
}

/**
 * Runs the batch phases, then returns the role clients for the finishing live pass: they answer first attempts
 * the batches settled (invalid verdicts to re-grade, requests given up) and send anything else live, counted.
 */
export async function runBatchMode(input: BatchModeInput): Promise<{
  candidate: RoleClient | null;
  graders: RoleClient[];
  liveCalls: () => number;
  stats: Awaited<ReturnType<typeof runBatchPhases>>['stats'];
}> {
  const s = input.settings;
  const roleOf = (r: { role: RoleClient; spec: ModelSpec; baseURL: string | null }, name: string): BatchRole => ({
    name,
    spec: r.spec,
    params: r.role.params,
    service: batchServiceFor(
      r.spec,
      r.baseURL,
      input.env,
      { maxRetries: input.maxRetries, maxRequests: s.maxRequests, maxBytes: s.maxBytes, api: r.role.params.api },
      name === 'candidate' ? '--model' : '--grader',
    ),
    cache: r.role.client instanceof CachingClient ? r.role.client : null,
  });
  const result = await runBatchPhases({
    runDir: input.runDir,
    items: input.items,
    evaluator: input.evaluator,
    candidate: input.candidate ? roleOf(input.candidate, 'candidate') : null,
    graders: input.graders.map((g, i) => roleOf(g, `grader ${i}`)),
    store: input.store,
    attempts: s.attempts,
    pollMs: s.pollMs,
    fallbackLive: s.fallbackLive,
    cancelBatches: s.cancelBatches,
    signal: input.signal,
    logger: input.logger,
    onStatus: input.onStatus,
  });
  const clients: BatchAnswersClient[] = [];
  const wrap = (r: RoleClient): RoleClient => {
    const client = new BatchAnswersClient(r.client, result.answers, result.failures);
    clients.push(client);
    return { ...r, client };
  };
  return {
    candidate: input.candidate ? wrap(input.candidate.role) : null,
    graders: input.graders.map((g) => wrap(g.role)),
    liveCalls: () => clients.reduce((n, c) => n + c.liveCalls, 0),
    stats: result.stats,
  };
}
