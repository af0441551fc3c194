import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { ModelSpec } from '../../providers/model-client.js';
import { readBatchJournal } from './batch-journal.js';
import { batchServiceFor } from './batch-mode.js';
import { batchStatusLine, formatDuration } from './status-lines.js';

/**
 * `healthbench status DIR`: what a run directory holds and, for a `--batch` run, where each of its batches stands
 * at the provider (the same lines the waiting run prints), so a run started elsewhere can be watched.
 */
export async function runStatusLines(runDir: string, env: Record<string, string | undefined>, now = Date.now()): Promise<string[]> {
  let run: { status?: string; runId?: string; progress?: { done: number; total: number; errors: number } | null; updatedAt?: string };
  try {
    run = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as typeof run;
  } catch (err) {
    throw new UsageError(`${runDir}: no readable run.json (${(err as Error).message}); give the directory of a run`);
  }
  const p = run.progress;
  const lines = [
    `run ${run.runId ?? '?'}: ${run.status ?? 'unknown'}${p ? `, ${p.done}/${p.total} samples recorded, ${p.errors} errors` : ''}${run.updatedAt ? ` (updated ${run.updatedAt})` : ''}`,
  ];
  const batches = await readBatchJournal(runDir);
  if (batches.length === 0) return [...lines, 'no batches (a live run)'];
  const collected = batches.filter((b) => b.collected);
  lines.push(
    `batches: ${batches.length} submitted, ${collected.length} collected (${collected.reduce((n, b) => n + (b.collected?.succeeded ?? 0), 0)} results)`,
  );
  for (const b of batches.filter((x) => !x.collected)) {
    const spec: ModelSpec = { provider: b.provider, model: b.model };
    try {
      const service = batchServiceFor(spec, b.baseURL, env, { maxRetries: 2 }, b.role === 'candidate' ? 'the candidate' : 'the grader');
      lines.push(batchStatusLine(b.role, await service.retrieve(b.id), now));
    } catch (err) {
      lines.push(
        `${b.role.padEnd(9)} ${b.id}  status unavailable: ${(err as Error).message} (submitted ${formatDuration(now - Date.parse(b.at))} ago)`,
      );
    }
  }
  if (batches.some((b) => !b.collected)) {
    lines.push(`resume with: healthbench eval --resume ${runDir} (same flags) to collect them; add --cancel-batches to cancel them`);
  }
  return lines;
}
