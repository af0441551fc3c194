import type { RunLogger } from '../log.js';
import { HealthbenchError } from '../core/errors.js';
import { addUsage, emptyUsage, type Message, type TokenUsage } from '../core/types.js';
import { parseVerdict } from '../grading/index.js';
import type { Completion, ProviderCallError } from '../providers/model-client.js';
import type { JournalEntry, RunStore } from '../store/run-store.js';
import { Aborted, PRIORITY_GRADER, type CallScheduler, type RoleClient } from './call-scheduler.js';
import type { GraderBatch, GraderCall, GraderOutcome, TaskEvaluator, WorkItem } from '../core/task.js';

type Verdict = Extract<JournalEntry, { t: 'verdict' }>;

/** What grading a sample needs from the run. */
export interface GradingContext {
  scheduler: CallScheduler;
  graders: RoleClient[];
  graderAttempts: number;
  store: Pick<RunStore, 'appendJournal'>;
  logger: RunLogger;
  /** Run-wide token usage; grader calls answered live (not from the cache) are added to `grader`. */
  usage: { candidate: TokenUsage; grader: TokenUsage };
}

/** The response to grade and what is already known about it. */
export interface ResponseToGrade {
  item: WorkItem;
  messagesSent: Message[];
  response: string;
  /** sha256 of the response: journaled verdicts are keyed by it. */
  digest: string;
  /** Verdicts journaled for this very response by an earlier process, by slot. */
  known: Map<number, Verdict> | undefined;
}

/** The outcome of every grader slot, in slot order, and the tokens the sample's grading used. */
export interface GradedSample {
  outcomes: GraderOutcome[];
  usage: TokenUsage;
}

/**
 * The journaled verdicts that judge this very response: those keyed by its digest. An entry from an older version
 * (no digest) counts only when the response itself came from the journal or the dataset, never for a response
 * sampled just now: a new candidate response invalidates every earlier verdict.
 */
export function verdictsFor(known: Map<number, Verdict> | undefined, digest: string, fresh: boolean): Map<number, Verdict> | undefined {
  if (!known) return undefined;
  const kept = new Map([...known].filter(([, v]) => (v.r === undefined ? !fresh : v.r === digest)));
  return kept.size > 0 ? kept : undefined;
}

function graderOf(ctx: GradingContext, index: number): RoleClient {
  const grader = ctx.graders[index];
  if (!grader) throw new Error(`no grader ${index}`);
  return grader;
}

function countGraderUsage(ctx: GradingContext, acc: { usage: TokenUsage }, res: Completion): void {
  ctx.usage.grader = addUsage(ctx.usage.grader, res.fromCache ? emptyUsage() : res.usage);
  acc.usage = addUsage(acc.usage, res.usage);
}

function journalVerdict(
  ctx: GradingContext,
  g: ResponseToGrade,
  i: number,
  v: { met: boolean; explanation: string },
  attempts: number,
  usage: TokenUsage,
): void {
  const { exampleId, repeat } = g.item;
  ctx.store.appendJournal({ t: 'verdict', exampleId, repeat, i, r: g.digest, met: v.met, explanation: v.explanation, attempts, usage });
}

/** A failed grader call, as the slot's outcome; a stop or a failed journal write (disk full) propagates instead. */
function callFailure(ctx: GradingContext, err: unknown, attempts: number): GraderOutcome {
  if (ctx.scheduler.isAbort(err)) throw new Aborted('cancelled');
  if (err instanceof HealthbenchError) throw err;
  const e = err as ProviderCallError;
  return { ok: false, error: `grader call failed: ${e.message}`, cause: e.causeLabel ?? null, attempts };
}

/**
 * Grades one slot with its own call, up to `graderAttempts` times while the reply is not a valid verdict;
 * `spent` counts calls already spent on it (a batch that left it out).
 */
async function gradeSlot(
  ctx: GradingContext,
  g: ResponseToGrade,
  i: number,
  c: GraderCall,
  acc: { usage: TokenUsage },
  spent = 0,
): Promise<GraderOutcome> {
  const grader = graderOf(ctx, c.grader);
  let reason = '';
  for (let attempt = 1; attempt <= ctx.graderAttempts; attempt += 1) {
    let res: Completion;
    try {
      res = await ctx.scheduler.call(grader, [{ role: 'user', content: c.prompt }], PRIORITY_GRADER, attempt, c.cachePrefixChars);
    } catch (err) {
      return callFailure(ctx, err, spent + attempt);
    }
    countGraderUsage(ctx, acc, res);
    const parsed = parseVerdict(res.text);
    if (parsed.ok) {
      journalVerdict(ctx, g, i, parsed, spent + attempt, res.usage);
      return { ok: true, met: parsed.met, explanation: parsed.explanation, attempts: spent + attempt };
    }
    reason = parsed.reason;
    ctx.logger.debug({ exampleId: g.item.exampleId, i, attempt, reason }, 'invalid verdict');
  }
  const attempts = spent + ctx.graderAttempts;
  return { ok: false, error: `no valid verdict after ${ctx.graderAttempts} attempts (${reason})`, cause: 'invalid verdict', attempts };
}

/**
 * One call for several slots. The verdicts it gives are journaled per slot (the call's usage on the first of
 * them), so a resume never pays for them again; slots it leaves out map to null and are graded one by one.
 * A failed call (after the retries) is an error for every slot, as a failed per-slot call would be.
 */
async function gradeBatch(
  ctx: GradingContext,
  g: ResponseToGrade,
  b: GraderBatch,
  acc: { usage: TokenUsage },
): Promise<Map<number, GraderOutcome | null>> {
  const grader = graderOf(ctx, b.grader);
  const out = new Map<number, GraderOutcome | null>();
  let res: Completion;
  try {
    res = await ctx.scheduler.call(grader, [{ role: 'user', content: b.prompt }], PRIORITY_GRADER, 1);
  } catch (err) {
    const failure = callFailure(ctx, err, 1);
    for (const s of b.slots) out.set(s, failure);
    return out;
  }
  countGraderUsage(ctx, acc, res);
  const read = b.read(res.text);
  let callUsage: TokenUsage = res.usage;
  for (const s of b.slots) {
    const v = read.verdicts.get(s);
    if (!v) {
      out.set(s, null);
      continue;
    }
    journalVerdict(ctx, g, s, v, 1, callUsage);
    callUsage = emptyUsage();
    out.set(s, { ok: true, met: v.met, explanation: v.explanation, attempts: 1 });
  }
  const left = b.slots.length - read.verdicts.size;
  if (left > 0) ctx.logger.debug({ exampleId: g.item.exampleId, left, reason: read.reason }, 'batched reply left items undecided');
  return out;
}

/**
 * An Anthropic grader writes its prompt cache only once a call has been answered: one call per grader goes
 * first (the warm-up), then the rest read the cached conversation instead of each paying to write it.
 * Returns the warm-up slot per grader.
 */
function warmUpSlots(ctx: GradingContext, calls: GraderCall[], decided: (i: number) => boolean): number[] {
  const warm = new Map<number, number>();
  calls.forEach((c, i) => {
    const anthropic = ctx.graders[c.grader]?.client.spec.provider === 'anthropic';
    if (anthropic && (c.cachePrefixChars ?? 0) > 0 && !warm.has(c.grader) && !decided(i)) warm.set(c.grader, i);
  });
  return [...warm.values()];
}

/**
 * Grades a response: every grader slot of the task, reusing verdicts journaled for this very response, sending
 * the task's batched calls where none of their slots is known yet, and grading the rest slot by slot.
 */
export async function gradeResponse(ctx: GradingContext, evaluator: TaskEvaluator, g: ResponseToGrade): Promise<GradedSample> {
  const calls = evaluator.graderCalls(g.item, g.messagesSent, g.response);
  const acc = { usage: emptyUsage() };
  const batched = new Map<number, Promise<Map<number, GraderOutcome | null>>>();
  for (const b of evaluator.graderBatches?.(g.item, g.messagesSent, g.response) ?? []) {
    if (b.slots.some((s) => g.known?.has(s))) continue;
    const p = gradeBatch(ctx, g, b, acc);
    for (const s of b.slots) batched.set(s, p);
  }
  const slot = async (c: GraderCall, i: number): Promise<GraderOutcome> => {
    const v = g.known?.get(i);
    if (v) {
      acc.usage = addUsage(acc.usage, v.usage);
      return { ok: true, met: v.met, explanation: v.explanation, attempts: v.attempts };
    }
    const batch = batched.get(i);
    if (batch) return (await batch).get(i) ?? gradeSlot(ctx, g, i, c, acc, 1);
    return gradeSlot(ctx, g, i, c, acc);
  };
  const warmed = new Map<number, GraderOutcome>();
  const warmUp = warmUpSlots(ctx, calls, (i) => Boolean(g.known?.has(i)) || batched.has(i));
  await Promise.all(warmUp.map(async (i) => warmed.set(i, await slot(calls[i] as GraderCall, i))));
  const outcomes = await Promise.all(calls.map(async (c, i) => warmed.get(i) ?? slot(c, i)));
  return { outcomes, usage: acc.usage };
}
