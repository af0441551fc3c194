import { join, resolve } from 'node:path';
import type { RunLogger } from '../log.js';
import { CancelledError, HealthbenchError, UsageError } from '../core/errors.js';
import { formatModelSpec } from '../providers/model-client.js';
import { redactSecrets } from '../providers/errors.js';
import { RunStore, type PriorProgress } from '../store/run-store.js';
import { TOOL_VERSION } from '../version.js';
import { collectAudit } from './audit.js';
import type { RunConfig, RunRecord } from '../core/records.js';
import type { EvalDeps } from './eval.js';
import type { Progress } from './execute.js';
import type { PreparedRun } from './prepare.js';
import { configDifferences, newRunId } from './settings.js';
import { renderSelection } from './shard.js';

/** A run directory taken for this process: its store (locked), the run record as started, and the work already done. */
export interface OpenedRun {
  runDir: string;
  store: RunStore;
  run: RunRecord;
  prior: PriorProgress;
  started: Date;
}

/** The run already in the directory, if any; refused when it was run with another configuration. */
async function previousRun(store: RunStore, config: RunConfig, resume: boolean): Promise<RunRecord | null> {
  const previous = await store.readRunRecord();
  if (resume && !previous) throw new UsageError(`--resume ${store.dir}: no run.json there, nothing to resume`);
  if (previous) {
    const diffs = configDifferences(previous.config, config);
    if (diffs.length > 0) {
      throw new UsageError(
        `${store.dir} holds a run with a different configuration; use another --out. Differences:\n  ${diffs.join('\n  ')}`,
      );
    }
  }
  return previous;
}

/**
 * Marks run.json cancelled or failed after the run stopped. When even that write fails (a full disk), the run.json
 * of the start stays ('running'), which resumes the same way; the original error is the one reported.
 */
export function recordStop(
  store: RunStore,
  run: RunRecord,
  err: unknown,
  ctx: { now: () => Date; progress: Progress | null; secrets: readonly string[]; log: RunLogger },
): void {
  try {
    store.writeRunJsonSync({
      ...run,
      status: err instanceof CancelledError ? 'cancelled' : 'failed',
      updatedAt: ctx.now().toISOString(),
      progress: ctx.progress,
      error: redactSecrets(err instanceof HealthbenchError ? err.message : String(err), ctx.secrets),
    });
  } catch (writeErr) {
    ctx.log.error({ err: String(writeErr) }, 'could not record the stop in run.json');
  }
}

/** The run record this process starts with: a new run, or the next attempt of the one in the directory. */
async function startRecord(p: PreparedRun, deps: EvalDeps, runDir: string, previous: RunRecord | null, started: Date): Promise<RunRecord> {
  return {
    formatVersion: 1,
    runId: previous?.runId ?? runDir.split(/[\\/]/).pop() ?? 'run',
    status: 'running',
    tool: { name: 'healthbench', version: TOOL_VERSION },
    createdAt: previous?.createdAt ?? started.toISOString(),
    updatedAt: started.toISOString(),
    finishedAt: null,
    attempts: (previous?.attempts ?? 0) + 1,
    testDouble: p.testDouble,
    config: p.config,
    progress: null,
    error: null,
    audit: await collectAudit(deps.env, p.opts.labels ?? {}),
    ...(p.shard && { shard: p.shard }),
    ...(p.opts.effectiveConfig ? { effectiveConfig: p.opts.effectiveConfig } : {}),
  };
}

/**
 * Takes the run directory: refuses one that holds another configuration (before touching it), locks it, reads the
 * work already done, and writes run.json and selection.json. The caller closes the store.
 */
export async function openRun(p: PreparedRun, deps: EvalDeps, now: () => Date): Promise<OpenedRun> {
  const started = now();
  const { opts } = p;
  const runDir = resolve(
    deps.cwd,
    opts.outDir ?? join('reports', newRunId(started, opts.model ?? p.graderSpecs.map(formatModelSpec).join('+'))),
  );
  const store = new RunStore(runDir, { io: deps.storeIo });
  // Read-only checks first, so a refused run leaves the directory exactly as it was.
  await previousRun(store, p.config, opts.resume);
  // Then the lock: a second process on this directory is refused before it reads progress or writes anything.
  await store.lock();
  try {
    // Read again under the lock: another process may have started the directory in between.
    const previous = await previousRun(store, p.config, opts.resume);
    if (previous) p.log.info({ runDir, status: previous.status }, 'resuming');
    const prior = await store.loadProgress();
    if (prior.tornLines > 0)
      p.log.warn({ tornLines: prior.tornLines }, 'dropped a last line cut short by an earlier crash; its work is redone');
    await store.open();
    const run = await startRecord(p, deps, runDir, previous, started);
    await store.writeRunJson(run, 'setup');
    await store.writeText('selection.json', renderSelection(p.plan));
    return { runDir, store, run, prior, started };
  } catch (err) {
    store.close();
    throw err;
  }
}
