import { afterEach, describe, expect, it, vi } from 'vitest';
import { barLine, createProgress, progressFigures, progressParts } from '../../../src/cli/progress.js';
import type { Progress } from '../../../src/runner/execute.js';

const usage = (input: number, output: number) => ({ calls: 1, inputTokens: input, outputTokens: output, cachedInputTokens: 0 });

function progress(done: number, extra: Partial<Progress> = {}): Progress {
  return {
    done,
    total: 200,
    errors: 1,
    skipped: 0,
    calls: done * 5,
    usage: { candidate: usage(1000, 500), grader: usage(20_000, 1000) },
    costUsd: 0.1234,
    ...extra,
  };
}

describe('progress figures', () => {
  it('done/total, %, calls/s, elapsed, ETA from the trailing rate, errors, tokens, cost', () => {
    const history = [
      { at: 0, fresh: 0, calls: 0 },
      { at: 10_000, fresh: 50, calls: 250 },
    ];
    const f = progressFigures(progress(50), history, 0, 10_000);
    expect(f).toMatchObject({
      done: 50,
      total: 200,
      percent: 25,
      callsPerSecond: 25,
      elapsedMs: 10_000,
      etaMs: 30_000,
      errors: 1,
      tokens: 22_500,
      costUsd: 0.1234,
    });
    expect(progressParts(f)).toEqual(['50/200 25%', '25.0 calls/s', 'elapsed 0:10', 'eta 0:30', 'errors 1', 'tokens 23k', '$0.12']);
  });

  it('after a resume the ETA follows the samples done in this process, not the skipped ones', () => {
    // 150 of 200 were done before; this process finished 10 more in 10 s: 40 left at 1/s.
    const history = [
      { at: 0, fresh: 0, calls: 0 },
      { at: 10_000, fresh: 10, calls: 50 },
    ];
    const f = progressFigures(progress(160, { skipped: 150 }), history, 0, 10_000);
    expect(f.etaMs).toBe(40_000);
    expect(f.percent).toBe(80);
  });

  it('shows quota waits when the runner reports them', () => {
    const f = progressFigures(
      { ...progress(1), pace: { requestsPerS: 3, tokensPerMin: 9000, quotaWaitS: 65 } },
      [{ at: 0, fresh: 0, calls: 0 }],
      0,
      1000,
    );
    expect(progressParts(f)).toContain('quota wait 1:05');
  });

  it('a bar line always fits the terminal: narrow terminals drop the tail, never wrap', () => {
    const history = [{ at: 0, fresh: 0, calls: 0 }];
    const f = progressFigures(progress(50), history, 0, 10_000);
    for (const columns of [20, 40, 60, 80, 120, 200]) {
      const line = barLine(f, columns);
      expect(line.length).toBeLessThanOrEqual(columns - 1);
      expect(line).toContain('50/200 25%');
    }
    expect(barLine(f, 120)).toMatch(/^\[#+\.+\] 50\/200 25% · .* · \$0\.12$/);
  });
});

describe('progress renderers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lines: a plain line every 10 s, no carriage return', () => {
    vi.useFakeTimers();
    let clock = 0;
    const out: string[] = [];
    const r = createProgress({ mode: 'lines', write: (t) => out.push(t), now: () => clock });
    r.update(progress(10));
    expect(out).toEqual([]);
    clock = 10_000;
    vi.advanceTimersByTime(10_000);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^progress: 10\/200 5%, [\d.]+ calls\/s, elapsed 0:10, eta [\d:]+, errors 1, tokens 23k, \$0\.12\n$/);
    clock = 20_000;
    vi.advanceTimersByTime(10_000);
    expect(out).toHaveLength(2);
    r.done();
    vi.advanceTimersByTime(30_000);
    expect(out).toHaveLength(2);
  });

  it('bar: redraws in place and clears its line at the end', () => {
    vi.useFakeTimers();
    let clock = 0;
    const out: string[] = [];
    const r = createProgress({ mode: 'bar', write: (t) => out.push(t), columns: 60, now: () => clock });
    r.update(progress(10));
    clock = 1000;
    vi.advanceTimersByTime(1000);
    r.done();
    expect(out.length).toBeGreaterThanOrEqual(2);
    for (const frame of out.slice(0, -1)) {
      expect(frame.startsWith('\r\x1b[K')).toBe(true);
      expect(frame.length - 4).toBeLessThanOrEqual(59);
    }
    expect(out[out.length - 1]).toBe('\r\x1b[K');
  });

  it('none: nothing at all', () => {
    const out: string[] = [];
    const r = createProgress({ mode: 'none', write: (t) => out.push(t) });
    r.update(progress(1));
    r.done();
    expect(out).toEqual([]);
  });
});
