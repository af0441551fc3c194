import { setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { CancelledError, HealthbenchError, RunFailedError } from '../core/errors.js';
import { addUsage, emptyUsage, type Message, type SampleRecord, type TokenUsage } from '../core/types.js';
import { parseVerdict } from '../grading/index.js';
import type { Completion, ModelClient, SamplingParams } from '../providers/model-client.js';
import { EndpointFailure, ProviderCallError, withSystemPrompt } from '../providers/model-client.js';
import { responseDigest, sampleKey, type JournalEntry, type PriorProgress, type RunStore } from '../store/run-store.js';
import type { GraderBatch, GraderCall, GraderOutcome, TaskEvaluator, WorkItem } from '../core/task.js';

/** A model in a role, with the parameters it is called with. */
export interface RoleClient {
  client: ModelClient;
  params: SamplingParams;
}

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
  logger: Logger;
  /** Cancellation from Ctrl-C / SIGTERM: stop taking work, let calls finish for `graceMs`, then abort them. */
  signal?: AbortSignal | undefined;
  /** @default 3000 */
  graceMs?: number;
  onProgress?: (p: Progress) => void;
  /** The current pace of the calls, attached to every progress update. */
  pace?: () => ProgressPace;
}

/** How fast calls are answered now, and how long the run has waited for provider quotas. */
export interface ProgressPace {
  /** Answered calls per second over the last 10 s. */
  requestsPerS: number;
  /** Tokens (input + output) per minute over the last 10 s. */
  tokensPerMin: number;
  /** Seconds during which the next call was held back by a quota (summed over endpoints). */
  quotaWaitS: number;
}

export interface Progress {
  done: number;
  total: number;
  errors: number;
  skipped: number;
  /** Model calls answered in this process (candidate and grader; cached answers included). */
  calls?: number;
  /** Tokens reported by the providers in this process. */
  usage?: { candidate: TokenUsage; grader: TokenUsage };
  /** Estimated USD spent so far in this process (null when a model has no known price); set by the caller. */
  costUsd?: number | null;
  pace?: ProgressPace;
}

export interface ExecuteResult {
  status: 'completed' | 'cancelled' | 'failed';
  progress: Progress;
  usage: { candidate: TokenUsage; grader: TokenUsage };
}

// Finishing started samples first keeps the number of half-done samples (and memory) small.
const PRIORITY_GRADER = 1;
const PRIORITY_CANDIDATE = 0;

class Aborted extends Error {}

type Verdict = Extract<JournalEntry, { t: 'verdict' }>;

/**
 * The journaled verdicts that judge this very response: those keyed by its digest. An entry from an older version
 * (no digest) counts only when the response itself came from the journal or the dataset, never for a response
 * sampled just now: a new candidate response invalidates every earlier verdict.
 */
function verdictsFor(known: Map<number, Verdict> | undefined, digest: string, fresh: boolean): Map<number, Verdict> | undefined {
  if (!known) return undefined;
  const kept = new Map([...known].filter(([, v]) => (v.r === undefined ? !fresh : v.r === digest)));
  return kept.size > 0 ? kept : undefined;
}

/**
 * Runs every work item: candidate call (unless the response is fixed), then the task's grader calls,
 * then the task's scoring. Each finished call is journaled and each finished sample appended, so a
 * killed run resumes without paying twice. A sample that cannot be sampled or graded becomes an error
 * record (never a score); too many of them fail the run.
 */
export async function executeRun(opts: ExecuteOptions): Promise<ExecuteResult> {
  const queue = new PQueue({ concurrency: opts.concurrency });
  const hardStop = new AbortController();
  // Every call in flight listens on this one signal.
  setMaxListeners(0, hardStop.signal);
  const progress: Progress = { done: 0, total: opts.total, errors: 0, skipped: 0 };
  const usage = { candidate: emptyUsage(), grader: emptyUsage() };
  let calls = 0;
  let stopping: 'cancelled' | 'failed' | null = null;
  // An endpoint that cannot serve the run (unreachable, nothing but 429s, out of credit) stops it as a whole.
  let halted: EndpointFailure | null = null;
  const stopWaiters: Array<() => void> = [];
  // Calls still waiting in the queue. p-queue's clear() drops them without ever settling their promises, so a
  // sample awaiting one would hang the run (and the process would exit 0 with nothing flushed); each waiting
  // call registers how to reject itself instead.
  const waiting = new Set<() => void>();
  const stop = (why: 'cancelled' | 'failed'): void => {
    if (stopping) return;
    stopping = why;
    queue.clear();
    for (const cancel of [...waiting]) cancel();
    waiting.clear();
    for (const w of stopWaiters.splice(0)) w();
  };
  const onAbort = (): void => {
    opts.logger.warn('cancel requested: finishing calls in flight');
    stop('cancelled');
    setTimeout(() => hardStop.abort(new Aborted('cancelled')), opts.graceMs ?? 3000).unref();
  };
  const halt = (err: EndpointFailure): void => {
    if (halted) return;
    halted = err;
    opts.logger.error({ reason: err.reason }, err.message);
    stop('failed');
    hardStop.abort(new Aborted('halted'));
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  // Once the run stops, no new call starts (calls already in flight may finish within the grace period).
  const call = (role: RoleClient, messages: Message[], priority: number, attempt: number, cachePrefixChars?: number): Promise<Completion> =>
    new Promise<Completion>((resolve, reject) => {
      if (stopping) {
        reject(new Aborted('stopped'));
        return;
      }
      const cancel = (): void => reject(new Aborted('stopped'));
      waiting.add(cancel);
      queue
        .add(
          () => {
            waiting.delete(cancel);
            if (hardStop.signal.aborted) throw new Aborted('cancelled');
            // The SDKs add an abort listener to the signal they are given and never remove it. Handing them the
            // run-wide signal would pile up one listener per request (memory growing with the run, and each
            // addEventListener scanning the whole list); a per-call signal relayed from it is dropped with the call.
            const perCall = new AbortController();
            const relay = (): void => perCall.abort(hardStop.signal.reason);
            hardStop.signal.addEventListener('abort', relay, { once: true });
            return role.client
              .complete({ messages, params: role.params, signal: perCall.signal, attempt, cachePrefixChars })
              .finally(() => hardStop.signal.removeEventListener('abort', relay));
          },
          { priority },
        )
        .then(
          (c) => {
            calls += 1;
            resolve(c);
          },
          (err: unknown) => {
            if (err instanceof EndpointFailure) halt(err);
            reject(err);
          },
        );
    });

  const isAbort = (err: unknown): boolean =>
    err instanceof Aborted ||
    err instanceof EndpointFailure ||
    (err instanceof ProviderCallError && err.causeLabel === 'aborted') ||
    (stopping !== null && (err as Error)?.name === 'AbortError');

  /** Grades one slot with its own call; `spent` counts calls already spent on it (a batch that left it out). */
  async function grade(item: WorkItem, r: string, i: number, c: GraderCall, acc: { usage: TokenUsage }, spent = 0): Promise<GraderOutcome> {
    const grader = opts.graders[c.grader];
    if (!grader) throw new Error(`no grader ${c.grader}`);
    let reason = '';
    for (let attempt = 1; attempt <= opts.graderAttempts; attempt += 1) {
      try {
        const res = await call(grader, [{ role: 'user', content: c.prompt }], PRIORITY_GRADER, attempt, c.cachePrefixChars);
        usage.grader = addUsage(usage.grader, res.fromCache ? emptyUsage() : res.usage);
        acc.usage = addUsage(acc.usage, res.usage);
        const parsed = parseVerdict(res.text);
        if (parsed.ok) {
          opts.store.appendJournal({
            t: 'verdict',
            exampleId: item.exampleId,
            repeat: item.repeat,
            i,
            r,
            met: parsed.met,
            explanation: parsed.explanation,
            attempts: spent + attempt,
            usage: res.usage,
          });
          return { ok: true, met: parsed.met, explanation: parsed.explanation, attempts: spent + attempt };
        }
        reason = parsed.reason;
        opts.logger.debug({ exampleId: item.exampleId, i, attempt, reason }, 'invalid verdict');
      } catch (err) {
        if (isAbort(err)) throw new Aborted('cancelled');
        // A failed journal write (disk full) stops the run; it is not the grader's failure.
        if (err instanceof HealthbenchError) throw err;
        const e = err as ProviderCallError;
        return { ok: false, error: `grader call failed: ${e.message}`, cause: e.causeLabel ?? null, attempts: spent + attempt };
      }
    }
    return {
      ok: false,
      error: `no valid verdict after ${opts.graderAttempts} attempts (${reason})`,
      cause: 'invalid verdict',
      attempts: spent + opts.graderAttempts,
    };
  }

  /**
   * One call for several slots. The verdicts it gives are journaled per slot (the call's usage on the first of
   * them), so a resume never pays for them again; slots it leaves out map to null and are graded one by one.
   * A failed call (after the SDK's retries) is an error for every slot, as a failed per-slot call would be.
   */
  async function gradeBatch(item: WorkItem, r: string, b: GraderBatch, acc: { usage: TokenUsage }): Promise<Map<number, GraderOutcome | null>> {
    const grader = opts.graders[b.grader];
    if (!grader) throw new Error(`no grader ${b.grader}`);
    const out = new Map<number, GraderOutcome | null>();
    let res: Completion;
    try {
      res = await call(grader, [{ role: 'user', content: b.prompt }], PRIORITY_GRADER, 1);
    } catch (err) {
      if (isAbort(err)) throw new Aborted('cancelled');
      if (err instanceof HealthbenchError) throw err;
      const e = err as ProviderCallError;
      for (const s of b.slots) out.set(s, { ok: false, error: `grader call failed: ${e.message}`, cause: e.causeLabel ?? null, attempts: 1 });
      return out;
    }
    usage.grader = addUsage(usage.grader, res.fromCache ? emptyUsage() : res.usage);
    acc.usage = addUsage(acc.usage, res.usage);
    const read = b.read(res.text);
    let callUsage: TokenUsage = res.usage;
    for (const s of b.slots) {
      const v = read.verdicts.get(s);
      if (!v) {
        out.set(s, null);
        continue;
      }
      opts.store.appendJournal({
        t: 'verdict',
        exampleId: item.exampleId,
        repeat: item.repeat,
        i: s,
        r,
        met: v.met,
        explanation: v.explanation,
        attempts: 1,
        usage: callUsage,
      });
      callUsage = emptyUsage();
      out.set(s, { ok: true, met: v.met, explanation: v.explanation, attempts: 1 });
    }
    const left = b.slots.length - read.verdicts.size;
    if (left > 0) opts.logger.debug({ exampleId: item.exampleId, left, reason: read.reason }, 'batched reply left items undecided');
    return out;
  }

  async function record(item: WorkItem, partial: Omit<SampleRecord, 'task' | 'exampleId' | 'repeat' | 'language' | 'exampleTags'>): Promise<void> {
    const language = await item.language;
    const full: SampleRecord = {
      task: opts.evaluator.task,
      exampleId: item.exampleId,
      repeat: item.repeat,
      language,
      exampleTags: item.exampleTags,
      ...partial,
    };
    opts.store.appendSample(full);
    progress.done += 1;
    if (full.error) {
      progress.errors += 1;
      opts.logger.warn({ exampleId: item.exampleId, repeat: item.repeat, stage: full.error.stage }, full.error.message);
      if (progress.errors > opts.maxErrors) {
        opts.logger.error({ errors: progress.errors, maxErrors: opts.maxErrors }, 'error budget exceeded');
        stop('failed');
      }
    }
    opts.onProgress?.({ ...withPace(), calls, usage: { ...usage } });
  }

  const withPace = (): Progress => (opts.pace ? { ...progress, pace: opts.pace() } : { ...progress });

  async function runSample(item: WorkItem): Promise<void> {
    const key = sampleKey(item.exampleId, item.repeat);
    const candidateParams = opts.candidate?.params.systemPrompt ?? null;
    const messagesSent = item.fixedResponse === null ? withSystemPrompt(item.messages, candidateParams) : item.messages;
    let response: string;
    let candidateUsage = emptyUsage();
    let finishReason: string | null = null;
    let fresh = false;
    const prior = opts.prior.completions.get(key);
    if (item.fixedResponse !== null) {
      response = item.fixedResponse;
    } else if (prior) {
      response = prior.response;
      candidateUsage = prior.usage;
      finishReason = prior.finishReason ?? null;
    } else {
      const candidate = opts.candidate;
      if (!candidate) throw new Error('no candidate model for a sampled item');
      try {
        const res = await call(candidate, item.messages, PRIORITY_CANDIDATE, 1);
        response = res.text;
        candidateUsage = res.usage;
        finishReason = res.finishReason;
        fresh = true;
        usage.candidate = addUsage(usage.candidate, res.fromCache ? emptyUsage() : res.usage);
      } catch (err) {
        if (isAbort(err) || stopping) return;
        if (err instanceof HealthbenchError) throw err;
        const e = err as ProviderCallError;
        await record(item, {
          messagesSent,
          response: null,
          criteria: [],
          score: null,
          metrics: null,
          detail: null,
          usage: { candidate: emptyUsage(), grader: emptyUsage() },
          error: { stage: 'candidate', message: e.message, cause: e.causeLabel ?? null },
        });
        return;
      }
      opts.store.appendJournal({ t: 'completion', exampleId: item.exampleId, repeat: item.repeat, response, usage: candidateUsage, finishReason });
    }
    const calls = opts.evaluator.graderCalls(item, messagesSent, response);
    const digest = responseDigest(response);
    const known = verdictsFor(opts.prior.verdicts.get(key), digest, fresh);
    const acc = { usage: emptyUsage() };
    // Slots decided (or left out) by a batched call; a batch goes out only if none of its slots is known yet.
    const batched = new Map<number, Promise<Map<number, GraderOutcome | null>>>();
    for (const b of opts.evaluator.graderBatches?.(item, messagesSent, response) ?? []) {
      if (b.slots.some((s) => known?.has(s))) continue;
      const p = gradeBatch(item, digest, b, acc);
      for (const s of b.slots) batched.set(s, p);
    }
    const slot = async (c: GraderCall, i: number): Promise<GraderOutcome> => {
      const v = known?.get(i);
      if (v) {
        acc.usage = addUsage(acc.usage, v.usage);
        return { ok: true, met: v.met, explanation: v.explanation, attempts: v.attempts };
      }
      const batch = batched.get(i);
      if (batch) return (await batch).get(i) ?? grade(item, digest, i, c, acc, 1);
      return grade(item, digest, i, c, acc);
    };
    // An Anthropic grader writes its prompt cache only once a call has been answered: one call per grader goes
    // first (the warm-up), then the rest read the cached conversation instead of each paying to write it.
    const warmSlot = new Map<number, number>();
    calls.forEach((c, i) => {
      const anthropic = opts.graders[c.grader]?.client.spec.provider === 'anthropic';
      if (anthropic && (c.cachePrefixChars ?? 0) > 0 && !warmSlot.has(c.grader) && !known?.has(i) && !batched.has(i)) {
        warmSlot.set(c.grader, i);
      }
    });
    let outcomes: GraderOutcome[];
    try {
      const warmed = new Map<number, GraderOutcome>();
      await Promise.all([...warmSlot.values()].map(async (i) => warmed.set(i, await slot(calls[i] as GraderCall, i))));
      outcomes = await Promise.all(calls.map(async (c, i) => warmed.get(i) ?? slot(c, i)));
    } catch (err) {
      if (err instanceof Aborted || stopping) return;
      throw err;
    }
    if (stopping === 'cancelled' && outcomes.some((o) => !o.ok)) return;
    const finished = opts.evaluator.finish(item, response, outcomes);
    await record(item, { messagesSent, response, ...finished, usage: { candidate: candidateUsage, grader: acc.usage }, ...(item.fixedResponse === null && { finishReason }) });
  }

  const active = new Set<Promise<void>>();
  const maxActive = Math.max(4, opts.concurrency * 2);
  const failures: unknown[] = [];
  for await (const item of opts.items) {
    if (stopping) break;
    if (opts.prior.done.has(sampleKey(item.exampleId, item.repeat))) {
      progress.skipped += 1;
      progress.done += 1;
      continue;
    }
    const p = runSample(item).catch((err: unknown) => {
      failures.push(err);
      stop('failed');
    });
    active.add(p);
    void p.finally(() => active.delete(p));
    while (active.size >= maxActive && !stopping) {
      await Promise.race([...active, new Promise<void>((r) => stopWaiters.push(r))]);
    }
  }
  await Promise.all(active);
  await queue.onIdle();
  opts.signal?.removeEventListener('abort', onAbort);
  if (failures.length > 0) throw failures[0];
  // `stopping` and `halted` are set inside callbacks, which TypeScript's narrowing cannot see.
  const endpointFailure = halted as EndpointFailure | null;
  if (endpointFailure) throw new RunFailedError(`${endpointFailure.message} Finished work is saved; the run directory is resumable.`);
  const status = stopping as 'cancelled' | 'failed' | null;
  if (status === 'failed') {
    throw new RunFailedError(
      `${progress.errors} samples failed, more than the ${opts.maxErrors} allowed by --max-errors`,
    );
  }
  if (status === 'cancelled') throw new CancelledError('run cancelled');
  return { status: 'completed', progress: { ...withPace(), calls, usage }, usage };
}
