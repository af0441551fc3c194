import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CancelledError, RunFailedError } from '../core/errors.js';
import { pacingEntry } from '../providers/pace-report.js';
import type { ModelSpec } from '../providers/model-client.js';
import { DEFAULT_BATCH_SETTINGS, type BatchSettings } from './batch-settings.js';
import type { RoleClient } from './call-scheduler.js';
import type { EvalDeps } from './eval.js';
import { executeRun, type Progress } from './execute.js';
import type { PreparedRun } from './prepare.js';
import { recordStop, type OpenedRun } from './run-dir.js';
import { costOfUsage } from './cost.js';

/** How the calls went: the last progress, and for a batch run, how many calls went live. */
export interface CallsDone {
  progress: Progress | null;
  /** Set for a run through the batch services. */
  batch: { settings: BatchSettings; liveCalls: () => number } | null;
}

/** `--batch`, or a resumed run that still has batches at the provider (it continues in batch mode). */
async function batchSettingsOf(p: PreparedRun, runDir: string): Promise<BatchSettings | null> {
  if (p.opts.batch) return p.opts.batch;
  if (!existsSync(join(runDir, 'batches.jsonl'))) return null;
  const { hasBatchesInFlight } = await import('./batch/batch-mode.js');
  return (await hasBatchesInFlight(runDir)) ? { ...DEFAULT_BATCH_SETTINGS } : null;
}

/** The batch phases: everything they can answer is journaled; what is left goes live through the returned roles. */
async function runBatches(p: PreparedRun, o: OpenedRun, deps: EvalDeps, settings: BatchSettings) {
  const { runBatchMode } = await import('./batch/batch-mode.js');
  const candidate = p.plan.needsCandidate ? p.candidate : null;
  return runBatchMode({
    runDir: o.runDir,
    items: () => p.plan.items(),
    evaluator: p.plan.evaluator,
    candidate: candidate && p.candidateSpec ? { role: candidate, spec: p.candidateSpec, baseURL: p.baseUrl } : null,
    graders: p.graders.map((role, i) => ({ role, spec: p.graderSpecs[i] as ModelSpec, baseURL: p.graderBaseUrl })),
    env: p.env,
    maxRetries: p.opts.maxRetries,
    store: o.store,
    settings,
    logger: p.log,
    signal: deps.signal,
    onStatus: deps.onBatchStatus,
  });
}

/** A stopped run's error, reworded to say where the records are and how to resume. */
function stoppedError(err: unknown, p: PreparedRun, o: OpenedRun, deps: EvalDeps, batch: boolean): unknown {
  const resume = deps.resumeCommand?.(o.runDir) ?? `healthbench ${p.opts.task === 'meta' ? 'meta-eval' : 'eval'} --resume ${o.runDir}`;
  const inCwd = relative(deps.cwd, o.runDir);
  const shown = inCwd === '' || inCwd.startsWith('..') ? o.runDir : inCwd;
  // A batch run's own message says which batches keep running and how to resume or cancel them.
  if (err instanceof CancelledError && batch && err.message.includes('--resume')) return err;
  if (err instanceof CancelledError) return new CancelledError(`run cancelled; finished work is saved in ${shown}. Resume with: ${resume}`);
  if (err instanceof RunFailedError) {
    return new RunFailedError(
      `${err.message.replace(/[.\s]+$/, '')}. The records so far are in ${shown}; fix the cause, then resume with: ${resume}`,
    );
  }
  return err;
}

/**
 * Makes the run's model calls: through the batch services first when asked (or when batches are still out), then
 * live for whatever is left. A stop (Ctrl-C, a failure) is recorded in run.json and reported with the resume command.
 */
export async function runCalls(p: PreparedRun, o: OpenedRun, deps: EvalDeps, now: () => Date): Promise<CallsDone> {
  let lastProgress: Progress | null = null;
  const settings = await batchSettingsOf(p, o.runDir);
  try {
    let candidate: RoleClient | null = p.plan.needsCandidate ? p.candidate : null;
    let graders = p.graders;
    let liveCalls: (() => number) | null = null;
    if (settings) {
      const mode = await runBatches(p, o, deps, settings);
      candidate = mode.candidate;
      graders = mode.graders;
      liveCalls = mode.liveCalls;
    }
    const result = await executeRun({
      items: p.plan.items(),
      total: p.plan.total,
      evaluator: p.plan.evaluator,
      candidate,
      graders,
      graderAttempts: p.opts.graderAttempts,
      concurrency: p.opts.concurrency,
      maxErrors: p.maxErrors,
      store: o.store,
      pace: () => p.pool.progressPace(),
      // The batch phases journaled their results: the live pass reads them as a resumed run would.
      prior: settings ? await o.store.loadProgress() : o.prior,
      logger: p.log,
      signal: deps.signal,
      onProgress: (progress) => {
        lastProgress = progress;
        const withCost =
          p.testDouble || !progress.usage ? progress : { ...progress, costUsd: costOfUsage(p.config, progress.usage, p.prices).total };
        deps.onProgress?.(withCost);
      },
    });
    return { progress: result.progress, batch: settings ? { settings, liveCalls: liveCalls ?? (() => 0) } : null };
  } catch (err) {
    o.store.closeFiles();
    recordStop(o.store, { ...o.run, pacing: p.pool.pace().map(pacingEntry) }, err, {
      now,
      progress: lastProgress,
      secrets: p.pool.secrets,
      log: p.log,
    });
    throw stoppedError(err, p, o, deps, settings !== null);
  }
}
