import type { Progress } from '../runner/execute.js';

export type ProgressMode = 'bar' | 'lines' | 'none';

export interface ProgressOptions {
  mode: ProgressMode;
  write: (text: string) => void;
  /** Terminal width for the bar (default 80). */
  columns?: number | undefined;
  /** How often `lines` prints (default 10 s) and `bar` redraws (1 s) without news. */
  lineIntervalMs?: number;
  now?: () => number;
}

export interface ProgressRenderer {
  update: (p: Progress) => void;
  done: () => void;
}

/** Rates are measured over this trailing window, so the ETA follows the current pace (and ignores resumed work). */
const RATE_WINDOW_MS = 30_000;

interface Point {
  at: number;
  fresh: number;
  calls: number;
}

/** What one progress line says, computed from the latest Progress and the recent history. */
export interface ProgressFigures {
  done: number;
  total: number;
  percent: number;
  callsPerSecond: number | null;
  elapsedMs: number;
  etaMs: number | null;
  errors: number;
  tokens: number;
  costUsd: number | null | undefined;
  quotaWaitMs: number | null;
}

function tokensOf(p: Progress): number {
  const u = p.usage;
  return u ? u.candidate.inputTokens + u.candidate.outputTokens + u.grader.inputTokens + u.grader.outputTokens : 0;
}

/** Milliseconds spent waiting for a provider quota, from the pace fields the rate gate adds, when present. */
function quotaWaitOf(p: Progress): number | null {
  return p.pace ? p.pace.quotaWaitS * 1000 : null;
}

/**
 * Figures for a line. Rates are over the history (the trailing window plus one older point, starting from a
 * zero point when the renderer was created), counting only samples finished in this process: a resumed run's
 * ETA follows its own pace, not the work it skipped.
 */
export function progressFigures(p: Progress, history: readonly Point[], startedAt: number, now: number): ProgressFigures {
  const first = history[0] ?? { at: startedAt, fresh: 0, calls: 0 };
  const last = history[history.length - 1] ?? first;
  const span = now - first.at;
  const freshDone = last.fresh - first.fresh;
  const rate = span > 0 && freshDone > 0 ? freshDone / span : null;
  return {
    done: p.done,
    total: p.total,
    percent: p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100,
    callsPerSecond: span > 0 ? (1000 * (last.calls - first.calls)) / span : null,
    elapsedMs: now - startedAt,
    etaMs: rate === null ? null : Math.max(0, (p.total - p.done) / rate),
    errors: p.errors,
    tokens: tokensOf(p),
    costUsd: p.costUsd,
    quotaWaitMs: quotaWaitOf(p),
  };
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** The parts of a progress line, most important first, so a narrow terminal drops the tail. */
export function progressParts(f: ProgressFigures): string[] {
  const parts = [
    `${f.done}/${f.total} ${f.percent}%`,
    f.callsPerSecond === null ? 'calls/s –' : `${f.callsPerSecond.toFixed(1)} calls/s`,
    `elapsed ${formatDuration(f.elapsedMs)}`,
    `eta ${f.etaMs === null ? '–' : formatDuration(f.etaMs)}`,
    `errors ${f.errors}`,
    `tokens ${formatCount(f.tokens)}`,
  ];
  if (f.costUsd !== undefined) parts.push(f.costUsd === null ? 'cost ?' : `$${f.costUsd.toFixed(2)}`);
  if (f.quotaWaitMs !== null && f.quotaWaitMs > 0) parts.push(`quota wait ${formatDuration(f.quotaWaitMs)}`);
  return parts;
}

/** One bar line that fits `columns - 1` characters: a bar when there is room, then as many parts as fit. */
export function barLine(f: ProgressFigures, columns: number): string {
  const room = Math.max(10, columns - 1);
  const parts = progressParts(f);
  let text = parts[0] as string;
  for (const part of parts.slice(1)) {
    if (text.length + 3 + part.length > room) break;
    text += ` · ${part}`;
  }
  const barWidth = Math.min(30, room - text.length - 3);
  if (barWidth >= 10) {
    const filled = Math.round((barWidth * f.percent) / 100);
    text = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${text}`;
  }
  return text.slice(0, room);
}

/**
 * Progress on stderr: `bar` redraws one line in place (cleared at the end), `lines` prints a plain line every
 * 10 s (CI logs, pipes), `none` prints nothing.
 */
export function createProgress(opts: ProgressOptions): ProgressRenderer {
  if (opts.mode === 'none') return { update: () => undefined, done: () => undefined };
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const history: Point[] = [{ at: startedAt, fresh: 0, calls: 0 }];
  let latest: Progress | null = null;
  let drawn = false;
  const render = (): void => {
    if (!latest) return;
    const figures = progressFigures(latest, history, startedAt, now());
    if (opts.mode === 'bar') {
      opts.write(`\r\x1b[K${barLine(figures, opts.columns || 80)}`);
      drawn = true;
    } else {
      opts.write(`progress: ${progressParts(figures).join(', ')}\n`);
    }
  };
  const timer = setInterval(render, opts.mode === 'bar' ? 1000 : (opts.lineIntervalMs ?? 10_000));
  timer.unref();
  let lastDraw = 0;
  return {
    update(p) {
      latest = p;
      const at = now();
      history.push({ at, fresh: p.done - p.skipped, calls: p.calls ?? 0 });
      while (history.length > 2 && (history[1] as Point).at < at - RATE_WINDOW_MS) history.shift();
      if (opts.mode === 'bar' && (at - lastDraw >= 100 || p.done >= p.total)) {
        lastDraw = at;
        render();
      }
    },
    done() {
      clearInterval(timer);
      if (drawn) opts.write('\r\x1b[K');
    },
  };
}
