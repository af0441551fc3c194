import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { RunLogger } from '../log.js';
import { CancelledError, HealthbenchError, RunFailedError } from '../core/errors.js';
import { addUsage, emptyUsage, type Message, type SampleRecord, type TokenUsage } from '../core/types.js';
import type { Completion, ProviderCallError } from '../providers/model-client.js';
import { withSystemPrompt } from '../providers/model-client.js';
import { responseDigest, sampleKey, type PriorProgress, type RunStore } from '../store/run-store.js';
import { Aborted, CallScheduler, PRIORITY_CANDIDATE, type RoleClient } from './call-scheduler.js';
import { gradeResponse, verdictsFor, type GradingContext } from './grade-sample.js';
import type { TaskEvaluator, WorkItem } from '../core/task.js';
import type { Progress, ProgressPace } from '../core/run-facts.js';
export type { Progress, ProgressPace } from '../core/run-facts.js';

export type { RoleClient } from './call-scheduler.js';

export interface ExecuteOptions {
  /** The work, produced lazily so memory stays flat in the number of examples. */
  items: AsyncIterable<WorkItem>;
  /** Number of work items, for progress and the error budget. */
  total: number;
  evaluator: TaskEvaluator;
  /** Null when responses are fixed (baselines, meta-eval). */
  candidate: RoleClient | null;
  graders: RoleClient[];
  /** Grader calls per item before it becomes a grader error. @default 3 */
  graderAttempts: number;
  /** Calls in flight at most (candidate and grader together). */
  concurrency: number;
  /** Errors tolerated before the run fails (exit 3). */
  maxErrors: number;
  store: RunStore;
  prior: PriorProgress;
  logger: RunLogger;
  /** Cancellation from Ctrl-C / SIGTERM: stop taking work, let calls finish for `graceMs`, then abort them. */
  signal?: AbortSignal | undefined;
  /** @default 3000 */
  graceMs?: number;
  onProgress?: (p: Progress) => void;
  /** The current pace of the calls, attached to every progress update. */
  pace?: () => ProgressPace;
}

export interface ExecuteResult {
  status: 'completed' | 'cancelled' | 'failed';
  progress: Progress;
  usage: { candidate: TokenUsage; grader: TokenUsage };
}

/** A sample's record without the fields every record of the item shares. */
type SampleOutcome = Omit<SampleRecord, 'task' | 'exampleId' | 'repeat' | 'language' | 'exampleTags'>;

/** The response a sample is graded on, and where it came from. */
interface SampledResponse {
  response: string;
  usage: TokenUsage;
  finishReason: string | null;
  /** Sampled just now (earlier verdicts cannot judge it). */
  fresh: boolean;
}

/** The state of one live execution: the scheduler, progress, usage, and how samples are run and recorded. */
class LiveRun {
  readonly progress: Progress;
  readonly usage = { candidate: emptyUsage(), grader: emptyUsage() };
  readonly scheduler: CallScheduler;
  readonly opts: ExecuteOptions;
  readonly #grading: GradingContext;

  constructor(opts: ExecuteOptions) {
    this.opts = opts;
    this.progress = { done: 0, total: opts.total, errors: 0, skipped: 0 };
    this.scheduler = new CallScheduler(opts.concurrency, opts.logger);
    this.#grading = {
      scheduler: this.scheduler,
      graders: opts.graders,
      graderAttempts: opts.graderAttempts,
      store: opts.store,
      logger: opts.logger,
      usage: this.usage,
    };
  }

  snapshot(): Progress {
    const pace = this.opts.pace?.();
    return { ...this.progress, ...(pace && { pace }), calls: this.scheduler.answered, usage: { ...this.usage } };
  }

  /** Appends the sample's record; an error counts against the error budget, and exceeding it stops the run. */
  async record(item: WorkItem, outcome: SampleOutcome): Promise<void> {
    const language = await item.language;
    const full: SampleRecord = {
      task: this.opts.evaluator.task,
      exampleId: item.exampleId,
      repeat: item.repeat,
      language,
      exampleTags: item.exampleTags,
      ...outcome,
    };
    this.opts.store.appendSample(full);
    this.progress.done += 1;
    if (full.error) {
      this.progress.errors += 1;
      this.opts.logger.warn({ exampleId: item.exampleId, repeat: item.repeat, stage: full.error.stage }, full.error.message);
      if (this.progress.errors > this.opts.maxErrors) {
        this.opts.logger.error({ errors: this.progress.errors, maxErrors: this.opts.maxErrors }, 'error budget exceeded');
        this.scheduler.stop('failed');
      }
    }
    this.opts.onProgress?.(this.snapshot());
  }

  /**
   * The response to grade: the item's fixed response, the one journaled by an earlier process, or a new candidate
   * call (journaled at once). Null when there is none: the candidate failed (recorded as an error) or the run stops.
   */
  async #sampledResponse(item: WorkItem, messagesSent: Message[]): Promise<SampledResponse | null> {
    if (item.fixedResponse !== null) return { response: item.fixedResponse, usage: emptyUsage(), finishReason: null, fresh: false };
    const prior = this.opts.prior.completions.get(sampleKey(item.exampleId, item.repeat));
    if (prior) return { response: prior.response, usage: prior.usage, finishReason: prior.finishReason ?? null, fresh: false };
    const candidate = this.opts.candidate;
    if (!candidate) throw new Error('no candidate model for a sampled item');
    let res: Completion;
    try {
      res = await this.scheduler.call(candidate, item.messages, PRIORITY_CANDIDATE, 1);
    } catch (err) {
      if (this.scheduler.isAbort(err) || this.scheduler.stopping) return null;
      if (err instanceof HealthbenchError) throw err;
      const e = err as ProviderCallError;
      const usage = { candidate: emptyUsage(), grader: emptyUsage() };
      const error = { stage: 'candidate' as const, message: e.message, cause: e.causeLabel ?? null };
      await this.record(item, { messagesSent, response: null, criteria: [], score: null, metrics: null, detail: null, usage, error });
      return null;
    }
    this.usage.candidate = addUsage(this.usage.candidate, res.fromCache ? emptyUsage() : res.usage);
    const { exampleId, repeat } = item;
    this.opts.store.appendJournal({
      t: 'completion',
      exampleId,
      repeat,
      response: res.text,
      usage: res.usage,
      finishReason: res.finishReason,
    });
    return { response: res.text, usage: res.usage, finishReason: res.finishReason, fresh: true };
  }

  /** One sample: its response, its grading, its score, its record. A stop leaves it unrecorded (redone on resume). */
  async runSample(item: WorkItem): Promise<void> {
    const systemPrompt = this.opts.candidate?.params.systemPrompt ?? null;
    const messagesSent = item.fixedResponse === null ? withSystemPrompt(item.messages, systemPrompt) : item.messages;
    const sampled = await this.#sampledResponse(item, messagesSent);
    if (!sampled) return;
    const { response } = sampled;
    const digest = responseDigest(response);
    const known = verdictsFor(this.opts.prior.verdicts.get(sampleKey(item.exampleId, item.repeat)), digest, sampled.fresh);
    let graded;
    try {
      graded = await gradeResponse(this.#grading, this.opts.evaluator, { item, messagesSent, response, digest, known });
    } catch (err) {
      if (err instanceof Aborted || this.scheduler.stopping) return;
      throw err;
    }
    if (this.scheduler.stopping === 'cancelled' && graded.outcomes.some((o) => !o.ok)) return;
    const finished = this.opts.evaluator.finish(item, response, graded.outcomes);
    const usage = { candidate: sampled.usage, grader: graded.usage };
    await this.record(item, {
      messagesSent,
      response,
      ...finished,
      usage,
      ...(item.fixedResponse === null && { finishReason: sampled.finishReason }),
    });
  }

  /** Takes up the items one by one while the scheduler has room; finished samples of an earlier process are skipped. */
  async admitAll(): Promise<void> {
    const active = new Set<Promise<void>>();
    const failures: unknown[] = [];
    for await (const item of this.opts.items) {
      if (this.scheduler.stopping) break;
      if (this.opts.prior.done.has(sampleKey(item.exampleId, item.repeat))) {
        this.progress.skipped += 1;
        this.progress.done += 1;
        continue;
      }
      const p = this.runSample(item).catch((err: unknown) => {
        failures.push(err);
        this.scheduler.stop('failed');
      });
      active.add(p);
      void p.finally(() => active.delete(p));
      // Let the event loop send what this sample started before preparing the next: otherwise the first wave's
      // requests (64 at --concurrency 64) are all built before any of them leaves the process.
      await yieldToIo();
      await this.scheduler.roomForMore();
    }
    await Promise.all(active);
    await this.scheduler.idle();
    if (failures.length > 0) throw failures[0];
  }

  /** The run's end: completed, or the error saying why it stopped. */
  outcome(): ExecuteResult {
    const halted = this.scheduler.halted;
    if (halted) throw new RunFailedError(`${halted.message} Finished work is saved; the run directory is resumable.`);
    const status = this.scheduler.stopping;
    if (status === 'failed')
      throw new RunFailedError(`${this.progress.errors} samples failed, more than the ${this.opts.maxErrors} allowed by --max-errors`);
    if (status === 'cancelled') throw new CancelledError('run cancelled');
    return { status: 'completed', progress: this.snapshot(), usage: this.usage };
  }
}

/**
 * Runs every work item: candidate call (unless the response is fixed), then the task's grader calls,
 * then the task's scoring. Each finished call is journaled and each finished sample appended, so a
 * killed run resumes without paying twice. A sample that cannot be sampled or graded becomes an error
 * record (never a score); too many of them fail the run.
 */
export async function executeRun(opts: ExecuteOptions): Promise<ExecuteResult> {
  const run = new LiveRun(opts);
  const onAbort = (): void => run.scheduler.cancel(opts.graceMs ?? 3000);
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await run.admitAll();
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return run.outcome();
}
