import { createHash } from 'node:crypto';
import type { RunLogger } from '../../log.js';
import { CancelledError } from '../../core/errors.js';
import { addUsage, emptyUsage, type Message, type TokenUsage } from '../../core/types.js';
import { parseVerdict } from '../../grading/index.js';
import type { BatchOutcome, BatchService, BatchState } from '../../providers/batch-service.js';
import type { Completion, CompletionRequest, ModelSpec, SamplingParams } from '../../providers/model-client.js';
import { ProviderCallError, withSystemPrompt } from '../../providers/model-client.js';
import type { CachingClient } from '../../store/response-cache.js';
import { sampleKey, type PriorProgress, type RunStore } from '../../store/run-store.js';
import type { GraderBatch, TaskEvaluator, WorkItem } from '../../core/task.js';
import { requestKey } from './answers-client.js';
import { BatchJournal, readBatchJournal, type SubmittedBatch } from './batch-journal.js';
import { BatchInputWriter } from './input-writer.js';
import { batchStatusLine } from './status-lines.js';

/** A model in a role, called through its provider's batch service. */
export interface BatchRole {
  /** `candidate` or `grader N` (as journaled). */
  name: string;
  spec: ModelSpec;
  params: SamplingParams;
  service: BatchService;
  /** The `--cache` of this role, if any: hits are never submitted, batch results are stored in it. */
  cache: CachingClient | null;
}

export interface BatchPhaseOptions {
  runDir: string;
  items: () => AsyncIterable<WorkItem>;
  evaluator: TaskEvaluator;
  candidate: BatchRole | null;
  graders: BatchRole[];
  store: RunStore;
  /** Batches a request may go into before it is given up (or sent live). */
  attempts: number;
  pollMs: number;
  /** Requests whose batch attempts are used up go to the live API instead of failing. */
  fallbackLive: boolean;
  /** Cancel the batches of an earlier process, keep what they finished, submit nothing new. */
  cancelBatches: boolean;
  signal?: AbortSignal | undefined;
  logger: RunLogger;
  /** Status lines of the batches being waited for, when they change. */
  onStatus?: ((lines: string[]) => void) | undefined;
}

export interface BatchPhaseResult {
  /** First-attempt replies the finishing pass must re-grade as live mode would (by `requestKey`). */
  answers: Map<string, Completion>;
  /** Requests given up after their batch attempts (by `requestKey`). */
  failures: Map<string, ProviderCallError>;
  stats: { batches: number; submitted: number; succeeded: number; cacheHits: number; givenUp: number };
}

/** One request a sample needs in a phase. */
interface Need {
  customId: string;
  role: BatchRole;
  req: CompletionRequest;
  /** How to use the reply. */
  use: { kind: 'candidate' } | { kind: 'verdict'; slot: number } | { kind: 'batched'; batch: GraderBatch };
}

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 24);

/** Stable custom ids (1-64 of [A-Za-z0-9_-]): the same request gets the same id in every process. */
const customIdOf = (item: WorkItem, tag: string): string => `${tag}-${hashOf(sampleKey(item.exampleId, item.repeat))}`;

const phaseOf = (role: string): 'candidate' | 'grader' => (role === 'candidate' ? 'candidate' : 'grader');

function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs the batch phases of a run: every candidate request, then every grader request built from the responses,
 * each through its provider's batch service. Results are journaled exactly as live calls journal theirs, so the
 * live runner that follows finds every sample's calls done and only scores and records (or re-grades an invalid
 * verdict, as live mode does).
 */
export async function runBatchPhases(o: BatchPhaseOptions): Promise<BatchPhaseResult> {
  const exec = new BatchExecutor(o);
  try {
    if (o.cancelBatches) {
      await exec.cancelInFlight();
      await exec.phase('candidate', false);
      await exec.phase('grader', false);
      throw new CancelledError(
        `cancelled the run's batches; results they had finished are kept. Continue with: healthbench eval --resume ${o.runDir} (same flags, without --cancel-batches)`,
      );
    }
    if (o.candidate) await exec.phase('candidate', true);
    if (o.graders.length > 0) await exec.phase('grader', true);
    return exec.result();
  } finally {
    exec.close();
  }
}

class BatchExecutor {
  readonly #o: BatchPhaseOptions;
  readonly #journal: BatchJournal;
  readonly #answers = new Map<string, Completion>();
  readonly #failures = new Map<string, ProviderCallError>();
  /** Requests this process settled without journaling them (their reply or failure went to answers / failures). */
  readonly #settled = new Set<string>();
  /** Outcomes read from ended batches, waiting for the item pass that journals them. */
  readonly #outcomes = new Map<string, BatchOutcome>();
  /** Batches whose outcomes are read but not yet journaled; marked collected after the pass that journals them. */
  #read: Array<{ id: string; usage: TokenUsage; succeeded: number; failed: number }> = [];
  #batches: SubmittedBatch[] = [];
  readonly #stats = { batches: 0, submitted: 0, succeeded: 0, cacheHits: 0, givenUp: 0 };

  constructor(o: BatchPhaseOptions) {
    this.#o = o;
    this.#journal = new BatchJournal(o.runDir);
  }

  result(): BatchPhaseResult {
    return { answers: this.#answers, failures: this.#failures, stats: { ...this.#stats } };
  }

  close(): void {
    this.#journal.close();
  }

  #role(name: string): BatchRole | null {
    if (name === 'candidate') return this.#o.candidate;
    return this.#o.graders[Number(name.replace(/^grader /, ''))] ?? null;
  }

  async cancelInFlight(): Promise<void> {
    this.#batches = await readBatchJournal(this.#o.runDir);
    for (const b of this.#batches.filter((x) => !x.collected)) {
      const role = this.#role(b.role);
      if (!role) continue;
      await role.service.cancel(b.id);
      this.#journal.append({ t: 'cancel-requested', id: b.id, at: new Date().toISOString() });
      this.#o.logger.warn({ batch: b.id }, 'batch cancel requested');
    }
  }

  /** Rounds of: journal what came back, submit what is missing, wait; until nothing is missing or in flight. */
  async phase(phase: 'candidate' | 'grader', submit: boolean): Promise<void> {
    for (;;) {
      this.#batches = await readBatchJournal(this.#o.runDir);
      const read = new Set(this.#read.map((r) => r.id));
      const mine = this.#batches.filter((b) => phaseOf(b.role) === phase);
      // Batches still running; one whose outcomes are read is done, though marked collected only after this pass.
      const open = mine.filter((b) => !b.collected && !read.has(b.id));
      const inFlight = new Set(open.flatMap((b) => b.customIds));
      const tries = new Map<string, number>();
      for (const b of mine) for (const id of b.customIds) tries.set(id, (tries.get(id) ?? 0) + 1);
      const submitted = await this.#pass(phase, inFlight, tries, submit);
      this.#markCollected();
      const waiting = [...open, ...submitted];
      if (waiting.length === 0) {
        this.#outcomes.clear(); // outcomes of requests no sample needs any more
        return;
      }
      await this.#wait(waiting);
    }
  }

  /** One pass over the work: journal outcomes read, then submit each request not done, not in flight, not given up. */
  async #pass(
    phase: 'candidate' | 'grader',
    inFlight: Set<string>,
    tries: Map<string, number>,
    submit: boolean,
  ): Promise<SubmittedBatch[]> {
    const prior = await this.#o.store.loadProgress();
    const submitted: SubmittedBatch[] = [];
    const writers = new Map<string, BatchInputWriter>();
    const writerOf = (role: BatchRole): BatchInputWriter => {
      let w = writers.get(role.name);
      if (!w) {
        w = new BatchInputWriter(role.service, this.#o.runDir, role.name, (s) => submitted.push(this.#journalSubmitted(role, s)));
        writers.set(role.name, w);
      }
      return w;
    };
    try {
      for await (const item of this.#o.items()) {
        if (prior.done.has(sampleKey(item.exampleId, item.repeat))) continue;
        const needs = phase === 'candidate' ? this.#candidateNeeds(item, prior) : this.#graderNeeds(item, prior);
        await this.#rememberReplies();
        for (const n of needs) {
          if (this.#settled.has(n.customId) || inFlight.has(n.customId)) continue;
          if (!submit) continue;
          if (this.#o.signal?.aborted) throw this.#stopped();
          if (await this.#fromCache(item, n)) continue;
          if ((tries.get(n.customId) ?? 0) >= this.#o.attempts) {
            const why = `no batch result after ${this.#o.attempts} batch attempts (expired or cancelled); pass --batch-fallback live to send such requests live`;
            this.#giveUp(n, new ProviderCallError(why, null, 'batch expired'), true);
            continue;
          }
          await writerOf(n.role).add(n.customId, n.role.service.bodyFor(n.role.spec.model, n.req));
          this.#stats.submitted += 1;
        }
      }
      for (const w of writers.values()) await w.flush();
    } catch (err) {
      for (const w of writers.values()) w.discard();
      throw err;
    }
    return submitted;
  }

  #journalSubmitted(role: BatchRole, s: { id: string; customIds: string[]; bytes: number }): SubmittedBatch {
    const entry = {
      t: 'submitted' as const,
      id: s.id,
      role: role.name,
      provider: role.spec.provider,
      baseURL: role.service.baseURL,
      model: role.spec.model,
      customIds: s.customIds,
      bytes: s.bytes,
      at: new Date().toISOString(),
    };
    this.#journal.append(entry);
    this.#stats.batches += 1;
    this.#o.logger.info({ batch: s.id, role: role.name, requests: s.customIds.length, bytes: s.bytes }, 'batch submitted');
    const submitted = { ...entry, collected: null };
    this.#batches.push(submitted);
    return submitted;
  }

  #stopped(): CancelledError {
    const open = this.#batches.filter((b) => !b.collected).map((b) => b.id);
    return new CancelledError(
      `stopped waiting; ${open.length > 0 ? `the batches keep running at the provider (${open.join(', ')}) and ` : ''}everything collected is saved. ` +
        `Resume with: healthbench eval --resume ${this.#o.runDir} (same flags) to poll them instead of resubmitting; add --cancel-batches to cancel them`,
    );
  }

  #candidateNeeds(item: WorkItem, prior: PriorProgress): Need[] {
    const role = this.#o.candidate;
    const key = sampleKey(item.exampleId, item.repeat);
    if (!role || item.fixedResponse !== null || prior.completions.has(key)) return [];
    const need: Need = {
      customId: customIdOf(item, 'c'),
      role,
      req: { messages: item.messages, params: role.params, attempt: 1 },
      use: { kind: 'candidate' },
    };
    const outcome = this.#outcomes.get(need.customId);
    if (!outcome) return [need];
    this.#outcomes.delete(need.customId);
    if (!outcome.ok) return this.#failed(need, outcome);
    this.#toRemember.push([need, outcome.completion]);
    this.#o.store.appendJournal({
      t: 'completion',
      exampleId: item.exampleId,
      repeat: item.repeat,
      response: outcome.completion.text,
      usage: outcome.completion.usage,
      finishReason: outcome.completion.finishReason,
    });
    return [];
  }

  /** The grader requests of a sample: journals outcomes read, then lists the calls whose verdicts are missing. */
  #graderNeeds(item: WorkItem, prior: PriorProgress): Need[] {
    const key = sampleKey(item.exampleId, item.repeat);
    const response = item.fixedResponse ?? prior.completions.get(key)?.response ?? null;
    if (response === null) return []; // no response (its candidate request failed): recorded by the finishing pass
    const sent: Message[] =
      item.fixedResponse === null ? withSystemPrompt(item.messages, this.#o.candidate?.params.systemPrompt ?? null) : item.messages;
    const known = new Set(prior.verdicts.get(key)?.keys() ?? []);
    const needs: Need[] = [];
    const covered = new Set<number>();
    const batches = this.#o.evaluator.graderBatches?.(item, sent, response) ?? [];
    for (const [bi, b] of batches.entries()) {
      const role = this.#o.graders[b.grader];
      if (!role) continue;
      const need: Need = {
        customId: customIdOf(item, `b${b.grader}-${bi}`),
        role,
        req: { messages: [{ role: 'user', content: b.prompt }], params: role.params, attempt: 1 },
        use: { kind: 'batched', batch: b },
      };
      const outcome = this.#outcomes.get(need.customId);
      if (outcome) {
        this.#outcomes.delete(need.customId);
        // A batched request to resubmit is listed below, while none of its slots is decided.
        for (const s of this.#apply(item, need, outcome).decided) known.add(s);
      }
      // A batch goes out only while none of its slots is decided (as live); a settled one is left to the live pass.
      if (this.#settled.has(need.customId)) b.slots.forEach((s) => covered.add(s));
      else if (!b.slots.some((s) => known.has(s))) {
        needs.push(need);
        b.slots.forEach((s) => covered.add(s));
      }
    }
    for (const [i, c] of this.#o.evaluator.graderCalls(item, sent, response).entries()) {
      const role = this.#o.graders[c.grader];
      if (!role || covered.has(i)) continue;
      const need: Need = {
        customId: customIdOf(item, `g${c.grader}-${i}`),
        role,
        req: { messages: [{ role: 'user', content: c.prompt }], params: role.params, attempt: 1, cachePrefixChars: c.cachePrefixChars },
        use: { kind: 'verdict', slot: i },
      };
      const outcome = this.#outcomes.get(need.customId);
      if (outcome) {
        this.#outcomes.delete(need.customId);
        needs.push(...this.#apply(item, need, outcome).again);
        continue;
      }
      if (!known.has(i)) needs.push(need);
    }
    return needs;
  }

  /**
   * Journals a grader outcome as live mode would. `again`: the request, when it is to be resubmitted;
   * `decided`: the slots it decided.
   */
  #apply(item: WorkItem, need: Need, outcome: BatchOutcome): { again: Need[]; decided: number[] } {
    if (!outcome.ok) return { again: this.#failed(need, outcome), decided: [] };
    const reply = outcome.completion;
    this.#toRemember.push([need, reply]);
    if (need.use.kind === 'verdict') {
      const parsed = parseVerdict(reply.text);
      if (!parsed.ok) return this.#leaveToLive(need, reply);
      this.#o.store.appendJournal({
        t: 'verdict',
        exampleId: item.exampleId,
        repeat: item.repeat,
        i: need.use.slot,
        met: parsed.met,
        explanation: parsed.explanation,
        attempts: 1,
        usage: reply.usage,
      });
      return { again: [], decided: [need.use.slot] };
    }
    if (need.use.kind !== 'batched') return { again: [], decided: [] };
    const read = need.use.batch.read(reply.text);
    if (read.verdicts.size === 0) return this.#leaveToLive(need, reply);
    let usage = reply.usage;
    for (const s of need.use.batch.slots) {
      const v = read.verdicts.get(s);
      if (!v) continue;
      this.#o.store.appendJournal({
        t: 'verdict',
        exampleId: item.exampleId,
        repeat: item.repeat,
        i: s,
        met: v.met,
        explanation: v.explanation,
        attempts: 1,
        usage,
      });
      usage = emptyUsage();
    }
    return { again: [], decided: [...read.verdicts.keys()] };
  }

  /** A reply the executor cannot use by itself: the finishing pass gets it as the first attempt and re-grades live. */
  #leaveToLive(need: Need, reply: Completion): { again: Need[]; decided: number[] } {
    this.#answers.set(requestKey(need.role.spec, need.req), reply);
    this.#settled.add(need.customId);
    return { again: [], decided: [] };
  }

  #failed(need: Need, outcome: Extract<BatchOutcome, { ok: false }>): Need[] {
    if (outcome.retry) return [need];
    this.#giveUp(need, outcome.error, false);
    return [];
  }

  /** A request given up: it fails in the finishing pass, or goes live there when it did not run and fallback is on. */
  #giveUp(need: Need, error: ProviderCallError, didNotRun: boolean): void {
    this.#settled.add(need.customId);
    this.#stats.givenUp += 1;
    if (!(this.#o.fallbackLive && didNotRun)) this.#failures.set(requestKey(need.role.spec, need.req), error);
  }

  /** Batch replies go into `--cache` as live replies do. */
  #toRemember: Array<[Need, Completion]> = [];
  async #rememberReplies(): Promise<void> {
    const list = this.#toRemember;
    this.#toRemember = [];
    for (const [need, reply] of list) await need.role.cache?.remember(need.role.cache.keyOf(need.req), reply);
  }

  /** A `--cache` hit is used as a batch result would be, and never submitted. */
  async #fromCache(item: WorkItem, need: Need): Promise<boolean> {
    const cache = need.role.cache;
    if (!cache) return false;
    const hit = await cache.lookup(need.req);
    if (!hit) return false;
    this.#stats.cacheHits += 1;
    if (need.use.kind === 'candidate') {
      this.#o.store.appendJournal({
        t: 'completion',
        exampleId: item.exampleId,
        repeat: item.repeat,
        response: hit.text,
        usage: hit.usage,
        finishReason: hit.finishReason,
      });
      this.#settled.add(need.customId);
    } else {
      this.#apply(item, need, { customId: need.customId, ok: true, completion: hit });
      this.#toRemember = this.#toRemember.filter(([n]) => n !== need);
    }
    return true;
  }

  #markCollected(): void {
    for (const r of this.#read)
      this.#journal.append({
        t: 'collected',
        id: r.id,
        at: new Date().toISOString(),
        succeeded: r.succeeded,
        failed: r.failed,
        usage: r.usage,
      });
    this.#read = [];
  }

  /** Polls until every batch has ended, reading each one's outcomes as soon as it ends. */
  async #wait(batches: SubmittedBatch[]): Promise<void> {
    const open = new Map(batches.map((b) => [b.id, b]));
    const states = new Map<string, { role: string; state: BatchState }>();
    let last = '';
    while (open.size > 0) {
      for (const b of [...open.values()]) {
        const role = this.#role(b.role);
        if (!role) throw new Error(`batch ${b.id}: no role ${b.role} in this run`);
        const state = await role.service.retrieve(b.id);
        states.set(b.id, { role: b.role, state });
        if (!state.ended) continue;
        await this.#collect(role, b, state);
        open.delete(b.id);
      }
      const now = Date.now();
      const lines = [...states.values()].map((s) => batchStatusLine(s.role, s.state, now));
      const shape = lines.map((l) => l.replace(/elapsed.*$/, '')).join('\n');
      if (shape !== last) this.#o.onStatus?.(lines);
      last = shape;
      if (open.size > 0 && !(await sleep(this.#o.pollMs, this.#o.signal))) throw this.#stopped();
    }
  }

  async #collect(role: BatchRole, b: SubmittedBatch, state: BatchState): Promise<void> {
    let usage = emptyUsage();
    let succeeded = 0;
    let failed = 0;
    if (state.rejected) {
      this.#o.logger.warn({ batch: b.id, problem: state.problem }, 'the provider rejected the batch');
      for (const id of b.customIds)
        this.#outcomes.set(id, {
          customId: id,
          ok: false,
          retry: true,
          error: new ProviderCallError(`batch ${b.id} rejected: ${state.problem ?? 'no reason given'}`, null, 'batch failed'),
        });
      failed = b.customIds.length;
    } else {
      for await (const outcome of role.service.results(b.id)) {
        this.#outcomes.set(outcome.customId, outcome);
        if (outcome.ok) {
          succeeded += 1;
          usage = addUsage(usage, outcome.completion.usage);
        } else failed += 1;
      }
    }
    this.#stats.succeeded += succeeded;
    this.#read.push({ id: b.id, usage, succeeded, failed });
  }
}
