import { setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import type { RunLogger } from '../log.js';
import type { Message } from '../core/types.js';
import type { Completion, ModelClient, SamplingParams } from '../providers/model-client.js';
import { EndpointFailure, ProviderCallError } from '../providers/model-client.js';

/** A model in a role, with the parameters it is called with. */
export interface RoleClient {
  client: ModelClient;
  params: SamplingParams;
}

/**
 * Candidate calls leave before grader calls. Sample admission waits for the backlog (see `roomForMore`), so
 * the number of samples in progress stays bounded either way; sending candidates first means the last samples'
 * responses arrive while earlier samples are still being graded, so the run does not end with a half-empty
 * pipe waiting for their candidates.
 */
export const PRIORITY_CANDIDATE = 1;
export const PRIORITY_GRADER = 0;

/** A call refused or abandoned because the run is stopping. */
export class Aborted extends Error {}

export type StopReason = 'cancelled' | 'failed';

/**
 * The run's single concurrency mechanism: one p-queue holds every model call (candidate and grader), at most
 * `--concurrency` in flight, and the backlog it holds decides when the next sample is taken up. It also owns
 * stopping: a cancel lets calls in flight finish for a grace period, a halt (an endpoint that cannot serve the
 * run) aborts them at once; either way no call starts afterwards.
 */
export class CallScheduler {
  readonly #queue: PQueue;
  readonly #concurrency: number;
  readonly #hardStop = new AbortController();
  readonly #logger: RunLogger;
  // Calls still waiting in the queue. p-queue's clear() drops them without ever settling their promises, so a
  // sample awaiting one would hang the run; each waiting call registers how to reject itself instead.
  readonly #waiting = new Set<() => void>();
  #stopping: StopReason | null = null;
  #halted: EndpointFailure | null = null;
  /** Calls answered (cached answers included). */
  answered = 0;

  constructor(concurrency: number, logger: RunLogger) {
    this.#queue = new PQueue({ concurrency });
    this.#concurrency = concurrency;
    this.#logger = logger;
    // Every call in flight listens on this one signal.
    setMaxListeners(0, this.#hardStop.signal);
  }

  get stopping(): StopReason | null {
    return this.#stopping;
  }

  /** The endpoint failure that halted the run, if one did. */
  get halted(): EndpointFailure | null {
    return this.#halted;
  }

  /** Stops taking work: waiting calls are rejected, calls in flight may finish. */
  stop(why: StopReason): void {
    if (this.#stopping) return;
    this.#stopping = why;
    this.#queue.clear();
    for (const cancel of [...this.#waiting]) cancel();
    this.#waiting.clear();
  }

  /** Ctrl-C / SIGTERM: stop, and abort the calls still in flight after `graceMs`. */
  cancel(graceMs: number): void {
    this.#logger.warn('cancel requested: finishing calls in flight');
    this.stop('cancelled');
    setTimeout(() => this.#hardStop.abort(new Aborted('cancelled')), graceMs).unref();
  }

  /** An endpoint that cannot serve the run (unreachable, nothing but 429s, out of credit) stops it as a whole. */
  #halt(err: EndpointFailure): void {
    if (this.#halted) return;
    this.#halted = err;
    this.#logger.error({ reason: err.reason }, err.message);
    this.stop('failed');
    this.#hardStop.abort(new Aborted('halted'));
  }

  /** Queues one model call. Once the run stops, no new call starts (calls in flight may finish in the grace period). */
  call(role: RoleClient, messages: Message[], priority: number, attempt: number, cachePrefixChars?: number): Promise<Completion> {
    return new Promise<Completion>((resolve, reject) => {
      if (this.#stopping) {
        reject(new Aborted('stopped'));
        return;
      }
      const cancel = (): void => reject(new Aborted('stopped'));
      this.#waiting.add(cancel);
      const send = (): Promise<Completion> => {
        this.#waiting.delete(cancel);
        return this.#send(role, messages, attempt, cachePrefixChars);
      };
      this.#queue.add(send, { priority }).then(
        (c) => {
          this.answered += 1;
          resolve(c);
        },
        (err: unknown) => {
          if (err instanceof EndpointFailure) this.#halt(err);
          reject(err);
        },
      );
    });
  }

  #send(role: RoleClient, messages: Message[], attempt: number, cachePrefixChars: number | undefined): Promise<Completion> {
    const hard = this.#hardStop.signal;
    if (hard.aborted) return Promise.reject(new Aborted('cancelled'));
    // The SDKs add an abort listener to the signal they are given and never remove it. Handing them the run-wide
    // signal would pile up one listener per request (memory growing with the run, and each addEventListener
    // scanning the whole list); a per-call signal relayed from it is dropped with the call.
    const perCall = new AbortController();
    const relay = (): void => perCall.abort(hard.reason);
    hard.addEventListener('abort', relay, { once: true });
    return role.client
      .complete({ messages, params: role.params, signal: perCall.signal, attempt, cachePrefixChars })
      .finally(() => hard.removeEventListener('abort', relay));
  }

  /** Whether an error means "the run is stopping" rather than a failure of this call. */
  isAbort(err: unknown): boolean {
    return (
      err instanceof Aborted ||
      err instanceof EndpointFailure ||
      (err instanceof ProviderCallError && err.causeLabel === 'aborted') ||
      (this.#stopping !== null && (err as Error)?.name === 'AbortError')
    );
  }

  /**
   * Resolves when another sample may be taken up: when fewer calls wait than can be in flight (so every slot
   * stays busy and memory stays bounded by the backlog), or when the run stops (stopping clears the queue).
   */
  roomForMore(): Promise<void> {
    return this.#queue.onSizeLessThan(this.#concurrency);
  }

  /** Resolves when no call is waiting or in flight. */
  idle(): Promise<void> {
    return this.#queue.onIdle();
  }
}
