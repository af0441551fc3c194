import { describe, expect, it } from 'vitest';
import { BoundedTimeline, QuotaLimiter } from '../../src/testing/fake-provider-state.js';
import { candidateReply, detectKind, isMet, medcalcReply, parseBatchedPrompt, parseGraderPrompt } from '../../src/testing/fake-replies.js';
import type { FakeMessage, ReplyContext } from '../../src/testing/fake-replies.js';
import { createRandom, hashUnit } from '../../src/testing/seeded.js';

const ctx: ReplyContext = { seed: 1, model: 'm', metRate: 0.6, neverValidMarker: '[[never-valid]]', malformed: false, rotation: 0 };
const user = (content: string): FakeMessage => ({ role: 'user', content });

describe('fake replies: prompt parsing', () => {
  it('takes the rubric item after the LAST "# Rubric item" heading and the last assistant turn before it', () => {
    const text = [
      '# Rubric item',
      'an example item in the preamble',
      '# Conversation',
      'user: first question',
      'assistant: an earlier answer',
      'user: follow-up',
      'assistant: the final answer',
      'spanning two lines',
      '# Rubric item',
      '  [4] The real item.  ',
      '# Instructions',
      'reply in JSON',
    ].join('\n');
    expect(parseGraderPrompt(text)).toEqual({ item: '[4] The real item.', response: 'the final answer\nspanning two lines' });
  });

  it('needs both headings to call a prompt a grader prompt', () => {
    expect(parseGraderPrompt('# Rubric item\nx\n# Instructions\ny')).toBeNull();
    expect(detectKind([user('Tell me about # Rubric item formats')])).toBe('candidate');
  });

  it('reads batched items from the single-line JSON array between <rubric_items> tags', () => {
    const text = '# Conversation\nassistant: ok\n<rubric_items>\n[{"id":"a","item":"[1] x"},{"id":2,"item":"bad id"}]\n</rubric_items>';
    expect(parseBatchedPrompt(text)).toEqual({ items: [{ id: 'a', item: '[1] x' }], response: 'ok' });
    expect(detectKind([user(text)])).toBe('grader-batched');
  });

  it('detects MedCalc only when the system asks for "answer" and the user gives a patient note', () => {
    const system: FakeMessage = { role: 'system', content: 'Output JSON with keys "step_by_step_thinking" and "answer".' };
    expect(detectKind([system, user('Here is the PATIENT NOTE: ...')])).toBe('medcalc');
    expect(detectKind([system, user('What is a normal heart rate?')])).toBe('candidate');
    expect(detectKind([user('patient note: "answer" me')])).toBe('candidate');
  });

  it('finds a grader template placed in the system message', () => {
    const system: FakeMessage = {
      role: 'system',
      content: '# Conversation\nassistant: hi\n# Rubric item\n[2] Greets.\n# Instructions\nJSON',
    };
    expect(detectKind([system, user('grade it')])).toBe('grader');
  });
});

describe('fake replies: determinism and rates', () => {
  it('judges about metRate of distinct items met, and the same item the same way every time', () => {
    let met = 0;
    for (let i = 0; i < 2000; i++) if (isMet(1, `[3] item number ${i}`, 'response', 0.6)) met++;
    expect(met / 2000).toBeGreaterThan(0.55);
    expect(met / 2000).toBeLessThan(0.65);
    expect(isMet(4, 'item', 'resp', 0.5)).toBe(isMet(4, 'item', 'resp', 0.5));
  });

  it('derives MedCalc answers from the note: integers 0..20 mostly, some with two decimals', () => {
    const answers = Array.from({ length: 200 }, (_, i) => {
      const parsed = JSON.parse(medcalcReply([user(`Patient note ${i}`)], ctx)) as { answer: string };
      return parsed.answer;
    });
    expect(answers.every((a) => Number(a) >= 0 && Number(a) <= 20)).toBe(true);
    const decimals = answers.filter((a) => a.includes('.')).length;
    expect(decimals).toBeGreaterThan(10);
    expect(decimals).toBeLessThan(100);
  });

  it('gives candidates 2-4 sentences ending in a per-prompt hash, varying with the model', () => {
    const a = candidateReply([user('I feel dizzy')], ctx);
    expect(a.split(/[.!?] /).length).toBeGreaterThanOrEqual(2);
    expect(a.split(/[.!?] /).length).toBeLessThanOrEqual(4);
    expect(candidateReply([user('I feel dizzy')], { ...ctx, model: 'other' })).not.toBe(a);
    expect(candidateReply([user('I feel dizzy')], ctx)).toBe(a);
  });

  it('seeded random streams repeat per seed and stay in [0, 1)', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(createRandom(8)()).not.toBe(xs[0]);
    expect(hashUnit('a', 'b')).not.toBe(hashUnit('ab'));
  });
});

describe('fake provider state: rate limiter and timeline', () => {
  it('admits a burst of the bucket size, then one request per refill, and says when the next fits', () => {
    // 120 per minute = 2 per second; the bucket holds 1 s of budget: 2.
    const limiter = new QuotaLimiter({ rpm: 120, windowMs: 60_000, burstMs: 1000 }, 0);
    expect(limiter.tryAdmit(0, 10)).toEqual({ ok: true });
    expect(limiter.tryAdmit(0, 10)).toEqual({ ok: true });
    expect(limiter.tryAdmit(100, 10)).toEqual({ ok: false, kind: 'requests', waitMs: 400 });
    expect(limiter.tryAdmit(500, 10)).toEqual({ ok: true });
    expect(limiter.states(500)).toEqual([{ kind: 'requests', limit: 120, remaining: 0, resetMs: 1000 }]);
    // Idle time refills it, never past the burst.
    expect(limiter.states(60_000)).toEqual([{ kind: 'requests', limit: 120, remaining: 2, resetMs: 0 }]);
  });

  it('enforces input tokens on arrival and output tokens as replies are sent', () => {
    const limiter = new QuotaLimiter({ tpm: 6000, otpm: 600, windowMs: 60_000, burstMs: 1000 }, 0);
    expect(limiter.tryAdmit(0, 60)).toEqual({ ok: true });
    expect(limiter.tryAdmit(0, 60)).toEqual({ ok: false, kind: 'inputTokens', waitMs: 200 });
    limiter.chargeOutput(600, 20);
    // The output bucket (10 per second) is 10 in debt: no request until it is back above zero.
    expect(limiter.tryAdmit(600, 60)).toEqual({ ok: false, kind: 'outputTokens', waitMs: 1100 });
  });

  it('keeps at most maxPoints timeline buckets however long the run, preserving the peak', () => {
    const timeline = new BoundedTimeline(64, 10);
    for (let t = 0; t < 100_000; t += 7) timeline.record(t, t === 50_001 ? 99 : (t / 7) % 5);
    timeline.record(50_001, 99);
    const points = timeline.points();
    expect(points.length).toBeLessThanOrEqual(64);
    expect(Math.max(...points.map((p) => p.inFlight))).toBe(99);
    expect(points[0]?.t).toBe(0);
  });
});
