import type { Progress } from '../runner/run-eval.js';

/** A one-line progress bar on an interactive stderr; silent elsewhere (CI, pipes). */
export function createProgressBar(write: (text: string) => void, enabled: boolean): { update: (p: Progress) => void; done: () => void } {
  if (!enabled) return { update: () => undefined, done: () => undefined };
  const started = Date.now();
  let last = 0;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      const frac = p.total > 0 ? p.done / p.total : 1;
      const width = 30;
      const filled = Math.round(frac * width);
      const elapsed = (now - started) / 1000;
      const eta = frac > 0 && frac < 1 ? ` eta ${Math.round((elapsed / frac) * (1 - frac))}s` : '';
      const pace = p.pace ? ` | ${p.pace.requestsPerS} req/s ${p.pace.tokensPerMin} tok/min${p.pace.quotaWaitS > 0 ? `, quota wait ${p.pace.quotaWaitS}s` : ''}` : '';
      write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} errors ${p.errors}${eta}${pace}   `);
    },
    done() {
      write('\n');
    },
  };
}
