import type { BatchState } from '../../providers/batch-service.js';

/** `1h02m`, `3m05s`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** Time left from the provider's counts: the pace so far applied to what is pending; null before any progress. */
export function etaMs(state: BatchState, now: number): number | null {
  const done = state.counts.succeeded + state.counts.failed;
  if (state.ended) return 0;
  if (done === 0 || state.counts.total === 0) return null;
  const elapsed = Math.max(0, now - state.createdAt);
  return (elapsed / done) * state.counts.pending;
}

/** One line per batch: role, id, provider status, counts, elapsed time and ETA. */
export function batchStatusLine(role: string, state: BatchState, now: number): string {
  const c = state.counts;
  const eta = etaMs(state, now);
  const parts = [
    `${role.padEnd(9)} ${state.id}`,
    state.status,
    `${c.succeeded + c.failed}/${c.total} done`,
    ...(c.failed > 0 ? [`${c.failed} failed`] : []),
    `elapsed ${formatDuration(now - state.createdAt)}`,
    ...(state.ended ? [] : [`ETA ${eta === null ? 'unknown (no progress yet)' : formatDuration(eta)}`]),
  ];
  return parts.join('  ');
}
